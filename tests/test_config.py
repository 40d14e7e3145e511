import json
import re

import pytest
from builders import sqlite_only

from reportgen.config import SETTINGS, load_policy, load_settings
from reportgen.errors import ConfigError


@sqlite_only  # settings, not data: the database backend does not matter
def test_init_writes_a_commented_config_that_loads(run, workspace):
    result = run("init", "--county", "青山县", "--code", "411599")
    assert result.exit_code == 0, result.output
    text = (workspace / "reportgen.toml").read_text(encoding="utf-8")
    assert 'name = "青山县"' in text
    settings = load_settings(workspace)
    assert settings.values["county.code"] == "411599"
    assert run("init").exit_code == 3  # never overwrites silently


@sqlite_only  # settings, not data: the database backend does not matter
def test_every_setting_is_documented_in_the_init_file(workspace):
    from reportgen.config import init_workspace_text

    text = init_workspace_text()
    for s in SETTINGS:
        assert s.help, s.key
        assert s.key.split(".")[-1] in text, s.key


@sqlite_only  # settings, not data: the database backend does not matter
def test_overrides_and_sources(run, workspace, monkeypatch):
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[policy_overrides]\nmonitoring.income_line = 7600\nwater.dry_areas = ["411599102"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("REPORTGEN_DB", "env.db")
    settings = load_settings(workspace)
    assert settings.policy.value("monitoring.income_line") == 7600
    assert settings.policy.value("water.dry_areas") == ["411599102"]
    assert settings.sources["database"] == "环境变量 REPORTGEN_DB"
    assert settings.db_url.endswith("/env.db")
    shown = json.loads(run("--db", "cli.db", "config", "show", "--json").stdout)
    assert shown["settings"]["database"] == {"value": "cli.db", "source": "命令行 --db"}
    assert shown["settings"]["county.name"]["source"].endswith("reportgen.toml")
    assert shown["policy"]["monitoring.income_line"] == {
        "value": 7600,
        "source": "reportgen.toml [policy_overrides]",
    }
    assert shown["policy"]["monitoring.publicity_min_days"]["source"] == "henan-2023"
    text = run("config", "show").stdout
    assert re.search(r"monitoring.income_line = 7600  ← reportgen.toml 覆盖", text)


@pytest.mark.parametrize(
    "content,message",
    [
        ('[county]\nnmae = "x"\n', "未知设置“county.nmae”"),
        (
            "[policy_overrides]\nmonitoring.income_lin = 1\n",
            "不存在的政策参数“monitoring.income_lin”",
        ),
        ('[policy_overrides]\nmonitoring.income_line = "七千五"\n', "应为数值"),
        ("[county\n", "配置文件格式错误"),
        ('policy = "henan-2099"\n', "没有名为“henan-2099”的政策包"),
        ('[hotlines]\noffice_numbers = "123"\n', "应为列表"),
        ('[ids]\nmonthly_list = "full"\n', "“ids.monthly_list”只能是 遮挡 或 完整，实为 'full'"),
        ('[issuer]\nnumber_pattern = "青乡振[{year}]{n}号"\n', "年份应用六角括号〔〕括入"),
        (
            '[issuer]\nnumber_pattern = "青乡振〔{year}〕号"\n',
            "应含 {year}（年份）和 {n}（顺序号）",
        ),
        ('[issuer]\nletter_number_pattern = "青乡振函〔{year}〕{no}号"\n', "且只含这两项"),
        (
            '[issuer]\nnumber_pattern = "青乡振〔{year}〕{n号"\n',
            "应含 {year}（年份）和 {n}（顺序号）",
        ),
        (
            '[issuer.recipients]\nquarterly = "市乡村振兴局"\n',
            "未知设置“issuer.recipients.quarterly”",
        ),
    ],
)
@sqlite_only  # settings, not data: the database backend does not matter
def test_bad_config_is_refused_with_a_reason(run, workspace, content, message):
    (workspace / "reportgen.toml").write_text(content, encoding="utf-8")
    result = run("config", "show")
    assert result.exit_code == 3
    assert message in result.stderr


def test_builtin_policy_holds_every_domain_number():
    policy = load_policy("henan-2023")
    expected = {
        "monitoring.income_line": 7500,
        "social_assistance.dibao_rural_monthly_min": 440,
        "social_assistance.dibao_edge_factor": 1.5,
        "social_assistance.tekun_factor": 1.3,
        "social_assistance.tekun_rural_yearly_min": 6864,
        "monitoring.publicity_min_days": 5,
        "monitoring.identification_max_days": 15,
        "monitoring.entry_max_days": 10,
        "monitoring.plan_max_days": 10,
        "dropout.persuasion_min_attempts": 3,
        "dropout.home_teaching_min_visits_per_month": 2,
        "dropout.home_teaching_min_hours_per_visit": 3,
        "health.insurance_rate_min": 0.99,
        "housing.rebuilt_area_per_person_above": 13,
        "housing.repair_subsidy_max": 18000,
        "housing.rebuild_subsidy_max": 50000,
        "water.min_liters_per_day": 40,
        "water.min_liters_per_day_dry": 20,
        "water.max_fetch_minutes": 10,
        "employment.welfare_job_max_years": 3,
        "employment.welfare_job_max_placements": 2,
        "microcredit.max_amount": 100000,
        "microcredit.interest_subsidy_max": 50000,
        "employment.yulu_vocational_yearly": 3000,
    }
    for key, value in expected.items():
        assert policy.value(key) == value, key
    assert policy.value("housing.rebuilt_area_by_size") == {"1": 20, "2": 30, "3": 40}
    assert policy.value("employment.yulu_short_training") == {"A": 2000, "B": 1800, "C": 1500}
    amounts = {
        item["id"]: item.get("amount", item.get("amount_from")) for item in policy.student_aid
    }
    assert amounts == {
        "preschool_living": 400, "preschool_fee": 600, "provincial_nutrition": 800, "primary_boarding": 1000,
        "primary_day": 500, "junior_boarding": 1250, "junior_day": 625, "senior_tuition": "tuition",
        "senior_lodging": "lodging", "senior_grant": 2000, "vocational_tuition": "tuition", "vocational_grant": 2000,
        "yulu": 3000, "college_grant": 3300, "master_grant": 6000, "doctor_grant": 13000,
    }  # fmt: skip


def test_policy_file_errors(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text("[meta]\nyear = 2024\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="政策参数缺少“monitoring.income_line”"):
        load_policy(str(bad))


def test_import_format_page_is_generated_from_the_code():
    from pathlib import Path

    from reportgen.dataset.docs import import_format_markdown

    page = Path(__file__).parents[1] / "docs" / "导入格式.md"
    assert page.read_text(encoding="utf-8") == import_format_markdown(), (
        "run: python -m reportgen.dataset.docs > docs/导入格式.md"
    )


@sqlite_only  # settings, not data: the database backend does not matter
def test_issuer_and_ids_settings_from_the_init_file(run, workspace):
    """Every [issuer] and [ids] line of the file `init` writes works once its # is removed, and
    `config show` shows each value with its source."""
    from reportgen.config import init_workspace_text

    chosen = {
        "organ": '"青山县乡村振兴局"', "number_pattern": '"青乡振〔{year}〕{n}号"', "signer": '"张三"',
        "recipients.selfcheck": '"市乡村振兴局"', "recipients.monthly": '"青山县财政局、青山县医疗保障局"',
        "phone": '"0376-5550110"', "selfcheck_list": '"完整"', "monthly_list": '"遮挡"',
    }  # fmt: skip
    lines = []
    for line in init_workspace_text("青山县").splitlines():
        name = line[2:].split(" = ")[0] if line.startswith("# ") else ""
        lines.append(f"{name} = {chosen[name]}" if name in chosen else line)
    (workspace / "reportgen.toml").write_text("\n".join(lines), encoding="utf-8")
    values = load_settings(workspace).values
    assert values["issuer.recipients.selfcheck"] == "市乡村振兴局"
    assert values["issuer.number_pattern"] == "青乡振〔{year}〕{n}号"
    assert (values["ids.selfcheck_list"], values["ids.monthly_list"]) == ("完整", "遮挡")
    assert values["issuer.contact"] == "" and values["issuer.mark"] == ""
    text = run("config", "show").stdout
    assert re.search(r"issuer\.signer = 张三    \[.*reportgen\.toml\]  签发人姓名", text)
    assert re.search(r"issuer\.contact = （空）    \[默认值\]  联系人", text)
    shown = json.loads(run("config", "show", "--json").stdout)["settings"]
    assert shown["ids.monthly_list"]["value"] == "遮挡"
    assert shown["ids.selfcheck_list"]["source"].endswith("reportgen.toml")


@sqlite_only  # settings, not data: the database backend does not matter
def test_id_settings_default_to_masked_report_list_and_full_departmental_list(workspace):
    values = load_settings(workspace).values
    assert (values["ids.selfcheck_list"], values["ids.monthly_list"]) == ("遮挡", "完整")


@pytest.mark.parametrize(
    "content,organ_source",
    [
        ('[issuer]\norgan = "青山县乡村振兴局"\n', "reportgen.toml"),
        ('[offices]\ncounty = "青山县乡村振兴局"\n', "offices.county（"),
        (
            '[offices]\ncounty = "青山县扶贫办"\n[issuer]\norgan = "青山县乡村振兴局"\n',
            "reportgen.toml",
        ),
    ],
)
@sqlite_only  # settings, not data: the database backend does not matter
def test_one_organ_for_every_county_signature(workspace, content, organ_source):
    """[issuer] organ and the older [offices] county are one value (organ wins): the report, the
    letter and a county notice sign with the same organ."""
    (workspace / "reportgen.toml").write_text(content, encoding="utf-8")
    settings = load_settings(workspace)
    assert (
        settings.values["issuer.organ"] == settings.values["offices.county"] == "青山县乡村振兴局"
    )
    source = settings.sources["issuer.organ"]
    assert (
        source.startswith(organ_source) if "（" in organ_source else source.endswith(organ_source)
    )
