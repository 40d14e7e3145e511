"""Rule commands: `reportgen rules list` and `reportgen check`."""

from __future__ import annotations

import json
from itertools import groupby

import click

from reportgen.cli import AppContext, cli
from reportgen.cli.doc_cmds import _date_option, today

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
    工作目录 rules/ 下的 .py 文件中用 @rule 注册的自定义规则一并列出。
    例：reportgen rules list
    """
    from reportgen.rules import load_rules

    settings = app.settings()
    registry = load_rules(settings.workspace)
    if as_json:
        data = [{"id": r.id, "title": r.title, "entity": r.entity, "group": r.group, "severity": r.severity, "seed": r.seed,
                 "basis": r.basis_text(settings.policy), "builtin": r.builtin} for r in registry.values()]  # fmt: skip
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for r in registry.values():
        mark = "" if r.builtin else "（自定义）"
        click.echo(f"{r.id:<16}{r.title}{mark}")
        click.echo(
            f"{'':<16}[{r.group}·{r.severity}·{r.entity}] 梳理 {r.seed}；{r.basis_text(settings.policy)}"
        )


@cli.command("check")
@click.option(
    "--rule", "rule_ids", multiple=True, metavar="编号", help="只运行这条规则（可多次给出）。"
)
@click.option("--township", metavar="乡镇", help="只看这个乡镇。")
@click.option("--village", metavar="村", help="只看这个村（村名、代码或“乡镇/村”）。")
@click.option("--as-of", "as_of", metavar="日期", help="检查日（默认今天）：时限按这一天计算。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 数组（每条问题一个对象）。")
@pass_app
def check_cmd(app: AppContext, rule_ids, township, village, as_of, as_json) -> None:
    """按政策规则检查数据，列出发现的问题。发现问题不算出错：退出码为 0。

    \b
    例：reportgen check --as-of 2023-09-30
        reportgen check --rule M-IDENT-15 --township 城关镇
        reportgen check --json > 问题.json
    """
    from reportgen.rules import REGISTRY
    from reportgen.rules.runs import check, make_scope
    from reportgen.workspace import open_dataset

    settings = app.settings()
    dataset = open_dataset(settings)
    try:
        day = _date_option(as_of) or today()
        scope = make_scope(dataset, township=township, village=village)
        found = check(settings, dataset, scope, day, list(rule_ids) or None)
    finally:
        dataset.dispose()
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in found], ensure_ascii=False, indent=2))
        return
    where = scope.place.label if scope.place else "全县"
    click.echo(f"{where}，检查日 {day.year}年{day.month}月{day.day}日：共发现 {len(found)} 个问题")
    for rule_id, items in groupby(found, key=lambda f: f.rule):
        items = list(items)
        r = REGISTRY[rule_id]
        click.echo(f"\n[{rule_id}] {r.title}（{len(items)}）  梳理 {r.seed}")
        for f in items:
            click.echo(f"  {f.place}  {f.name}（{f.key}）：{f.detail}")
