"""`reportgen policy`: list, show, compare, copy and check policy packs (numbers and words)."""

from __future__ import annotations

import json

import click

from reportgen.cli.app import AppContext, cli

pass_app = click.make_pass_decorator(AppContext)


@cli.group("policy")
def policy_group() -> None:
    """政策包：一个年度、一个省的政策数值和文字（规则标题、整改措施……）。

    \b
    换年度、换标准只需写一个政策包，不用改程序。详见 docs/政策包.md。
    例：reportgen policy list
        reportgen policy diff henan-2023 henan-2024
        reportgen policy new 青山县2024 --from henan-2024
    """


def _workspace(app: AppContext):
    try:
        return app.workspace
    except Exception:  # noqa: BLE001 - no workspace: built-in packs only
        return None


@policy_group.command("list")
@pass_app
def policy_list(app: AppContext) -> None:
    """列出内置和工作目录 policies/ 里的政策包，并标出正在使用的一个。

    \b
    例：reportgen policy list
    """
    from reportgen.packs import list_packs, read_pack

    workspace = _workspace(app)
    current = app.settings().policy if workspace is not None else None
    for ref in list_packs(workspace):
        meta = read_pack(ref, workspace).data.get("meta", {})
        based = f"，基于 {meta['based_on']}" if meta.get("based_on") else ""
        mark = "  ← 正在使用" if current is not None and current.name == ref.name else ""
        click.echo(f"{ref.name:<14}{meta.get('title', '')}（{ref.origin}{based}）{mark}")
        click.echo(f"{'':<14}{ref.folder or ref.path}")
    if current is not None and current.name not in {r.name for r in list_packs(workspace)}:
        click.echo(f"正在使用：{current.source}")


@policy_group.command("show")
@click.argument("key", required=False, metavar="[键]")
@click.option(
    "--pack", metavar="政策包", help="显示这个政策包（默认：工作目录正在使用的，含覆盖）。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_app
def policy_show(app: AppContext, key: str | None, pack: str | None, as_json: bool) -> None:
    """显示政策数值和文字（文字按数值填好，即文书上印出的样子），以及每一项写在哪个文件哪一行。

    \b
    键可以是一项（monitoring.income_line）或一组（monitoring、texts.rules.M-IDENT）。
    例：reportgen policy show monitoring
        reportgen policy show texts.rules.H-RATE --pack henan-2024
    """
    from reportgen.config import load_policy
    from reportgen.errors import ConfigError
    from reportgen.packs import flat_view

    workspace = _workspace(app)
    if pack:
        policy = load_policy(pack, base=workspace)
        overrides: dict = {}
    else:
        settings = app.settings()
        policy, overrides = settings.policy, settings.policy_overrides
    view = flat_view(policy.data)
    if key:
        view = {k: v for k, v in view.items() if k == key or k.startswith(key + ".")}
        if not view:
            raise ConfigError(
                f"政策包 {policy.name} 没有“{key}”；不带键运行 reportgen policy show 列出全部"
            )

    def source(k: str) -> str:
        if k in overrides:
            return "reportgen.toml [policy_overrides]"
        return policy.pack.where(k) if policy.pack else policy.source

    if as_json:
        data = {k: {"value": v, "source": source(k)} for k, v in view.items()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"政策包：{policy.name}（{policy.source}）")
    for k, v in view.items():
        click.echo(f"{k} = {_shown(v)}")
        click.echo(f"    [{source(k)}]")


def _shown(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@policy_group.command("diff")
@click.argument("old", metavar="政策包A")
@click.argument("new", metavar="政策包B")
@pass_app
def policy_diff(app: AppContext, old: str, new: str) -> None:
    """比较两个政策包：从 A 换到 B，哪些数值和文书上的文字会变。

    \b
    例：reportgen policy diff henan-2023 henan-2024
    """
    from reportgen.config import load_policy
    from reportgen.packs import diff

    workspace = _workspace(app)
    a, b = load_policy(old, base=workspace), load_policy(new, base=workspace)
    changes = diff(a.data, b.data)
    if not changes:
        click.echo(f"{a.name} 与 {b.name} 没有不同。")
        return
    numbers = [c for c in changes if not c.key.startswith("texts.")]
    texts = [c for c in changes if c.key.startswith("texts.")]
    click.echo(f"从 {a.name} 换到 {b.name}：{len(numbers)} 项数值、{len(texts)} 段文字不同")
    for title, group in (("数值", numbers), ("文字（按各自的数值填好）", texts)):
        if not group:
            continue
        click.echo(f"\n{title}：")
        for c in group:
            if c.old is None:
                click.echo(f"  + {c.key} = {_shown(c.new)}")
            elif c.new is None:
                click.echo(f"  - {c.key}（{b.name} 没有；原为 {_shown(c.old)}）")
            else:
                click.echo(f"  {c.key}：{_shown(c.old)} → {_shown(c.new)}")


@policy_group.command("new")
@click.argument("name", metavar="名称")
@click.option(
    "--from", "source", required=True, metavar="政策包", help="复制哪个政策包，如 henan-2023。"
)
@click.option("--force", is_flag=True, help="工作目录里已有同名政策包时覆盖。")
@pass_app
def policy_new(app: AppContext, name: str, source: str, force: bool) -> None:
    """把一个政策包复制到工作目录 policies/名称/，用来修改成本县、本年度的标准。

    \b
    复制后改 policies/名称/policy.toml 的数值和 texts.toml 的文字，在 reportgen.toml 写
    policy = "名称" 即可使用；reportgen policy check 名称 检查写得对不对。
    例：reportgen policy new 青山县2024 --from henan-2024
    """
    from reportgen.packs import copy_pack, find_pack

    workspace = app.workspace
    dest = copy_pack(find_pack(source, workspace), workspace, name, force=force)
    _check(name, workspace)
    click.echo(f"已复制 {source} 到 {dest}")
    click.echo(
        f'下一步：修改其中的 policy.toml、texts.toml，在 reportgen.toml 写 policy = "{name}"'
    )


@policy_group.command("check")
@click.argument("pack", required=False, metavar="[政策包]")
@pass_app
def policy_check(app: AppContext, pack: str | None) -> None:
    """检查政策包：数值齐全、类型对，文字能按数值填写，每条规则都有文字。有错误时指出文件和行。

    \b
    不给政策包时检查工作目录正在使用的（含 reportgen.toml 的覆盖）。
    例：reportgen policy check 青山县2024
    """
    workspace = _workspace(app)
    policy = _check(pack, workspace) if pack else _check_settings(app)
    click.echo(f"政策包 {policy.name} 检查通过（{policy.source}）")


def _check(pack: str, workspace):
    from reportgen.config import load_policy

    policy = load_policy(pack, base=workspace)
    _bind_all(policy, workspace)
    return policy


def _check_settings(app: AppContext):
    settings = app.settings()
    _bind_all(settings.policy, settings.workspace)
    return settings.policy


def _bind_all(policy, workspace) -> None:
    from reportgen.rules import bind_rules, load_rules

    bind_rules(load_rules(workspace).values(), policy)
