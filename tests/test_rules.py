"""Every rule just inside and just outside its boundary, on the example county's planted cases
(data_examples/README.md lists them), plus a clean dataset that yields no finding at all."""

import datetime as dt
import json

import pytest
from builders import CHILD_A, HEAD_A, HOUSEHOLDS, PERSONS, REGIONS, make_id, write_xlsx

from reportgen.config import load_policy, load_settings
from reportgen.dataset.importer import import_paths
from reportgen.paths import example_data_dir
from reportgen.rules import builtin_rules, load_rules
from reportgen.rules.context import RuleContext, days_between, inclusive_days, run_rules
from reportgen.workspace import open_dataset

AS_OF = dt.date(2023, 9, 30)


@pytest.fixture(scope="module")
def example(tmp_path_factory, module_db):
    folder = tmp_path_factory.mktemp("example")
    settings = load_settings(folder, module_db())
    dataset = open_dataset(settings, create=True)
    import_paths(dataset, [example_data_dir() / "示例县"])
    ctx = RuleContext(dataset, settings.policy, AS_OF)
    found = run_rules(ctx, list(load_rules(None).values()))
    yield found
    dataset.dispose()


def keys(found, rule_id):
    return {f.key for f in found if f.rule == rule_id}


# rule → (keys that must be reported: just outside), (keys that must not be: just inside)
CASES = {
    "M-IDENT": ({"H0126", "H0293"}, {"H0031", "H0073"}),  # 16 vs 15 days; pending 29 vs 8 days
    "M-ENTRY": ({"H0177"}, {"H0042"}),  # 11 vs 10 days
    "M-PLAN": ({"H0290"}, {"H0274"}),
    "M-PUBLICITY": ({"H0204", "H0325", "H0262"}, {"H0095", "H0054"}),  # 4 days / none vs 5 days
    "M-DEV-MEASURE": ({"H0029", "H0386"}, {"H0197", "H0327"}),
    "M-NOLABOR-JOB": ({"413028197011191453", "413025194708050375"}, {"413021196103179794"}),
    "M-ILL-HEALTH": ({"H0082"}, {"H0223"}),
    "M-STUDY-EDU": ({"H0263"}, {"H0399"}),
    "M-UNMONITORED": ({"H0060", "H0319"}, {"H0163", "H0337"}),  # 7499 vs 7500; monitored 6800
    "M-ELIM-INCOME": ({"H0020", "H0158"}, set()),  # 7499, 7500: not above the line
    "DATA-ORDER": ({"H0400"}, set()),
    "DATA-FUTURE": (set(), {"H0252", "H0156"}),  # 2023-10-08 after the as-of date: not judged
    "H-UNINSURED": (
        {"413028194608096893", "413028196301199547", "413025197309268901", "411528201911238063"},
        {"413028197611036529"},
    ),
    "H-RATE": (
        {"411599101"},
        {"county", "411599102", "411599103"},
    ),  # 98.63% vs 99.28 / 99.47 / 99.55%
    "R-UNSAFE": ({"H0074", "H0397"}, {"H0194"}),
    "R-AREA": ({"H0088", "H0261"}, {"H0212", "H0286"}),  # 39 vs 40 ㎡ (3 persons); 64 vs 65 (5)
    "W-WATER": ({"H0040", "H0366", "H0221"}, {"H0131", "H0249"}),  # 39 vs 40 L; 11 vs 10 min
    "J-TERM": (
        {"413025197403271170", "413025196111158665"},
        {"413021196405015605"},
    ),  # 3 years + 1 day vs 3 years
    "J-PLACEMENTS": ({"413025197407119408"}, {"413025196301113644"}),
    "J-TWO-POSTS": ({"413025198107216366"}, set()),
    "C-OVER-MAX": ({"H0202"}, {"H0064", "H0146", "H0166"}),  # 100,001 vs 100,000
    "C-NO-SUBSIDY": ({"H0064", "H0202", "H0166"}, {"H0146"}),  # 50,001 vs 50,000
    "C-OVERDUE": ({"H0373"}, {"H0240"}),  # 逾期 是 vs a renewed loan not overdue
    "P-LINKAGE": ({"QS2023003", "QS2023004"}, {"QS2023002", "QS2023013"}),
    "A-UNPAID": ({"0520220002"}, {"0520220007"}),
    "A-SPECIAL": ({"0720210005", "0320190010"}, {"0720230019"}),
    "D-ATTEMPTS": (
        {"0620230010"},
        {"0520220006", "0520210005", "0620210008", "0320190008"},
    ),  # 2 vs 3 attempts; returned
    "D-NOT-REPORTED": ({"0620210010"}, {"0520220006"}),
    "D-NO-APPROVAL": ({"0620210014"}, {"0620210011", "0420230004"}),
    "D-NO-ASSESSMENT": ({"0320230004"}, {"0420230004"}),
    "I-DROP": ({"H0005"}, {"H0013"}),  # 1 元 below last year vs the same (脱贫户)
    "I-LOW": ({"H0043"}, {"H0051"}),  # 9,999 vs 10,000 元
    "B-SEVERE-DISABLED": ({"413028198207194650"}, {"413028197210045950"}),  # 二级 vs 三级 智力
    "B-NO-DISABILITY-GRADE": ({"41302819680529015X"}, {"413028198207194650"}),  # no grade vs 二级
    "D-NOT-FOUND": ({"411521200801184851"}, {"411528201712172399"}),  # 15, 在校生状况 辍学; 5
    "D-HOME-TEACHING": (
        {"0520230006", "0320180003"},
        {"0520220004"},
    ),  # 1 visit / 2×2 课时 vs 2×3 课时
    # issue 20's checks on imported fields (data_examples/generator/cases_coverage.py, K*, PO*)
    "H-DOCTOR": (
        {"413028195805182111"},
        {"413028195506304334", "413028197102222702"},
    ),  # 否 vs 是; 一般农户
    "R-NO-GRADE": ({"H0006"}, {"H0001"}),  # 脱贫户 vs 一般农户, both blank
    "E-RELOCATED": ({"H0155"}, {"H0041"}),  # 0 vs 1 month of work
    "P-OVERDUE": ({"QS2023006"}, {"QS2023012"}),  # 实施中, planned end 2023-09-29 vs 09-30
    "M-NO-ANNOUNCE": (
        {"H0400", "H0019"},
        {"H0008", "H0156"},
    ),  # 11 vs 10 days; none after 148 vs 10 days
    "M-SCREEN": ({"H0002"}, {"H0003"}),  # C grade 未改造 vs 改造中
    "M-ELIM-UNSAFE": ({"H0093"}, {"H0096"}),  # 39 vs 40 L
    "B-NO-LABOUR": ({"H0022"}, {"H0034"}),  # 无劳动力 + 丧失劳动力 vs 无劳动力 + 弱劳动力
    "B-FLAG": ({"H0350"}, {"H0392"}),  # a 弱劳动力 member vs none
    "B-LOW-INCOME": ({"H0023"}, {"H0119"}),  # 5,279 vs 5,280 元
    "B-EDGE-SINGLE": ({"413025198312114721"}, {"413025196607178037"}),  # 三级 智力 vs 三级 肢体
    "A-SHORT": ({"0520220001"}, {"0320180001"}),  # 399.99 vs 400.00 元 a term
    "J-SUBSIDY": ({"413025198507248412"}, {"413028196501027205"}),  # 799 vs 800 元 a month
    "P-UNPAID": ({"QS2023002"}, {"QS2023001"}),  # 已完工, 85 % paid vs 已验收, all paid
    "P-FUNDS-DOWN": (
        set(),
        {"county"},
    ),  # 2023 above 2022 (the rise is the only case one county has)
    "P-ASSET": ({"QS2023002"}, {"QS2023010"}),  # 经营性资产 未确权 vs 确权 and 移交
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_boundaries_on_the_example_county(example, rule_id):
    outside, inside = CASES[rule_id]
    found = keys(example, rule_id)
    assert outside <= found, f"{rule_id}: not reported {outside - found}"
    assert not (inside & found), f"{rule_id}: wrongly reported {inside & found}"


def test_findings_say_the_numbers(example):
    detail = {f.key: f.detail for f in example if f.rule == "M-IDENT"}
    assert detail["H0126"] == "风险发现2023年8月1日，县级审批2023年8月17日，用时16天（不超过15天）"
    rate = next(f for f in example if f.rule == "H-RATE")
    assert rate.detail == "参保144人/应参保146人，参保率98.63%（不低于99%）"
    area = next(f for f in example if f.rule == "R-AREA" and f.key == "H0088")
    assert area.detail == "3人户，住房面积39㎡，低于40㎡"


def test_day_counting():
    assert days_between(dt.date(2023, 9, 1), dt.date(2023, 9, 16)) == 15
    assert inclusive_days(dt.date(2023, 9, 1), dt.date(2023, 9, 5)) == 5


def test_every_rule_is_fully_described():
    registry = load_rules(None)
    settings_policy = load_settings(example_data_dir()).policy
    assert len(registry) >= 25
    for r in registry.values():
        r = r.bound(settings_policy)
        assert r.title and r.seed and r.fix and r.title != r.id, r.id
        assert "〔" in r.basis_text(settings_policy), f"{r.id}: basis needs a 文号"


def clean_county(folder):
    """A small county with none of the problems the rules look for."""
    households = [h[:] + ["帮扶责任人", "住房安全等级"] for h in HOUSEHOLDS]
    households[0][-2:] = ["帮扶责任人", "住房安全等级"]
    for row in households[1:]:
        row[-2:] = ["王干部", "A"]  # a helper each; every house assessed (R-NO-GRADE)
    households[1][7] = 12000  # the 脱贫户 H001 above the 收入较低 line (I-LOW)
    # H001's 13-year-old has no school record here (D-NOT-FOUND): the clean county leaves him out
    persons = [p[:] for p in PERSONS if p[0] != CHILD_A]
    persons[-1][-1] = (
        "是"  # H003's head insured: an uninsured member is a screening item (M-SCREEN)
    )
    write_xlsx(
        folder / "clean.xlsx", {"行政区划": REGIONS, "户信息": households, "人员信息": persons}
    )
    return folder


def test_a_clean_dataset_yields_no_finding(run, workspace):
    clean_county(workspace / "clean")
    assert run("import", "clean").exit_code == 0
    result = run("check", "--as-of", "2023-09-30", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    text = run("check", "--as-of", "2023-09-30")
    assert "共发现 0 个问题" in text.stdout


def test_check_json_contract_and_scope(run, workspace):
    clean_county(workspace / "clean")
    write_xlsx(
        workspace / "bad.xlsx",
        {
            "户信息": [
                HOUSEHOLDS[0],
                ["H009", "411599102202", "钱七", make_id("19700101", 51), "一般农户", "", "", 7000],
            ]
        },
    )
    assert run("import", "clean").exit_code == 0 and run("import", "bad.xlsx").exit_code == 0
    found = json.loads(run("check", "--as-of", "2023-09-30", "--json").stdout)
    assert found == [{
        "rule": "M-UNMONITORED", "title": builtin_rules()["M-UNMONITORED"].title_text(load_policy("henan-2023")), "entity": "household", "key": "H009", "name": "钱七",
        "household": "H009", "place": "河口乡/李湾村", "detail": "一般农户，家庭年人均纯收入7,000元，低于监测范围7,500元，未纳入监测",
        "township": "411599102", "village": "411599102202",
    }]  # fmt: skip
    assert (
        json.loads(run("check", "--as-of", "2023-09-30", "--json", "--township", "城关镇").stdout)
        == []
    )
    only = json.loads(run("check", "--as-of", "2023-09-30", "--json", "--rule", "W-WATER").stdout)
    assert only == []
    unknown = run("check", "--rule", "X-NOPE")
    assert unknown.exit_code == 3 and "没有这些规则" in unknown.stderr


def test_a_users_own_rule_module_is_registered_like_the_built_ins(
    run, workspace, forget_user_rules
):
    clean_county(workspace / "clean")
    assert run("import", "clean").exit_code == 0
    (workspace / "rules").mkdir()
    (workspace / "rules" / "county.py").write_text(
        "from reportgen.rules import rule\n\n"
        "@rule('X-HEAD', '户主年满70岁', seed='本县规定', basis='henan', entity='household', group='工作落实', fix='入户走访')\n"
        "def old_heads(ctx):\n"
        "    for h in ctx.households.values():\n"
        "        if h.head_id_number[6:10] < '1954':\n"
        "            yield ctx.household_finding('X-HEAD', h, '户主出生于' + h.head_id_number[6:10] + '年')\n",
        encoding="utf-8",
    )
    listed = run("rules", "list")
    assert "X-HEAD" in listed.stdout and "户主年满70岁（自定义）" in listed.stdout
    assert (
        json.loads(run("check", "--as-of", "2023-09-30", "--json", "--rule", "X-HEAD").stdout) == []
    )
    write_xlsx(
        workspace / "old.xlsx",
        {
            "户信息": [
                HOUSEHOLDS[0],
                [
                    "H008",
                    "411599102202",
                    "孙老汉",
                    make_id("19500101", 52),
                    "一般农户",
                    "",
                    "",
                    9000,
                ],
            ]
        },
    )
    assert run("import", "old.xlsx").exit_code == 0
    found = json.loads(run("check", "--as-of", "2023-09-30", "--json", "--rule", "X-HEAD").stdout)
    assert [(f["key"], f["detail"]) for f in found] == [("H008", "户主出生于1950年")]
    assert HEAD_A[6:10] == "1975"
