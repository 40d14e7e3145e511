"""`reportgen schedule …`: scheduled generation from schedule.toml (reportgen.schedule does the work)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from reportgen.cli.app import AppContext, cli
from reportgen.errors import ScheduleError
from reportgen.redact import without_password

pass_app = click.make_pass_decorator(AppContext)


def check_args(argv: list[str]) -> str | None:
    """Parse a scheduled job's reportgen arguments with the command's own click parser, without
    running it (schedule.toml is checked when it is read, not on the due date): the usage error,
    or None. A path that does not exist yet is not an error here (the file a job imports may be
    put there before the day)."""
    command: click.Command = cli
    name, args, parent = "reportgen", list(argv), None
    try:
        while True:
            try:
                ctx = command.make_context(name, args, parent=parent, resilient_parsing=False)
            except click.BadParameter as exc:
                if exc.param is not None and isinstance(exc.param.type, click.Path):
                    return None
                raise
            if not isinstance(command, click.Group):
                return None
            # the subcommand and its arguments (click 8.2 renamed protected_args)
            protected = vars(ctx).get("_protected_args", vars(ctx).get("protected_args", []))
            rest = [*protected, *ctx.args]
            if not rest:
                return None
            sub_name, sub, args = command.resolve_command(ctx, rest)
            if sub is None:
                return f"没有“{rest[0]}”这个命令"
            name, command, parent = sub_name or rest[0], sub, ctx
    except click.exceptions.Exit:  # --help
        return None
    except click.ClickException as exc:
        return f"命令行参数有误（{exc.format_message()}）"


def _scheduler(app: AppContext):
    from reportgen.schedule import Scheduler

    return Scheduler(
        app.workspace, db_option=app.db_option, commands=set(cli.commands), check_args=check_args
    )


def _local(moment: dt.datetime | None, tz, seconds: bool = False) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


@cli.group("schedule")
def schedule_group() -> None:
    """计划任务：按工作目录的 schedule.toml 按月、按季度自动生成文书，每期只生成一次，并留有记录。

    \b
    电脑的“任务计划程序”（或 systemd、cron）每小时调用一次 run-due；
    电脑关机错过的期次，下次开机时补上。说明见 docs/计划任务.md。
    \b
    例：reportgen schedule init
        reportgen schedule list
        reportgen schedule install --write
        reportgen schedule history
    """


@schedule_group.command("init")
@click.option("--force", is_flag=True, help="文件已存在时覆盖。")
@pass_app
def schedule_init(app: AppContext, force: bool) -> None:
    """在工作目录写一个带说明的 schedule.toml 示例（月报、季度自查）。"""
    from reportgen.schedule.config import SCHEDULE_NAME, example_schedule_text

    path = app.workspace / SCHEDULE_NAME
    if path.exists() and not force:
        raise ScheduleError(f"{path} 已存在；如要重写请加 --force（原文件会被覆盖）")
    path.write_text(example_schedule_text(), encoding="utf-8")
    click.echo(f"已写出 {path}。按需修改后运行 reportgen schedule list 检查。")


@schedule_group.command("list")
@pass_app
def schedule_list(app: AppContext) -> None:
    """列出任务：触发时间、下次运行、上次运行及结果、现在到期的期次。"""
    scheduler = _scheduler(app)
    statuses, problem = scheduler.overview()
    tz = scheduler.tz
    click.echo(f"计划任务文件：{scheduler.schedule.path}（时区 {tz.key}）")
    if problem:
        click.echo(f"（无法读取运行记录：{problem}）")
    if not statuses:
        click.echo("没有任务。")
    for s in statuses:
        job = s.job
        which = "上一" if job.period == "previous" else "本"
        from reportgen.schedule.periods import UNIT_NAMES

        paused = "（已暂停：enabled = false）" if not job.enabled else ""
        click.echo(f"\n{job.name}{paused}")
        click.echo(f"  触发：{job.trigger.describe()}；报告期：{which}{UNIT_NAMES[job.unit]}")
        click.echo(f"  命令：reportgen {' '.join(job.command)}")
        click.echo(f"  下次运行：{_local(s.next_fire, tz)}（报告期 {s.next_period.key}）")
        if s.last is None:
            since = s.job.start or s.first_seen
            since_text = _local(since, tz) if since else "第一次运行 run-due"
            click.echo(f"  上次运行：无（{since_text} 之后的触发才运行）")
        else:
            last = s.last
            ended = _local(last.finished_at, tz, seconds=True) if last.finished_at else "尚未结束"
            files = f"，输出 {len(last.outputs)} 个文件" if last.outputs else ""
            click.echo(
                f"  上次运行：{last.period} 第{last.attempt}次 {last.status_text}（{ended}）{files}"
            )
        for due in s.due:
            click.echo(f"  现在到期：{due.period.key}（下次 run-due 时运行）")
        for period, at in s.waiting:
            click.echo(f"  等待重试：{period.key}（{_local(at, tz)} 之后）")


@schedule_group.command("run-due")
@click.option("--job", "only_job", metavar="任务", help="只运行这个任务。")
@click.option(
    "--yes",
    is_flag=True,
    help="时钟看起来不对（早于上次运行，或一个任务要补做/跳过超过 max_missed 期）时，核对无误后仍然运行。",
)
@pass_app
def schedule_run_due(app: AppContext, only_job: str | None, yes: bool) -> None:
    """运行现在到期的任务，并补上关机错过的期次，然后退出（供系统计划任务调用）。

    \b
    每个任务的每一期只会成功运行一次；再次运行不会重复生成。
    有任务失败、时钟可疑时退出码为 1（失败原因见 reportgen schedule history）。
    """
    from reportgen.schedule import run_due
    from reportgen.schedule.process import Terminated
    from reportgen.schedule.runner import TERMINATED_EXIT, TERMINATED_TEXT, report_lines

    try:
        report = run_due(
            app.workspace,
            db_option=app.db_option,
            commands=set(cli.commands),
            check_args=check_args,
            only_job=only_job,
            yes=yes,
        )
    except Terminated:
        click.echo(TERMINATED_TEXT, err=True)
        click.get_current_context().exit(TERMINATED_EXIT)
    lines = report_lines(report)
    for line in lines or ["没有到期的任务。"]:
        click.echo(line)
    if report.problems:
        click.echo(
            f"有 {report.problems} 项失败或需要处理，详见上面和 reportgen schedule history。",
            err=True,
        )
        click.get_current_context().exit(1)


@schedule_group.command("rerun")
@click.argument("job")
@click.argument("period")
@pass_app
def schedule_rerun(app: AppContext, job: str, period: str) -> None:
    """现在重新运行某任务失败、中断或跳过的一期（如修好数据之后）。只运行一次，失败不再自动重试。

    已经成功的期次不会重复运行；要重新生成，请直接运行该命令。

    \b
    例：reportgen schedule rerun 月报 2023-08
    """
    from reportgen.schedule.notify import status_line

    scheduler = _scheduler(app)
    outcome = scheduler.rerun(job, period)
    click.echo(
        f"{outcome.job} {outcome.period.key}：{status_line(outcome, scheduler.tz)}，"
        f"输出 {len(outcome.outputs)} 个文件"
    )
    if outcome.error:
        click.echo(outcome.error, err=True)
    if outcome.status != "success":
        click.get_current_context().exit(1)


@schedule_group.command("backfill")
@click.argument("job")
@click.argument("first")
@click.argument("last")
@pass_app
def schedule_backfill(app: AppContext, job: str, first: str, last: str) -> None:
    """生成某任务从 FIRST 到 LAST 之间每一个还没有成功的期次：从未运行过的（任务是后加的，或时钟曾被调到
    未来）、跳过的、失败的。每期运行一次，从早到晚；已成功的期次不重复。

    \b
    例：reportgen schedule backfill 月报 2023-06 2023-08
        reportgen schedule backfill 季度自查 2023Q1 2023Q3
    有一期失败时退出码为 1。
    """
    from reportgen.schedule.notify import status_line

    scheduler = _scheduler(app)
    outcomes, passed = scheduler.backfill(job, first, last)
    for text in passed:
        click.echo(f"{job} {text}，不重复运行")
    for o in outcomes:
        click.echo(
            f"{o.job} {o.period.key}：{status_line(o, scheduler.tz)}，输出 {len(o.outputs)} 个文件"
        )
        if o.error:
            click.echo("    " + o.error.replace("\n", "\n    "), err=o.status != "success")
    failed = [o for o in outcomes if o.status != "success"]
    if not outcomes and not passed:
        click.echo("没有要生成的期次。")
    if failed:
        click.echo(f"{len(failed)} 期失败，详见 reportgen schedule history。", err=True)
        click.get_current_context().exit(1)


@schedule_group.command("run")
@click.option("--job", "only_job", metavar="任务", help="只运行这个任务。")
@pass_app
def schedule_run(app: AppContext, only_job: str | None) -> None:
    """在前台一直运行：每分钟检查一次到期任务（适合不关机的服务器），按 Ctrl-C 停止。

    每次检查都重新读取 schedule.toml，修改后无需重启；文件有错时本次检查不运行任何任务。
    """
    from reportgen.schedule import serve
    from reportgen.schedule.runner import report_lines

    last_error: list[str] = []

    def on_report(report) -> None:
        last_error.clear()
        for line in report_lines(report):
            click.echo(f"{dt.datetime.now():%Y-%m-%d %H:%M}  {line}")

    def on_error(err) -> None:
        if last_error != [err.message]:  # say it once, not every minute
            click.echo(f"{dt.datetime.now():%Y-%m-%d %H:%M}  错误：{err.message}", err=True)
            last_error[:] = [err.message]

    click.echo("计划任务在前台运行，每分钟检查一次；按 Ctrl-C 停止。")
    try:
        serve(
            app.workspace,
            on_report=on_report,
            on_error=on_error,
            db_option=app.db_option,
            commands=set(cli.commands),
            check_args=check_args,
            only_job=only_job,
        )
    except KeyboardInterrupt:
        click.echo("已停止。")


@schedule_group.command("history")
@click.option("--job", metavar="任务", help="只看这个任务。")
@click.option("--period", metavar="报告期", help="只看这一期（如 2023-08、2023Q3）。")
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(1), help="最多显示几条。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（含输出文件和完整错误）。")
@pass_app
def schedule_history(app: AppContext, job, period, limit, as_json) -> None:
    """运行记录（新的在前）：任务、报告期、第几次、状态、起止时间、输出文件数、错误。

    schedule.toml 写错（到期的任务因此不会运行）或最近一次 run-due 出错时，先显示这个错误。"""
    from zoneinfo import ZoneInfo

    from reportgen.schedule.config import DEFAULT_TIMEZONE
    from reportgen.schedule.ledger import open_ledger
    from reportgen.schedule.runner import history_json, last_call_error

    tz = ZoneInfo(DEFAULT_TIMEZONE)
    try:
        tz = _scheduler(app).tz
        broken = None
    except ScheduleError as exc:
        broken = exc.message
    with open_ledger(app.workspace, app.db_option) as ledger:
        rows = ledger.history(job, limit, period)
    if as_json:
        click.echo(history_json(rows))
        return
    if broken:
        click.echo(f"计划任务文件有错，到期的任务不会运行：{broken}\n")
    elif last_call_error(app.workspace):
        click.echo(f"最近一次 run-due 出错（{last_call_error(app.workspace)}）\n")
    if not rows:
        click.echo("还没有运行记录。")
        return
    for r in rows:
        attempt = f"第{r.attempt}次" if r.attempt else "-"
        end = _local(r.finished_at, tz, seconds=True)[11:] if r.finished_at else "…"
        files = f"  输出 {len(r.outputs)} 个文件" if r.outputs else ""
        click.echo(
            f"#{r.id}  {r.job}  {r.period}  {attempt}  {r.status_text}  "
            f"{_local(r.started_at, tz, seconds=True)} → {end}{files}"
        )
        if r.output_dir:
            click.echo(f"    文件夹：{r.output_dir}")
        if r.error:
            for line in r.error.splitlines()[:4]:
                click.echo(f"    {line}")
        if r.notify_error:
            click.echo(f"    通知：{r.notify_error}")


@schedule_group.command("install")
@click.option(
    "--windows", "platform", flag_value="windows", help="Windows 任务计划程序任务（XML）。"
)
@click.option("--systemd", "platform", flag_value="systemd", help="systemd 用户定时器（Linux）。")
@click.option("--cron", "platform", flag_value="cron", help="crontab 的一行（Linux/Unix）。")
@click.option("--write", is_flag=True, help="直接安装到本机（只在对应的系统上可用）。")
@click.option(
    "--every", default=60, show_default=True, type=int, help="每隔几分钟调用一次 run-due。"
)
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path), metavar="文件",
              help="把 Windows 任务 XML 存成文件（UTF-16），供“任务计划程序”导入。")  # fmt: skip
@pass_app
def schedule_install(app: AppContext, platform, write, every, save) -> None:
    """让系统定时调用 run-due：打印（或用 --write 安装）Windows 任务、systemd 定时器或 crontab 行。

    不指定系统时按本机判断。Windows 任务设了“错过后尽快运行”（StartWhenAvailable）和
    “不同时运行多个”（IgnoreNew）；systemd 定时器设了 Persistent=true；cron 不会补运行，
    但 run-due 每次都会补上错过的期次。

    \b
    例：reportgen schedule install --write
        reportgen schedule install --windows --save 任务.xml
        reportgen schedule install --cron
    """
    from reportgen.schedule import install as inst

    workspace = app.workspace
    _scheduler(app)  # refuse to install for an invalid or missing schedule.toml
    if platform is None:
        platform = "windows" if sys.platform == "win32" else "systemd"
        if platform == "systemd" and not Path("/run/systemd/system").exists():
            platform = "cron"
    python = inst.python_for(platform)
    if app.db_option and without_password(app.db_option)[1]:
        click.echo(
            "注意：数据库密码不会写入计划任务（别人能看到计划任务的内容）。计划任务运行时从 reportgen.toml 的 "
            "database_password_file（仅本人可读的密码文件）或 PostgreSQL 的 ~/.pgpass 读取密码，请先设置好。",
            err=True,
        )
    if platform == "windows":
        import getpass
        import os

        user = None
        if sys.platform == "win32":
            user = f"{os.environ.get('USERDOMAIN', '')}\\{getpass.getuser()}".lstrip("\\")
        xml = inst.windows_task_xml(
            workspace,
            python,
            every=every,
            start=dt.date.today(),
            db_option=app.db_option,
            user=user,
        )
        if save:
            save.write_text(xml, encoding="utf-16")
            click.echo(f"已保存 {save}：在“任务计划程序”中选择“导入任务…”导入它。")
        if write:
            name = inst.install_windows(workspace, xml)
            click.echo(f"已安装 Windows 计划任务 {name}：每 {every} 分钟运行一次 run-due。")
        elif not save:
            click.echo(xml, nl=False)
    elif platform == "systemd":
        units = inst.systemd_units(workspace, python, every=every, db_option=app.db_option)
        if write:
            for path in inst.install_systemd(units):
                click.echo(f"已写出 {path}")
            click.echo("已启用定时器。关机错过的运行会在下次开机登录后补上。")
            click.echo("如需在未登录时也运行：sudo loginctl enable-linger $USER")
        else:
            for filename, text in units.items():
                click.echo(f"# ~/.config/systemd/user/{filename}")
                click.echo(text)
            click.echo(
                f"# 启用：systemctl --user daemon-reload && systemctl --user enable --now {inst.unit_name(workspace)}.timer"
            )
    else:
        line = inst.crontab_line(workspace, python, every=every, db_option=app.db_option)
        if write:
            inst.install_cron(line, inst.unit_name(workspace))
            click.echo(f"已写入 crontab：\n{line}")
        else:
            click.echo(line)
