"""Rule commands: `reportgen rules list/fixes`, `reportgen check`, and the reports built on the rules:
`reportgen selfcheck` (quarterly) and `reportgen monthly` (新增/退出 lists)."""

from __future__ import annotations

import json
from itertools import groupby

import click

from reportgen.cli.app import AppContext, cli
from reportgen.cli.options import (
    document_run,
    out_option,
    parallel_options,
    parse_date_option,
    partitioned,
    print_outputs,
    today,
)
from reportgen.cli.progress import progress_bar
from reportgen.dates import cn_date
from reportgen.errors import ConfigError

pass_app = click.make_pass_decorator(AppContext)


@cli.group("rules")
def rules_group() -> None:
    """政策规则（自查规则）。"""


@rules_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_app
def rules_list(app: AppContext, as_json: bool) -> None:
    """列出全部规则：编号、名称、对象、严重程度、梳理章节和政策依据。

    \b
    工作目录 rules/ 下的 .py 文件中用 @rule 注册的自定义规则一并列出，并注明来自哪个文件。
    这些文件是程序（不是文档），以当前用户的权限运行：只放自己写的或审核过的文件。
    例：reportgen rules list
    """
    from reportgen.rules.docs import rule_order
    from reportgen.rules.runs import select_rules

    settings = app.settings()
    rules = rule_order(
        select_rules(settings.workspace, policy=settings.policy), settings.policy.groups
    )
    if as_json:
        data = [{"id": r.id, "title": r.title, "entity": r.entity, "group": r.group, "severity": r.severity, "seed": r.seed,
                 "basis": r.basis_text(settings.policy), "builtin": r.builtin,
                 "file": None if r.builtin else _rule_file(r)} for r in rules]  # fmt: skip
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    custom = sorted({_rule_file(r) for r in rules if not r.builtin})
    if custom:
        click.echo(
            f"注意：工作目录 rules/ 下有 {len(custom)} 个自定义规则文件。它们是程序，不是文档，"
            "以当前用户的权限运行（能读写这个用户能读写的一切）：只放自己写的或审核过的文件。"
        )
        for path in custom:
            click.echo(f"  {path}")
        click.echo("")
    click.echo(f"政策包：{settings.policy.name}（{settings.policy.source}）\n")
    source = settings.policy.text("source.name")  # the pack's source document, e.g. 梳理
    for r in rules:
        mark = "" if r.builtin else "（自定义）"
        click.echo(f"{r.id:<16}{r.title}{mark}")
        click.echo(
            f"{'':<16}[{r.group}·{r.severity}·{r.entity}] {source} {r.seed}；{r.basis_text(settings.policy)}"
        )
        if not r.builtin:
            click.echo(f"{'':<16}来自 {_rule_file(r)}（程序，以当前用户的权限运行）")


def _rule_file(r) -> str:
    """The .py file a workspace rule was loaded from."""
    import inspect

    return inspect.getsourcefile(r.check) or r.check.__code__.co_filename


@cli.command("check")
@click.option(
    "--rule", "rule_ids", multiple=True, metavar="编号", help="只运行这条规则（可多次给出）。"
)
@click.option("--township", metavar="乡镇", help="只看这个乡镇。")
@click.option("--village", metavar="村", help="只看这个村（村名、代码或“乡镇/村”）。")
@click.option("--as-of", "as_of", metavar="日期", help="检查日（默认今天）：时限按这一天计算。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 数组（每条问题一个对象）。")
@parallel_options(
    "全县按乡镇分成若干组、每组一个分区", "--township、--village 或数据量小（约 4 万户以下）"
)
@pass_app
def check_cmd(
    app: AppContext, rule_ids, township, village, as_of, as_json, workers, cluster
) -> None:
    """按政策规则检查数据，列出发现的问题。发现问题不算出错：退出码为 0。

    \b
    例：reportgen check --as-of 2023-09-30
        reportgen check --rule M-IDENT --township 城关镇
        reportgen check --json > 问题.json
    """
    from reportgen.rules.runs import check, make_scope, select_rules
    from reportgen.workspace import open_dataset

    settings = app.settings()
    dataset = open_dataset(settings)
    try:
        day = parse_date_option(as_of) or today()
        scope = make_scope(dataset, township=township, village=village)
        total = 0 if as_json else len(select_rules(settings.workspace, list(rule_ids) or None))
        with (
            partitioned(workers, cluster) as n,
            progress_bar(click.get_current_context(), total, "检查规则", min_total=2) as progress,
        ):
            only = list(rule_ids) or None
            found = check(settings, dataset, scope, day, only, progress=progress, workers=n)
    finally:
        dataset.dispose()
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in found], ensure_ascii=False, indent=2))
        return
    bound = {r.id: r for r in select_rules(settings.workspace, policy=settings.policy)}
    where = scope.place.label if scope.place else "全县"
    source = settings.policy.text("source.name")
    click.echo(f"{where}，检查日 {cn_date(day)}：共发现 {len(found)} 个问题")
    for rule_id, group in groupby(found, key=lambda f: f.rule):
        items = list(group)
        r = bound[rule_id]
        click.echo(f"\n[{rule_id}] {r.title}（{len(items)}）  {source} {r.seed}")
        for f in items:
            click.echo(f"  {f.place}  {f.name}（{f.key}）：{f.detail}")


@rules_group.command("fixes")
@click.option("--force", is_flag=True, help="文件已存在时按内置文字重写。")
@pass_app
def rules_fixes(app: AppContext, force: bool) -> None:
    """写出 rules/整改措施.toml：每条规则的整改措施文字，改写后用于季度自查报告。

    \b
    例：reportgen rules fixes
    """
    from reportgen.documents.selfcheck import write_fix_texts
    from reportgen.rules.runs import select_rules

    settings = app.settings()
    rules = select_rules(settings.workspace, policy=settings.policy)
    path = write_fix_texts(settings.workspace, rules, overwrite=force, policy=settings.policy)
    click.echo(f"已写出 {path}：改写其中的文字，下次生成自查报告时使用。")


@cli.command("selfcheck")
@click.option(
    "--quarter", required=True, metavar="季度", help="季度，如 2023Q3（检查日为季度最后一天）。"
)
@click.option("--county", is_flag=True, help="全县（默认）。")
@click.option("--township", metavar="乡镇", help="只查这个乡镇（名称或代码）。")
@out_option("输出/自查报告")
@click.option("--full-ids/--masked-ids", "full_ids", default=None,
              help="问题清单写完整证件号码 / 遮挡（默认按 reportgen.toml 的 ids.selfcheck_list：遮挡）。报告始终遮挡。")  # fmt: skip
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转成 PDF。")
@parallel_options("全县按乡镇分成若干组、每组一个分区", "--township 或数据量小（约 4 万户以下）")
@pass_app
def selfcheck_cmd(
    app: AppContext, quarter, county, township, out_dir, full_ids, pdf, workers, cluster
) -> None:
    """季度自查报告（公文格式 .docx）和自查问题清单（.xlsx，含图表）。

    按全部规则检查到季度最后一天（季度未结束时到今天），保存本次发现的问题，
    并与同一范围的上次自查对比：新增、仍未整改、已整改。
    “三、整改措施”的文字可在 rules/整改措施.toml 中改写（reportgen rules fixes 生成该文件）。
    报告的版头、发文字号、签发人、主送机关、落款和联系人取自 reportgen.toml 的 [issuer]；未设置的留空待手填并提示。
    全县自查默认按乡镇分组在多个进程中检查（--workers），结果与单进程相同。

    \b
    例：reportgen selfcheck --quarter 2023Q3
        reportgen selfcheck --quarter 2023Q3 --township 城关镇 --pdf
        reportgen selfcheck --quarter 2023Q3 --workers 1
    """
    from reportgen.documents.selfcheck import make_selfcheck, parse_quarter
    from reportgen.rules.runs import make_scope, select_rules

    period = parse_quarter(quarter)
    if county and township:
        raise ConfigError("--county 和 --township 只能给出一个")
    options = {"quarter": quarter, "county": county, "township": township, "pdf": pdf}
    if full_ids is not None:
        options["full_ids"] = full_ids
    with document_run(app, "selfcheck", out_dir, options) as run:
        scope = make_scope(run.dataset, township=township)
        rules = len(select_rules(run.settings.workspace))
        with (
            partitioned(workers, cluster) as n,
            progress_bar(click.get_current_context(), rules, "自查规则", min_total=1) as progress,
        ):
            result = make_selfcheck(run, scope, period, pdf=pdf, progress=progress, workers=n,
                                    full_ids=full_ids)  # fmt: skip
        report, c = result.report, result.report.comparison
        rules = len({f.rule for f in report.found})
        click.echo(f"{report.name}{period.label}自查：检查日 {cn_date(report.as_of)}，"
                   f"发现问题 {len(report.found)} 个（{rules} 条规则）。")  # fmt: skip
        if c.previous_label:
            click.echo(f"与上次自查（{c.previous_label}）相比：新增 {sum(c.new.values())} 个，"
                       f"仍未整改 {sum(c.persisting.values())} 个，已整改 {sum(c.resolved.values())} 个。")  # fmt: skip
        for note in result.notes:
            click.echo(note)
        print_outputs(result.outputs, run.out_dir)


@cli.command("monthly")
@click.option("--month", required=True, metavar="月份", help="月份，如 2023-09。")
@click.option("--full-ids/--masked-ids", "full_ids", default=None,
              help="名单（.xlsx）写完整证件号码 / 遮挡（默认按 reportgen.toml 的 ids.monthly_list：完整，供财政、卫健、医保部门核查比对）。函始终遮挡。")  # fmt: skip
@out_option("输出/月报")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转成 PDF。")
@pass_app
def monthly_cmd(app: AppContext, month, full_ids, out_dir, pdf) -> None:
    """监测对象新增退出名单（月报）：致同级财政、卫生健康、医保部门的函，附名单和本月指标。

    函的版头、发文字号、主送机关、落款和联系人取自 reportgen.toml 的 [issuer]；未设置的留空待手填并提示。

    新增：本月县级审批的识别纳入；退出：本月县级审批的风险消除；
    低保、特困变化：本月导入时发现兜底类型有变化的户。

    \b
    例：reportgen monthly --month 2023-09
        reportgen monthly --month 2023-09 --masked-ids
    """
    from reportgen.documents.monthly import make_monthly, parse_month

    period = parse_month(month)
    options = {"month": month, "pdf": pdf}
    if full_ids is not None:
        options["full_ids"] = full_ids
    with document_run(app, "monthly", out_dir, options) as run:
        result = make_monthly(run, period, full_ids=full_ids, pdf=pdf)
        click.echo(f"{result.county}{period.label}：新增监测对象 {len(result.included)} 户，"
                   f"风险消除 {len(result.eliminated)} 户，低保、特困变化 {len(result.baodi)} 户。")  # fmt: skip
        for note in result.notes:
            click.echo(note)
        print_outputs(result.outputs, run.out_dir)
