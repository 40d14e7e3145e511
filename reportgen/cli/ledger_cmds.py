"""`reportgen ledger`: the 住房安全排查台账, 饮水安全问题台账, 项目库台账 and 项目资产台账 (with the
资产处置结果公示) of a county, township or village (documents/ledgers.py)."""

from __future__ import annotations

import click

from reportgen.cli.app import AppContext, cli
from reportgen.cli.options import document_run, out_option, parse_date_option, print_outputs
from reportgen.dates import cn_date

pass_app = click.make_pass_decorator(AppContext)

LEDGER_KINDS = ("housing", "water", "projects", "assets")


@cli.command("ledger")
@click.option("--village", metavar="村", help="村名、村区划代码或“乡镇/村”（同名村须写乡镇）。")
@click.option("--township", metavar="乡镇", help="乡镇名称或代码：该乡镇所有村。")
@click.option("--county", is_flag=True, help="全县。")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(LEDGER_KINDS),
    help="台账种类，可多次给出：housing 住房安全排查台账、water 饮水安全问题台账、"
    "projects 项目库台账、assets 项目资产台账（截至日期所在年度有资产处置的，另生成资产处置结果公示）。"
    "默认四种都生成。",
)
@click.option(
    "--as-of",
    "as_of_text",
    metavar="日期",
    help="截至日期（默认今天）：印在台账标题上，项目是否超过计划完工日期按这一天计算；"
    "资产处置结果公示列出这一年内截至这一天处置的资产，以这一天为公示日期。"
    "台账按导入的数据生成，数据中没有住房、饮水情况的历史记录。",
)
@out_option("输出/台账")
@pass_app
def ledger_cmd(app: AppContext, village, township, county, kinds, as_of_text, out_dir):
    """台账（.xlsx）：住房安全排查台账、饮水安全问题台账、项目库台账、项目资产台账。

    每种台账一个工作簿：逐户（逐个项目、逐项资产）列出数据中的情况、发现的问题、状态和销号（已销号/未销号），
    另有按乡镇（乡镇、村的台账按村）的汇总和“说明”工作表。项目资产台账另为当年处置的资产生成
    资产处置结果公示（.docx，公文格式）。列入范围和销号条件见 docs/台账.md。

    \b
    例：reportgen ledger --county --as-of 2023-09-30
        reportgen ledger --township 城关镇 --kind housing --kind water
        reportgen ledger --village 城关镇/王庄村 --kind projects
        reportgen ledger --township 河口乡 --kind assets
    """
    from reportgen.documents.ledgers import make_ledgers
    from reportgen.places import require_one_scope, resolve_scope

    require_one_scope(village, township, county)
    options = {
        "village": village,
        "township": township,
        "county": county,
        "kind": list(kinds),
        "as_of": as_of_text,
    }
    with document_run(app, "ledger", out_dir, options) as run:
        place = resolve_scope(run.dataset, village, township, county)
        as_of = parse_date_option(as_of_text) or run.today
        result = make_ledgers(run, place, kinds=list(kinds) or None, as_of=as_of)
        click.echo(f"{place.label}，截至{cn_date(as_of)}：")
        for ledger in result.ledgers:
            click.echo(
                f"{ledger.title}：{ledger.rows} {ledger.unit}（已销号 {ledger.closed}，未销号 {ledger.open}）"
            )
        for file, assets in result.notices:
            click.echo(f"资产处置结果公示：{file}（{assets} 项资产）")
        for note in result.notes:
            click.echo(f"提示：{note}", err=True)
        print_outputs(result.outputs, run.out_dir)
