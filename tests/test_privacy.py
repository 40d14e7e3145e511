"""The privacy check of public notices sees what a reader sees (issue 17): IDs and phones with
spaces, dashes or full-width digits, bank card numbers, diagnoses; risk types stay allowed."""

from __future__ import annotations

import pytest
from builders import make_id

from reportgen.documents.privacy import PrivacyError, privacy_check

ID = make_id("19680101", 4)
OFFICE = ["0376-5550317", "13900000000"]


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _luhn_number(body: str) -> str:
    """body + the Luhn check digit (a number a bank could issue)."""
    for d in "0123456789":
        digits = [int(c) for c in reversed(body + d)]
        total = sum(
            x if i % 2 == 0 else (x * 2 - 9 if x > 4 else x * 2) for i, x in enumerate(digits)
        )
        if total % 10 == 0:
            return body + d
    raise AssertionError


CARD = _luhn_number("622202123456789012")  # 19 digits


@pytest.mark.parametrize(
    "text, found",
    [
        (ID, "未遮挡的身份证号码"),
        (" ".join([ID[:6], ID[6:14], ID[14:]]), "未遮挡的身份证号码"),
        (f"{ID[:6]}-{ID[6:14]}-{ID[14:]}", "未遮挡的身份证号码"),
        (_full_width(ID), "未遮挡的身份证号码"),
        ("138-1234-5678", "居民手机号码"),
        ("138 1234 5678", "居民手机号码"),
        (_full_width("13812345678"), "居民手机号码"),
        (CARD, "疑似银行卡号"),
        (" ".join(CARD[i : i + 4] for i in range(0, len(CARD), 4)), "疑似银行卡号"),
        (_luhn_number("622202123456789"), "疑似银行卡号"),  # 16 digits
        ("户主张三（尿毒症透析）", "病情等健康信息（“尿毒症”）"),
        ("正在化疗", "病情等健康信息（“化疗”）"),
    ],
)  # fmt: skip
def test_refused(text, found):
    inspect = privacy_check(OFFICE)
    with pytest.raises(PrivacyError, match=found):
        inspect(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")


@pytest.mark.parametrize(
    "text",
    [
        "风险类型：因病、因残、因学",
        "监督电话：0376-5550317、12317、13900000000",
        "公示期：2023年9月1日至2023年9月5日（共5天）",
        "中央12.0000 合计12.3456（万元）",
        CARD[:-1] + str((int(CARD[-1]) + 1) % 10),  # one digit off: not a card number
        "411***********0094",  # masked ID
        "H0400 / 5人",
    ],
)
def test_allowed(text):
    privacy_check(OFFICE)(f"<w:t>{text}</w:t>")


def test_numbers_split_across_runs_are_one_number():
    with pytest.raises(PrivacyError, match="身份证"):
        privacy_check(OFFICE)(f"<w:t>{ID[:9]}</w:t></w:r><w:r><w:t>{ID[9:]}</w:t>")


def test_health_terms_are_configurable():
    inspect = privacy_check(OFFICE, health_terms=["某某病"])
    inspect("<w:t>（尿毒症）</w:t>")  # not in the configured list
    with pytest.raises(PrivacyError, match="某某病"):
        inspect("<w:t>患某某病</w:t>")


# ---------------------------------------------------------------- through `reportgen notice`
def _county_with(run, workspace, head_name: str, project_name: str, config: str = ""):
    from builders import HOUSEHOLDS, full_county, write_xlsx

    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[hotlines]\nsupervision = "0376-5550317"\n' + config,
        encoding="utf-8",
    )
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    households = [HOUSEHOLDS[0], [*HOUSEHOLDS[2][:2], head_name, *HOUSEHOLDS[2][3:]]]
    procs = [["户编号", "程序类型", "风险类型", "风险发现日期", "入户核实日期", "公示开始日期", "公示结束日期"],
             ["H002", "风险消除", "因病", "2023-08-20", "2023-08-25", "2023-09-01", "2023-09-05"]]  # fmt: skip
    projects = [["项目编号", "项目名称", "项目类型", "实施地点", "建设内容及规模", "中央衔接资金", "实施单位", "计划开工日期", "项目状态"],
                ["XM9", project_name, "巩固三保障成果", "411599102201", "建设血液透析室1间", 30, "河口乡人民政府", "2023-05-01", "实施中"]]  # fmt: skip
    write_xlsx(workspace / "more.xlsx", {"户信息": households, "监测帮扶": procs, "项目": projects})
    assert run("import", "more.xlsx").exit_code == 0


def test_a_diagnosis_in_a_household_notice_is_refused(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-01")
    _county_with(run, workspace, "李二河（尿毒症透析）", "卫生院血液透析室")
    result = run("notice", "--village", "河口乡/王庄村", "--date", "2023-09-01")
    assert result.exit_code == 7, result.output
    assert "病情等健康信息（“尿毒症”）" in result.stderr
    out = workspace / "输出" / "公示公告"
    assert not list(out.glob("*风险消除公示*.docx"))
    # the project notice names a dialysis room: a facility, not a person's illness
    assert list(out.glob("*项目公示*.docx"))


def test_the_health_terms_list_is_a_setting(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-09-01")
    _county_with(
        run, workspace, "李二河（某某病）", "卫生室", '[privacy]\nhealth_terms = ["某某病"]\n'
    )
    result = run(
        "notice", "--village", "河口乡/王庄村", "--kind", "elimination", "--date", "2023-09-01"
    )
    assert result.exit_code == 7, result.output
    assert "病情等健康信息（“某某病”）" in result.stderr
