"""Commands for the workspace and the dataset: init, config, import, data summary/export, demo."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reportgen.cli.app import AppContext, cli
from reportgen.cli.options import out_option
from reportgen.cli.progress import ClickProgress

pass_app = click.make_pass_decorator(AppContext)


@cli.command("init")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--county", "county_name", default="", help="县（市、区）名称，写入配置。")
@click.option("--code", "county_code", default="", help="县级区划代码，写入配置。")
@click.option("--force", is_flag=True, help="覆盖已有的 reportgen.toml。")
@pass_app
def init_cmd(
    app: AppContext, directory: Path | None, county_name: str, county_code: str, force: bool
) -> None:
    """在 DIRECTORY（默认当前目录）写一份带说明的 reportgen.toml，作为起点。

    \b
    例：reportgen init 青山县工作区 --county 青山县 --code 411599
    """
    from reportgen.workspace import init_workspace

    target = init_workspace(directory or app.workspace, county_name, county_code, force)
    click.echo(f"已生成配置文件：{target}")
    click.echo("下一步：编辑其中的县名、落款单位和咨询电话，然后 reportgen import 数据文件夹/")


@cli.group("config")
def config_group() -> None:
    """查看生效的配置和政策参数。"""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_app
def config_show(app: AppContext, as_json: bool) -> None:
    """显示每项设置的生效值及其来源（默认值、政策文件、reportgen.toml、环境变量、命令行）。

    \b
    例：reportgen config show
    """
    from reportgen.config import shown_policy, shown_settings
    from reportgen.redact import redact

    settings = app.settings()
    policy_values = shown_policy(settings)
    if as_json:
        data = {
            "settings": {
                s.key: {"value": value, "source": settings.sources[s.key]}
                for s, value in shown_settings(settings)
            },
            "database_url": redact(settings.db_url),
            "policy": {
                k: {
                    "value": v,
                    "source": "reportgen.toml [policy_overrides]"
                    if k in settings.policy_overrides
                    else settings.policy.source,
                }
                for k, v in policy_values.items()
            },
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"工作目录：{settings.workspace}")
    click.echo(f"配置文件：{settings.config_path or '（无，使用默认值）'}")
    click.echo(f"数据库：  {redact(settings.db_url)}")
    click.echo("")
    click.echo("设置：")
    for s, value in shown_settings(settings):
        shown = "、".join(value) if isinstance(value, list) else value
        click.echo(f"  {s.key} = {shown or '（空）'}    [{settings.sources[s.key]}]  {s.help}")
    click.echo("")
    click.echo(
        f"政策参数：{settings.policy.data.get('meta', {}).get('title', settings.policy.name)}（{settings.policy.source}）"
    )
    for key, value in policy_values.items():
        mark = "  ← reportgen.toml 覆盖" if key in settings.policy_overrides else ""
        click.echo(f"  {key} = {value}{mark}")
    click.echo(f"  学生资助项目：{len(settings.policy.student_aid)} 项（student_aid）")


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="问题清单 .xlsx 写到这里（默认写在输入文件旁）。",
)
@pass_app
def import_cmd(app: AppContext, paths: tuple[Path, ...], errors_path: Path | None) -> None:
    """导入 .xlsx / .csv 文件或文件夹（可多个）。

    工作表按名称（户信息、人员信息、学生……）或表头识别。有任何问题则整批不导入，
    在屏幕上列出问题，并把完整问题清单写成 .xlsx；没有问题则按编号新增或更新。

    \b
    例：reportgen import 数据/
        reportgen import 户信息.xlsx 学生.csv --errors 问题.xlsx
    """
    from reportgen.dataset.sheets import SHEETS_BY_TABLE
    from reportgen.workspace import open_dataset

    settings = app.settings()
    dataset = open_dataset(settings, create=True)
    try:
        from reportgen.dataset.importer import IMPORT_WAIT_SECONDS, import_paths

        def waiting() -> None:
            click.echo(
                f"另一个导入正在进行，等它完成后再导入（最多等 {IMPORT_WAIT_SECONDS:g} 秒）……",
                err=True,
            )

        result = import_paths(
            dataset,
            list(paths),
            errors_path=errors_path,
            progress=ClickProgress(app.quiet),
            on_wait=waiting,
        )
    finally:
        dataset.dispose()
    click.echo(
        f"导入成功（第 {result.import_id} 次导入，共 {result.total_rows} 行），数据库：{dataset.display_url}"
    )
    for table, c in result.counts.items():
        click.echo(
            f"  {SHEETS_BY_TABLE[table].title:<8} 新增 {c['added']:>7}  更新 {c['updated']:>7}"
        )
    for file, why in result.skipped_files:
        click.echo(f"  已跳过文件：{file}（{why}）")
    for s in result.sheets:
        if s.skipped:
            click.echo(f"  已跳过：{s.file} / {s.sheet}（{s.skipped}）")
        elif s.table is None:
            click.echo(f"  已跳过未识别的工作表：{s.file} / {s.sheet}")
        elif s.extra_columns:
            click.echo(
                f"  {s.file} / {s.sheet}：未识别的列已原样保存：{'、'.join(s.extra_columns)}"
            )


@cli.group("data")
def data_group() -> None:
    """查看或导出数据集。"""


@data_group.command("summary")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（供其他工具读取）。")
@pass_app
def data_summary(app: AppContext, as_json: bool) -> None:
    """各表行数和各乡镇的户数、人数、学生数。

    \b
    例：reportgen data summary --json
    """
    from reportgen.dataset.summary import summarize
    from reportgen.workspace import open_dataset

    dataset = open_dataset(app.settings())
    try:
        summary = summarize(dataset)
    finally:
        dataset.dispose()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print_summary(summary)


def print_summary(summary: dict) -> None:
    from reportgen.dataset.sheets import SHEETS

    click.echo("数据概况")
    for spec in SHEETS:
        click.echo(f"  {spec.title:<10}{summary[spec.summary_key]:>8}")
    if summary["townships"]:
        click.echo("各乡镇：")
        click.echo(f"  {'乡镇':<8}{'户数':>6}{'监测户':>6}{'人数':>7}{'学校':>5}{'学生':>6}")
        for t in summary["townships"]:
            click.echo(
                f"  {t['name']:<8}{t['households']:>6}{t['monitored_households']:>6}{t['persons']:>7}{t['schools']:>5}{t['students']:>6}"
            )
    last = summary.get("latest_import")
    if last:
        click.echo(f"最近一次导入：第 {last['id']} 次，{last['finished_at']}")


@data_group.command("export")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def data_export(app: AppContext, target: Path) -> None:
    """把整个数据集按导入格式写成一个 .xlsx（每表一个工作表），可再导入。

    \b
    例：reportgen data export 备份_2023年9月.xlsx
    """
    from reportgen.dataset.export import export_xlsx
    from reportgen.workspace import open_dataset

    dataset = open_dataset(app.settings())
    try:
        counts = export_xlsx(dataset, target)
    finally:
        dataset.dispose()
    click.echo(f"已导出到 {target}：" + "，".join(f"{k} {v} 行" for k, v in counts.items() if v))


@cli.command("demo")
@out_option("demo-out")
@pass_app
def demo_cmd(app: AppContext, out_dir: Path) -> None:
    """用内置示例县的数据生成全部文书，看看 reportgen 能做什么。

    会新建一个临时工作区（在输出文件夹的 _示例工作区 中），导入示例数据，再生成文书。

    \b
    例：reportgen demo --out 示例输出
    """
    from reportgen.demo import run_demo
    from reportgen.engine.outfolder import claim_folder

    def announce(title: str) -> None:
        if not app.quiet:
            click.echo(f"正在生成：{title}", err=True)

    with claim_folder(out_dir.resolve()):  # one demo (or command) per folder at a time
        result = run_demo(out_dir, progress=ClickProgress(app.quiet), announce=announce)
    click.echo(f"示例工作区：{result.workspace}")
    click.echo(
        f"已导入示例数据（第 {result.import_result.import_id} 次导入，共 {result.import_result.total_rows} 行）"
    )
    print_summary(result.summary)
    click.echo("已生成：")
    for title, folder, outputs in result.steps:
        kinds: dict[str, int] = {}
        for o in outputs:
            kinds[o.kind] = kinds.get(o.kind, 0) + 1
        counts = "、".join(f"{n} 个 .{k}" for k, n in sorted(kinds.items()))
        click.echo(f"  {title}：{counts} → {folder}")
    for note in result.notes:
        click.echo(f"  {note}")
    click.echo(f"输出文件夹：{result.out_dir}（每个子文件夹中的 manifest.json 列出全部文件）")
