"""Document commands: each parses its options, calls one document function, prints what it wrote."""

from __future__ import annotations

import datetime as dt
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from reportgen.cli import AppContext, cli
from reportgen.cli.engine_cmds import progress_bar
from reportgen.errors import ConfigError

pass_app = click.make_pass_decorator(AppContext)


def today() -> dt.date:
    """Today, or REPORTGEN_TODAY (YYYY-MM-DD) to reproduce a run of another day exactly."""
    fixed = os.environ.get("REPORTGEN_TODAY")
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            raise ConfigError(f"环境变量 REPORTGEN_TODAY 应为 YYYY-MM-DD：{fixed}") from None
    return dt.date.today()


@contextmanager
def document_run(app: AppContext, command: str, out: Path, options: dict):
    """Settings, dataset and output folder of one document command; the dataset is closed after."""
    from reportgen.documents.common import DocumentRun
    from reportgen.workspace import open_dataset

    settings = app.settings()
    dataset = open_dataset(settings)
    out = out if out.is_absolute() else settings.workspace / out
    out.mkdir(parents=True, exist_ok=True)
    line = (
        "reportgen " + " ".join(sys.argv[1:])
        if sys.argv and sys.argv[0].endswith("reportgen")
        else f"reportgen {command}"
    )
    try:
        yield DocumentRun(settings, dataset, out.resolve(), line, options, today())
    finally:
        dataset.dispose()


def _print_outputs(outputs, out_dir: Path) -> None:
    for o in outputs:
        click.echo(f"  {out_dir / o.file}（{o.records} 条）")


def selection_options(f):
    f = click.option("--class", "class_name", metavar="班级", help="只生成这个班级（如 1班）。")(f)
    f = click.option("--county", is_flag=True, help="全县所有学校。")(f)
    f = click.option("--township", metavar="乡镇", help="乡镇名称或代码：该乡镇所有学校。")(f)
    f = click.option("--school", metavar="学校", help="学校名称或学校代码。")(f)
    return f


def output_options(default_out: str):
    def wrap(f):
        f = click.option(
            "--split", is_flag=True, help="每名学生一个文件（默认每校一个打印文件）。"
        )(f)
        f = click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转成 PDF。")(f)
        f = click.option(
            "--out",
            "out_dir",
            default=default_out,
            show_default=True,
            type=click.Path(file_okay=False, path_type=Path),
            help="输出文件夹。",
        )(f)
        return f

    return wrap


@cli.command("card")
@selection_options
@click.option("--year", type=int, help="学年（如 2023 表示 2023—2024 学年），默认当前学年。")
@output_options("输出/学生资助明白卡")
@click.pass_context
def card_cmd(ctx, school, township, county, class_name, year, out_dir, pdf, split):
    """学生资助政策明白卡：每生一页，每校一个打印文件，另附名单 .xlsx。

    \b
    例：reportgen card --school 城关镇第一初级中学
        reportgen card --township 城关镇 --pdf
        reportgen card --school S01 --class 1班 --split
    """
    from reportgen.aid.students import count_students, select_schools
    from reportgen.documents.aid_card import make_cards
    from reportgen.documents.common import current_school_year

    app: AppContext = ctx.obj
    options = {
        "school": school,
        "township": township,
        "county": county,
        "class": class_name,
        "year": year,
        "pdf": pdf,
        "split": split,
    }
    with document_run(app, "card", out_dir, options) as run:
        selection = select_schools(
            run.dataset, school=school, township=township, county=county, class_name=class_name
        )
        school_year = year or current_school_year(run.today)
        with progress_bar(ctx, count_students(run.dataset, selection), "明白卡") as progress:
            result = make_cards(
                run, selection, year=school_year, split=split, pdf=pdf, progress=progress
            )
        click.echo(f"已生成 {result.schools} 所学校 {result.students} 名学生的学生资助政策明白卡：")
        _print_outputs(result.outputs, run.out_dir)
        if not result.students:
            click.echo("（所选范围内没有学生）")


@cli.command("aid-notice")
@selection_options
@click.option("--term", help="学期，如 2024年春季学期；默认数据中最近的有发放记录的学期。")
@output_options("输出/学生受助情况温馨告知书")
@click.pass_context
def aid_notice_cmd(ctx, school, township, county, class_name, term, out_dir, pdf, split):
    """学生受助情况温馨告知书：每名受助学生一页，每校一个打印文件，另附汇总 .xlsx（含应享未享名单）。

    \b
    例：reportgen aid-notice --county --term 2023年秋季学期
        reportgen aid-notice --school 城关镇第一初级中学
    """
    from reportgen.aid.students import count_students, select_schools
    from reportgen.documents.aid_notice import make_notices

    app: AppContext = ctx.obj
    options = {
        "school": school,
        "township": township,
        "county": county,
        "class": class_name,
        "term": term,
        "pdf": pdf,
        "split": split,
    }
    with document_run(app, "aid-notice", out_dir, options) as run:
        selection = select_schools(
            run.dataset, school=school, township=township, county=county, class_name=class_name
        )
        with progress_bar(ctx, count_students(run.dataset, selection), "告知书") as progress:
            result = make_notices(
                run, selection, term=term, split=split, pdf=pdf, progress=progress
            )
        click.echo(
            f"{result.term}：已生成 {result.letters} 份学生受助情况温馨告知书；应享未享 {result.missed} 人（见汇总表）："
        )
        _print_outputs(result.outputs, run.out_dir)
