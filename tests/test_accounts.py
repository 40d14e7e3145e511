"""The portal's accounts (issue 23, part 2): `reportgen user add/list/disable/enable/passwd`, the
role's scope resolved against the data, passwords only as scrypt hashes, and every change and
login attempt in the audit log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from builders import db_url

from reportgen.accounts import (
    AccountError,
    add_user,
    audit_entries,
    authenticate,
    hash_password,
    verify_password,
)
from reportgen.dataset.schema import users
from reportgen.dataset.store import Dataset

PASSWORD = "Qingshan#2023"


def test_a_password_is_kept_only_as_a_salted_scrypt_hash():
    one, two = hash_password(PASSWORD), hash_password(PASSWORD)
    assert one.startswith("scrypt$32768$8$1$") and PASSWORD not in one
    assert one != two  # its own salt
    assert verify_password(PASSWORD, one) and verify_password(PASSWORD, two)
    assert not verify_password(PASSWORD + "x", one)
    assert not verify_password(PASSWORD, "md5$abc") and not verify_password(PASSWORD, "garbage")


def test_each_role_gets_its_scope_from_the_data(dataset):
    admin = add_user(dataset, "admin", "admin", None, PASSWORD)
    assert (admin.scope_code, admin.scope_label) == ("411599", "青山县")
    town = add_user(dataset, "cgz", "township", "城关镇", PASSWORD)
    assert (town.scope_code, town.role_label) == ("411599101", "乡镇")
    school = add_user(dataset, "s01", "school", "S01", PASSWORD)
    assert (school.scope_code, school.scope_label) == ("S01", "城关镇第一初级中学（S01）")
    with dataset.engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalars().all()
    assert all(PASSWORD not in h and h.startswith("scrypt$") for h in stored)


@pytest.mark.parametrize(
    "name, role, scope, message",
    [
        ("a", "township", None, "须用 --scope 给出所管的乡镇"),
        ("a", "township", "411599101201", "乡镇用户的范围须是乡镇；“411599101201”是村"),
        ("a", "school", None, "须用 --scope 给出所管的学校"),
        ("a", "county", "城关镇", "县级用户的范围是全县"),
        ("a", "boss", None, "角色应为"),
        ("有 空格", "admin", None, "不能含空格"),
    ],
)
def test_a_wrong_role_or_scope_is_refused_with_the_reason(dataset, name, role, scope, message):
    with pytest.raises(AccountError, match=message):
        add_user(dataset, name, role, scope, PASSWORD)


def test_weak_passwords_and_duplicate_names_are_refused(dataset):
    with pytest.raises(AccountError, match="至少 8 个字符"):
        add_user(dataset, "cgz", "township", "城关镇", "short")
    with pytest.raises(AccountError, match="不能与用户名相同"):
        add_user(dataset, "chengguan", "township", "城关镇", "chengguan")
    add_user(dataset, "cgz", "township", "城关镇", PASSWORD)
    with pytest.raises(AccountError, match="已经存在"):
        add_user(dataset, "cgz", "township", "城关镇", PASSWORD)


def test_login_attempts_are_audited_and_a_disabled_user_cannot_log_in(run, dataset):
    add_user(dataset, "cgz", "township", "城关镇", PASSWORD)
    assert authenticate(dataset, "cgz", PASSWORD, source="10.0.0.5").name == "cgz"
    assert authenticate(dataset, "cgz", "wrong-password", source="10.0.0.6") is None
    assert authenticate(dataset, "nobody", PASSWORD, source="10.0.0.7") is None
    assert run("user", "disable", "cgz").exit_code == 0
    assert authenticate(dataset, "cgz", PASSWORD, source="10.0.0.5") is None
    entries = [
        (e["user_name"], e["action"], e["target"], e["source"])
        for e in reversed(audit_entries(dataset))
    ]
    assert entries == [
        (None, "user_add", "cgz", "命令行"),
        ("cgz", "login", "cgz", "10.0.0.5"),
        ("cgz", "login_failed", "cgz", "10.0.0.6"),
        (None, "login_failed", "nobody", "10.0.0.7"),
        (None, "user_disable", "cgz", "命令行"),
        ("cgz", "login_failed", "cgz", "10.0.0.5"),
    ]
    assert audit_entries(dataset)[0]["detail"] == {"reason": "已停用"}


def test_the_user_commands(run, imported, workspace):
    result = run("user", "list")
    assert result.exit_code == 0 and "还没有用户" in result.output
    runner_input = f"{PASSWORD}\n"
    from click.testing import CliRunner

    from reportgen.cli import cli

    runner = CliRunner()
    added = runner.invoke(cli, ["user", "add", "cgz", "--role", "township", "--scope", "城关镇", "--password-stdin"],
                          input=runner_input)  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "已添加用户 cgz：乡镇，范围 城关镇（411599101）" in added.output
    # asked twice without echo when not from standard input
    typed = runner.invoke(
        cli, ["user", "add", "admin", "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert typed.exit_code == 0, typed.output
    assert PASSWORD not in typed.output
    listed = run("user", "list").output
    assert (
        "cgz  乡镇  城关镇（411599101）  启用" in listed and "admin  管理员  青山县  启用" in listed
    )
    refused = runner.invoke(cli, ["user", "add", "x", "--role", "township", "--scope", "没有这个乡"],
                            input=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert refused.exit_code == 5 and "没有这个乡" in refused.output
    short = runner.invoke(cli, ["user", "passwd", "cgz", "--password-stdin"], input="short\n")
    assert short.exit_code == 3 and "至少 8 个字符" in short.output
    changed = runner.invoke(
        cli, ["user", "passwd", "cgz", "--password-stdin"], input="Another#Pass9\n"
    )
    assert changed.exit_code == 0
    ds = Dataset.open(db_url(workspace))
    try:
        assert authenticate(ds, "cgz", "Another#Pass9", source="t") is not None
        assert authenticate(ds, "cgz", PASSWORD, source="t") is None
    finally:
        ds.dispose()
    assert run("user", "disable", "cgz").exit_code == 0
    assert "cgz  乡镇  城关镇（411599101）  已停用" in run("user", "list").output
    assert run("user", "enable", "cgz").exit_code == 0
    missing = run("user", "disable", "nobody")
    assert missing.exit_code == 3 and "没有用户“nobody”" in missing.stderr
