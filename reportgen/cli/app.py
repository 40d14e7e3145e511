"""The `reportgen` command group and what every command shares: the workspace and settings
(AppContext), and one place where a ReportgenError becomes its Chinese message and exit code."""

from __future__ import annotations

import os

import click

from reportgen import __version__, tune_gc
from reportgen.errors import DataError, PlaceError, ReportgenError, os_error


class AppContext:
    """What every command may need: the workspace directory and the database URL (lazily)."""

    def __init__(self, db: str | None, workspace: str | None, quiet: bool):
        self.db_option = db
        self.workspace_option = workspace
        self.quiet = quiet

    @property
    def workspace(self):
        from reportgen.config import find_workspace

        return find_workspace(self.workspace_option)

    def settings(self):
        from reportgen.config import load_settings

        return load_settings(self.workspace, db_option=self.db_option)


class ReportgenGroup(click.Group):
    """Turns a ReportgenError raised by any command into its Chinese message and exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ReportgenError as err:
            _print_error(err)
            ctx.exit(err.exit_code)
        except OSError as exc:
            # A full disk, a read-only or missing folder…: the machine's fault, said in Chinese.
            error = os_error(exc)
            if error is None:
                raise
            _print_error(error)
            ctx.exit(error.exit_code)


@click.group(
    cls=ReportgenGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--db",
    metavar="路径或URL",
    help="数据库：SQLite 文件路径或数据库 URL（默认 ./reportgen.db，或环境变量 REPORTGEN_DB）。",
)
@click.option(
    "-C", "--workspace", metavar="目录", help="工作目录（含 reportgen.toml），默认当前目录。"
)
@click.option("-q", "--quiet", is_flag=True, help="不显示进度条，只输出结果（适合计划任务）。")
@click.version_option(__version__, prog_name="reportgen")
@click.pass_context
def cli(ctx: click.Context, db: str | None, workspace: str | None, quiet: bool) -> None:
    """reportgen：从一套数据生成巩固衔接工作的全部文书（明白卡、公示、台账、报告）。

    \b
    快速体验：  reportgen demo
    导入数据：  reportgen import 数据文件夹/
    查看数据：  reportgen data summary
    """
    tune_gc()
    ctx.obj = AppContext(db, workspace, quiet)
    if os.environ.get("REPORTGEN_SCHEDULE_RUN") and ctx.invoked_subcommand != "schedule":
        from reportgen.schedule.beat import start_if_scheduled  # a command started by run-due

        try:
            start_if_scheduled(ctx.obj.workspace, db)
        except ReportgenError:
            pass  # no workspace: the command itself will say so


def _print_error(err: ReportgenError) -> None:
    click.echo(f"错误：{err.message}", err=True)
    if isinstance(err, PlaceError) and err.candidates:
        click.echo("候选：", err=True)
        for c in err.candidates:
            click.echo(f"  {c}", err=True)
    if isinstance(err, DataError):
        shown = err.problems[:20]
        for p in shown:
            click.echo(f"  {p}", err=True)
        if len(err.problems) > len(shown):
            click.echo(f"  …… 另有 {len(err.problems) - len(shown)} 个问题", err=True)
        if err.report_path:
            click.echo(f"完整问题清单：{err.report_path}", err=True)
