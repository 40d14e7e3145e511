"""`reportgen user …`: the portal's accounts (reportgen.accounts does the work)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
    """停用用户：不能再登录（记录保留，可用 user enable 恢复）。

    \b
    例：reportgen user disable cgz
    """
    from reportgen.accounts import set_active

    with _dataset(app) as dataset:
        set_active(dataset, name, False)
    click.echo(f"已停用用户 {name}")


@user_group.command("enable")
@click.argument("name", metavar="用户名")
@pass_app
def user_enable(app: AppContext, name: str) -> None:
    """恢复被停用的用户。

    \b
    例：reportgen user enable cgz
    """
    from reportgen.accounts import set_active

    with _dataset(app) as dataset:
        set_active(dataset, name, True)
    click.echo(f"已恢复用户 {name}")


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
