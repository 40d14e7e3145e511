"""`reportgen form`: the forms printed for household visits and signatures (documents/forms.py)."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli.app import AppContext, cli
from reportgen.cli.options import (
    document_run,
    parallel_options,
    parse_date_option,
    partitioned,
    print_outputs,
)
from reportgen.cli.progress import progress_bar
from reportgen.dates import cn_date

FORMS = ("check", "consent", "job", "deferral")
# what the command says it made, per form: "{n} {unit}" and its parts
UNITS = {"check": "户", "consent": "户", "job": "个公益岗位", "deferral": "名学生"}
PARTS = {"check": "个村", "consent": "个村", "job": "个村", "deferral": "所学校"}


@cli.command("form")
@click.option(
    "--kind",
    "form",
    type=click.Choice(FORMS),
    required=True,
    help="哪种表单：check 防止返贫动态监测核查表，consent 承诺授权书，job 公益岗位协议，"
    "deferral 延缓入学（休学）审批表。",
)
@click.option("--village", metavar="村", help="村名、村区划代码或“乡镇/村”（同名村须写乡镇）。")
@click.option(
    "--township", metavar="乡镇", help="乡镇名称或代码：其下每个村（审批表：该乡镇的学校）。"
)
@click.option("--county", is_flag=True, help="全县。")
@click.option("--household", metavar="户编号", help="只生成这一户（核查表、承诺授权书）。")
@click.option("--school", metavar="学校", help="学校名称或学校代码（审批表）。")
@click.option(
    "--as-of",
    "as_of_text",
    metavar="日期",
    help="截至日期（含当天，默认今天）：按这一天选户、选岗位、选学生，晚于这一天的日期不印。",
)
@click.option(
    "--all",
    "include_all",
    is_flag=True,
    help="核查表、承诺授权书：范围内每一户（排查用；默认只生成待入户核实的户）；"
    "公益岗位协议：范围内每个岗位（默认只生成截至日期在岗的）。",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="输出文件夹（默认 输出/表单/<表单名称>）。",
)
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转成 PDF。")
@click.option(
    "--zip", "as_zip", is_flag=True, help="把生成的 Word 文件打包成一个 .zip（名单 .xlsx 另放）。"
)
@parallel_options("每村（审批表每所学校）一个分区", "--zip、--household ")
@click.pass_context
def form_cmd(
    ctx, form, village, township, county, household, school, as_of_text, include_all, out_dir,
    pdf, as_zip, workers, cluster,
):  # fmt: skip
    """入户和签字用的表单：数据中有的信息已填好，没有的留空线待当面如实填写（不代填）。

    每村（审批表每所学校）一个打印文件，每份表单从新的一页开始；另附名单 .xlsx：印了哪些、各留空哪些信息。

    \b
    check    防止返贫动态监测核查表：监测帮扶程序已发现风险、截至日期尚未入户核实的户
             （入户核实日期为空或不早于截至日期，且还没有公示、审核、审批、公告）；
             --household 只要一户，--all 范围内每一户（排查）
    consent  承诺授权书：与核查表同样的户，列出年满18周岁的家庭成员签字
    job      公益岗位协议：截至日期在岗的每个公益岗位（开始日期不晚于、结束日期不早于截至日期）
    deferral 延缓入学（休学）审批表：当前状态为延缓入学或休学、截至日期前发现的辍学学生

    \b
    例：reportgen form --kind check --county --as-of 2023-10-08
        reportgen form --kind consent --village 城关镇/王庄村 --all
        reportgen form --kind check --household H0073
        reportgen form --kind job --township 河口乡 --pdf
        reportgen form --kind deferral --school 石桥镇九年一贯制学校
    """
    from reportgen.documents.forms import KINDS, form_job, make_forms

    app: AppContext = ctx.obj
    kind = KINDS[form]
    out = out_dir or Path("输出") / "表单" / kind.title
    options = {"kind": form, "village": village, "township": township, "county": county,
               "household": household, "school": school, "as_of": as_of_text,
               "all": include_all, "pdf": pdf}  # fmt: skip
    with document_run(app, "form", out, options) as run:
        as_of = parse_date_option(as_of_text) or run.today
        job = form_job(run, form, as_of=as_of, village=village, township=township,
                       county=county, household=household, school=school,
                       include_all=include_all)  # fmt: skip
        with (
            partitioned(workers, cluster) as processes,
            progress_bar(ctx, kind.total(run, job), kind.title) as progress,
        ):
            result = make_forms(run, form, job, pdf=pdf, progress=progress, workers=processes,
                                zip_name=f"{kind.title}_{job.label}" if as_zip else None)  # fmt: skip
        click.echo(f"{job.label}：截至{cn_date(as_of)}，已生成 {result.parts} {PARTS[form]}"
                   f" {result.records} {UNITS[form]}的{result.title}：")  # fmt: skip
        print_outputs(result.outputs, run.out_dir)
        if not result.records:
            click.echo(_nothing(form, include_all or bool(household)))
        elif form == "check" and result.counts.get("incomplete"):
            click.echo(
                f"其中 {result.counts['incomplete']} 户有数据中没有的信息，已留空线待入户填写（见名单“留空待填的信息”）。"
            )
        elif form == "deferral" and result.records > result.counts.get("approved", 0):
            click.echo(
                f"其中 {result.records - result.counts.get('approved', 0)} 名学生县级尚未批准（见名单“备注”）。"
            )


def _nothing(form: str, everything: bool) -> str:
    if form in ("check", "consent"):
        return "（所选范围内没有户）" if everything else (
            "（所选范围内没有待入户核实的户；排查时用 --all 给每一户生成，或用 --household 指定一户）"
        )  # fmt: skip
    if form == "job":
        return (
            "（所选范围内没有公益岗位）"
            if everything
            else "（所选范围内截至这一天没有在岗的公益岗位；用 --all 生成每个岗位）"
        )
    return "（所选范围内没有状态为延缓入学或休学的学生）"
