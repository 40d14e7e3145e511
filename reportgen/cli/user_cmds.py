"""`reportgen user …`: the portal's accounts (reportgen.accounts does the work)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from reportgen.cli.app import AppContext, cli

pass_app = click.make_pass_decorator(AppContext)


def _password(stdin: bool, name: str) -> str:
    """From standard input (one line, for scripts), else asked twice without echo."""
    if stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.UsageError("--password-stdin：标准输入中没有密码")
        return line
    return click.prompt(f"“{name}”的密码", hide_input=True, confirmation_prompt="再输入一次")


@contextmanager
def _dataset(app: AppContext) -> Iterator[Any]:
    """The workspace's dataset, closed after the command."""
    from reportgen.workspace import open_dataset

    dataset = open_dataset(app.settings())
    try:
        yield dataset
    finally:
        dataset.dispose()


@cli.group("user")
def user_group() -> None:
    """网页门户的用户：添加、列出、停用、改密码（密码只以 scrypt 散列保存）。

    \b
    角色：admin 管理员（用户、导入、计划任务、设置）；county 县级（全县，查看和生成）；
          township 乡镇（本乡镇的村、户、项目、学校）；school 学校（本校学生及其文书）
    """


@user_group.command("add")
@click.argument("name", metavar="用户名")
@click.option("--role", required=True, type=click.Choice(["admin", "county", "township", "school"]),
              help="角色。")  # fmt: skip
@click.option(
    "--scope", metavar="地点或学校", help="乡镇用户的乡镇、学校用户的学校（名称或代码）。"
)
@click.option("--password-stdin", is_flag=True, help="从标准输入读一行作为密码（供脚本使用）。")
@pass_app
def user_add(
    app: AppContext, name: str, role: str, scope: str | None, password_stdin: bool
) -> None:
    """添加用户。

    \b
    例：reportgen user add admin --role admin
        reportgen user add cgz --role township --scope 城关镇
        echo '初始密码123' | reportgen user add xx01 --role school --scope S01 --password-stdin
    """
    from reportgen.accounts import add_user

    with _dataset(app) as dataset:
        user = add_user(dataset, name, role, scope, _password(password_stdin, name))
    click.echo(f"已添加用户 {user.name}：{user.role_label}，范围 {user.scope_label}")


@user_group.command("list")
@pass_app
def user_list(app: AppContext) -> None:
    """列出用户：用户名、角色、范围、状态、添加和改密码的时间（UTC）。

    \b
    例：reportgen user list
    """
    from reportgen.accounts import list_users

    with _dataset(app) as dataset:
        users = list_users(dataset)
    if not users:
        click.echo("还没有用户。添加：reportgen user add 用户名 --role admin")
        return
    for u in users:
        state = "启用" if u.active else "已停用"
        click.echo(f"{u.name}  {u.role_label}  {u.scope_label}  {state}  "
                   f"添加 {u.created_at:%Y-%m-%d %H:%M}  改密码 {u.password_changed_at:%Y-%m-%d %H:%M}")  # fmt: skip


@user_group.command("disable")
@click.argument("name", metavar="用户名")
@pass_app
def user_disable(app: AppContext, name: str) -> None:
    """停用用户：不能再登录，已登录的也随即退出（记录保留，可用 user enable 恢复）。

    \b
    例：reportgen user disable cgz
    """
    _set_active(app, name, False)


@user_group.command("enable")
@click.argument("name", metavar="用户名")
@pass_app
def user_enable(app: AppContext, name: str) -> None:
    """恢复被停用的用户。

    \b
    例：reportgen user enable cgz
    """
    _set_active(app, name, True)


def _set_active(app: AppContext, name: str, active: bool) -> None:
    from reportgen.accounts import set_active

    with _dataset(app) as dataset:
        set_active(dataset, name, active)
    click.echo(f"已{'恢复' if active else '停用'}用户 {name}")


@user_group.command("passwd")
@click.argument("name", metavar="用户名")
@click.option("--password-stdin", is_flag=True, help="从标准输入读一行作为新密码（供脚本使用）。")
@pass_app
def user_passwd(app: AppContext, name: str, password_stdin: bool) -> None:
    """改密码（至少 8 个字符，不能与用户名相同）。

    \b
    例：reportgen user passwd cgz
    """
    from reportgen.accounts import get_user, set_password

    with _dataset(app) as dataset:
        get_user(dataset, name)
        set_password(dataset, name, _password(password_stdin, name))
    click.echo(f"已修改用户 {name} 的密码")


@user_group.command("token")
@click.argument("name", metavar="用户名")
@click.option("--label", default="", metavar="说明", help="这个令牌给谁用（如 县大数据平台）。")
@click.option("--revoke", is_flag=True, help="作废这个用户的全部令牌。")
@pass_app
def user_token(app: AppContext, name: str, label: str, revoke: bool) -> None:
    """给其他系统用的 API 令牌：以这个用户的角色和范围访问 /api/（只显示一次，库中只存散列）。

    \b
    例：reportgen user token cgz --label 乡镇数据看板
        curl -H "Authorization: Bearer rg_..." http://服务器:8080/api/households?q=王
        reportgen user token cgz --revoke
    """
    from reportgen.accounts import add_token, revoke_tokens

    with _dataset(app) as dataset:
        if revoke:
            n = revoke_tokens(dataset, name)
            click.echo(f"已作废用户 {name} 的 {n} 个令牌")
            return
        token = add_token(dataset, name, label)
    click.echo(token)
    click.echo("（请妥善保存：这个令牌只显示这一次，与该用户的密码同等重要）", err=True)


@user_group.command("audit")
@click.option("--user", "who", metavar="用户名", help="只看这个用户。")
@click.option(
    "--limit", default=50, show_default=True, type=click.IntRange(1), help="最多显示几条。"
)
@click.option("--xlsx", "target", type=click.Path(dir_okay=False, path_type=Path),
              help="把全部记录（或该用户的全部记录）导出成 .xlsx。")  # fmt: skip
@pass_app
def user_audit(app: AppContext, who: str | None, limit: int, target: Path | None) -> None:
    """审计日志：登录、导入、生成、下载、查看户信息（谁、何时、做了什么、从哪里）。

    \b
    例：reportgen user audit --user cgz
        reportgen user audit --xlsx 审计日志.xlsx
    """
    from reportgen.accounts import audit_entries
    from reportgen.web.audit import ACTIONS, write_audit_xlsx

    with _dataset(app) as dataset:
        rows = audit_entries(dataset, None if target else limit, user=who)
    if target:
        write_audit_xlsx(rows, target)
        click.echo(f"已导出 {len(rows)} 条审计记录：{target}")
        return
    for r in rows:
        click.echo(f"{r['at']:%Y-%m-%d %H:%M:%S} UTC  {r['user_name'] or '-'}  "
                   f"{ACTIONS.get(r['action'], r['action'])}  {r['target']}  {r['source']}")  # fmt: skip
