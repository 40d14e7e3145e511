"""reportgen ledger: the 住房安全排查台账, 饮水安全问题台账 and 项目库台账 (seed 二.三.(二).1②,
二.四.(二).2①, 三.三.(二).1③, 三.五.(二).1), read back from the example county: who is listed, the
facts beside them, 已销号/未销号 on each side of every boundary, and the same households as the
self-check's rules."""

from __future__ import annotations

import ast
import json
import re
from decimal import Decimal
from pathlib import Path

from builders import db_execute, db_rows, sqlite_only
from printed import records, small_print, workbook_rows

AS_OF = "2023-09-30"
HOUSING = "住房安全排查台账_{}_2023年9月30日.xlsx"
WATER = "饮水安全问题台账_{}_2023年9月30日.xlsx"
PROJECTS = "项目库台账_{}_2023年9月30日.xlsx"
ASSETS = "项目资产台账_{}_2023年9月30日.xlsx"  # tests/test_project_assets.py
DISPOSALS = "资产处置结果公示_石桥镇杨楼村_2023年9月30日.docx"


def ledger(run, example, out: str, *args: str, as_of: str = AS_OF) -> Path:
    """Run `reportgen ledger` into its own folder (printed.workbook_rows caches by path)."""
    result = run("ledger", *(args or ("--county",)), "--as-of", as_of, "--out", out)
    assert result.exit_code == 0, result.output + result.stderr
    return example / out


def rows_by(path: Path, key: str, sheet: str | None = None) -> dict[str, dict]:
    return {r[key]: r for r in records(path, sheet)}


def total_line(path: Path) -> dict:
    return next(r for r in records(path, "汇总") if r["乡镇"] == "合计" or r.get("村") == "合计")


# ------------------------------------------------------------------------------ housing
PRIORITY_OR_UNSAFE = """
SELECT h.household_id FROM households h
WHERE h.category = '脱贫户'
   OR ((h.category = '监测户' OR h.monitor_type IS NOT NULL)
       AND (h.risk_eliminated IS NULL OR h.risk_eliminated = FALSE))
   OR h.baodi_type IS NOT NULL
   OR h.housing_grade IN ('C', 'D', '无房')
   OR EXISTS (SELECT 1 FROM monitoring_procedures p WHERE p.household_id = h.household_id
              AND p.risk_types LIKE '%因住房出现安全问题%')
   OR EXISTS (SELECT 1 FROM measures m WHERE m.household_id = h.household_id AND m.category = '住房保障')
"""


def test_the_county_housing_ledger_lists_the_priority_households_with_their_facts(run, example):
    folder = ledger(run, example, "输出/全县")
    path = folder / HOUSING.format("青山县")
    listed = rows_by(path, "户编号")
    expected = {r[0] for r in db_rows(example, PRIORITY_OR_UNSAFE)}
    assert set(listed) == expected and len(expected) > 100
    facts = db_rows(example, "SELECT household_id, head_name, housing_grade, housing_area, renovation_status "
                             "FROM households")  # fmt: skip
    for hid, head, grade, area, state in facts:
        if hid not in listed:
            continue
        row = listed[hid]
        assert (row["户主"], row["住房等级"], row["改造状态"]) == (head, grade, state), hid
        assert (Decimal(str(row["面积（㎡）"])) if row["面积（㎡）"] is not None else None) == (
            Decimal(str(area)) if area is not None else None
        ), hid
    # the example's three unsafe houses: not yet renovated, so not closed
    assert listed["H0074"]["发现的问题"] == (
        "C级危房，未改造：应列为年度农村危房改造对象（梳理 二.三.(二).3①）"
    )
    assert (listed["H0074"]["状态"], listed["H0074"]["销号"]) == ("未改造", "未销号")
    assert (listed["H0194"]["状态"], listed["H0194"]["销号"]) == ("改造中", "未销号")
    assert "实施农村危房改造（拆除重建），2022年8月8日落实" in listed["H0194"]["风险和保障记录"]
    assert listed["H0397"]["列入原因"] == "脱贫户、无房户"
    # and the coverage cases (data_examples K4, K11, K12): a 脱贫户 never assessed, and two 一般农户
    # with a C-grade house, one being renovated
    assert listed["H0006"]["发现的问题"].startswith("住房安全等级未填（未鉴定）")
    assert (listed["H0002"]["状态"], listed["H0003"]["状态"]) == ("未改造", "改造中")
    assert {hid for hid, r in listed.items() if r["销号"] == "未销号"} == {
        "H0074", "H0194", "H0397", "H0006", "H0002", "H0003",
    }  # fmt: skip
    total = total_line(path)
    assert (total["列入户数"], total["C、D、无房户数"], total["已销号"], total["未销号"]) == (
        len(expected), 5, len(expected) - 6, 6,
    )  # fmt: skip
    by_township = [r for r in records(path, "汇总") if r["序号"]]
    assert [r["乡镇"] for r in by_township] == ["城关镇", "河口乡", "石桥镇"]
    assert sum(r["列入户数"] for r in by_township) == len(expected)
    # an internal document: its small print names the import
    assert re.search(r"数据来源：第\d+次导入", small_print(path))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(o["file"] for o in manifest["outputs"]) == sorted(
        [HOUSING.format("青山县"), PROJECTS.format("青山县"), WATER.format("青山县"),
         ASSETS.format("青山县"), DISPOSALS]
    )  # fmt: skip


def test_an_unsafe_house_is_closed_only_once_renovated_and_accepted(run, example):
    # H0074: C 未改造 (脱贫户); H0005: an ordinary household's house graded D; H0006 (脱贫户) never assessed
    db_execute(
        example,
        "UPDATE households SET category = '一般农户', monitor_type = NULL, baodi_type = NULL, "
        "housing_grade = 'D', renovation_status = NULL WHERE household_id = 'H0005'",
        "UPDATE households SET housing_grade = NULL WHERE household_id = 'H0006'",
    )
    before = rows_by(ledger(run, example, "输出/改造前") / HOUSING.format("青山县"), "户编号")
    assert (before["H0074"]["状态"], before["H0074"]["销号"]) == ("未改造", "未销号")
    assert before["H0005"]["列入原因"] == "D级危房"
    assert (before["H0005"]["状态"], before["H0005"]["销号"]) == ("改造状态未填", "未销号")
    assert before["H0005"]["发现的问题"].startswith("D级危房，危房改造状态未填报")
    assert (before["H0006"]["状态"], before["H0006"]["销号"]) == ("未鉴定", "未销号")
    assert before["H0006"]["发现的问题"].startswith("住房安全等级未填（未鉴定）")

    db_execute(
        example,
        "UPDATE households SET renovation_status = '已竣工验收' WHERE household_id IN ('H0074', 'H0005')",
        "UPDATE households SET housing_grade = 'B' WHERE household_id = 'H0006'",
    )
    after = rows_by(ledger(run, example, "输出/改造后") / HOUSING.format("青山县"), "户编号")
    for hid in ("H0074", "H0005"):
        assert (after[hid]["状态"], after[hid]["销号"], after[hid]["发现的问题"]) == (
            "已竣工验收", "已销号", None,
        ), hid  # fmt: skip
    assert (after["H0006"]["状态"], after["H0006"]["销号"]) == ("安全（B级）", "已销号")
    # an ordinary household with a safe house is not a priority: not listed
    db_execute(example, "UPDATE households SET housing_grade = 'A' WHERE household_id = 'H0005'")
    assert "H0005" not in rows_by(
        ledger(run, example, "输出/安全") / HOUSING.format("青山县"), "户编号"
    )


def test_the_housing_ledger_agrees_with_the_self_check(run, example):
    db_execute(
        example,
        "UPDATE households SET housing_grade = NULL WHERE household_id IN ('H0006', 'H0019')",
        "UPDATE households SET housing_grade = 'C', renovation_status = NULL WHERE household_id = 'H0021'",
    )
    listed = rows_by(ledger(run, example, "输出/对照") / HOUSING.format("青山县"), "户编号")
    for rule_id, states in (("R-UNSAFE", {"未改造", "改造状态未填"}), ("R-NO-GRADE", {"未鉴定"})):
        result = run("check", "--as-of", AS_OF, "--json", "--rule", rule_id)
        found = {f["key"] for f in json.loads(result.stdout)}
        assert found and found == {hid for hid, r in listed.items() if r["状态"] in states}, rule_id


# ------------------------------------------------------------------------------ water
def _water(example, hid: str, liters, minutes, quality: str = "TRUE") -> str:
    return (
        f"UPDATE households SET water_liters_per_day = {liters}, water_fetch_minutes = {minutes}, "
        f"water_quality_ok = {quality} WHERE household_id = '{hid}'"
    )


def test_water_boundaries_39_and_40_litres_10_and_11_minutes(run, example):
    # H0001…H0004 are ordinary households with no water record: listed only for a shortfall
    assert db_rows(example, "SELECT category FROM households WHERE household_id IN "
                            "('H0001','H0002','H0003','H0004') GROUP BY category") == [("一般农户",)]  # fmt: skip
    db_execute(
        example,
        _water(example, "H0001", 39, 0),
        _water(example, "H0002", 40, 0),
        _water(example, "H0003", 80, 11),
        _water(example, "H0004", 80, 10),
    )
    listed = rows_by(ledger(run, example, "输出/饮水") / WATER.format("青山县"), "户编号")
    assert "H0002" not in listed and "H0004" not in listed
    assert listed["H0001"]["发现的问题"] == "人均日用水量39升，低于40升（梳理 二.四.(二).2②）"
    assert listed["H0003"]["发现的问题"] == "取水往返11分钟，超过10分钟（梳理 二.四.(二).2③）"
    for hid in ("H0001", "H0003"):
        assert (listed[hid]["状态"], listed[hid]["销号"]) == ("不达标", "未销号"), hid
    assert listed["H0001"]["人均用水量(升)"] == 39 and listed["H0003"]["取水往返(分钟)"] == 11
    # the example's own cases: 39 L (twice: H0093 is a household whose risk is eliminated, K13),
    # 11 minutes, bad quality; and two resolved households whose data record a water risk or a
    # 饮水保障 measure
    assert {h: r["销号"] for h, r in listed.items() if h not in ("H0001", "H0003")} == {
        "H0040": "未销号", "H0093": "未销号", "H0366": "未销号", "H0221": "未销号", "H0267": "已销号",
        "H0309": "已销号",
    }  # fmt: skip
    assert listed["H0221"]["发现的问题"] == "水质不达标（梳理 二.四.(二).2⑤）"
    assert "饮水保障：改造入户自来水管网，2023年9月8日落实" in listed["H0309"]["风险和保障记录"]
    assert listed["H0309"]["状态"] == "达标" and not listed["H0309"]["发现的问题"]
    total = total_line(example / "输出/饮水" / WATER.format("青山县"))
    assert (total["列入户数"], total["用水量不达标"], total["取水时间超标"], total["已销号"]) == (
        8,
        3,
        2,
        2,
    )

    # a resolved household whose water facts are now blank cannot be closed
    db_execute(
        example, "UPDATE households SET water_liters_per_day = NULL WHERE household_id = 'H0309'"
    )
    again = rows_by(ledger(run, example, "输出/饮水2") / WATER.format("青山县"), "户编号")
    assert (again["H0309"]["状态"], again["H0309"]["销号"]) == ("未填报", "未销号")
    assert again["H0309"]["发现的问题"] == "未填报人均日用水量，无法确认饮水是否达标"


def test_the_water_ledger_lists_what_rule_w_water_finds(run, example):
    db_execute(example, _water(example, "H0001", 10, 30, "FALSE"))
    listed = rows_by(ledger(run, example, "输出/对照") / WATER.format("青山县"), "户编号")
    found = {
        f["key"]
        for f in json.loads(run("check", "--as-of", AS_OF, "--json", "--rule", "W-WATER").stdout)
    }
    assert found == {hid for hid, r in listed.items() if r["状态"] == "不达标"}
    assert listed["H0001"]["发现的问题"].count("\n") == 2  # three shortfalls, one line each


def test_a_workspace_override_of_the_litre_standard_changes_the_water_ledger(run, example):
    db_execute(example, _water(example, "H0001", 45, 0))
    assert "H0001" not in rows_by(
        ledger(run, example, "输出/40升") / WATER.format("青山县"), "户编号"
    )
    config = example / "reportgen.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + "\n[policy_overrides]\nwater.min_liters_per_day = 50\n",
        encoding="utf-8",
    )
    folder = ledger(run, example, "输出/50升")
    listed = rows_by(folder / WATER.format("青山县"), "户编号")
    assert listed["H0001"]["发现的问题"] == "人均日用水量45升，低于50升（梳理 二.四.(二).2②）"
    assert listed["H0040"]["发现的问题"] == "人均日用水量39升，低于50升（梳理 二.四.(二).2②）"
    assert "标准：人均日用水量不低于50升" in small_print(folder / WATER.format("青山县"))


def test_dry_areas_use_the_lower_standard(run, example):
    # H0040 (城关镇王庄村) uses 39 L: below 40, above the dry areas' 20
    config = example / "reportgen.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[policy_overrides]\nwater.dry_areas = ["411599101"]\n',
        encoding="utf-8",
    )
    assert "H0040" not in rows_by(
        ledger(run, example, "输出/干旱") / WATER.format("青山县"), "户编号"
    )


# ------------------------------------------------------------------------------ projects
def test_every_project_is_listed_with_its_status_and_closed_once_accepted(run, example):
    path = ledger(run, example, "输出/项目", "--county", "--kind", "projects") / PROJECTS.format(
        "青山县"
    )
    assert not (path.parent / HOUSING.format("青山县")).exists()
    listed = rows_by(path, "项目编号")
    data = db_rows(example, "SELECT project_no, status, planned_start, fund_central, fund_province, fund_city, "
                            "fund_county, fund_integrated, fund_other FROM projects")  # fmt: skip
    assert set(listed) == {r[0] for r in data}
    for no, status, start, *funds in data:
        row = listed[no]
        assert row["项目状态"] == status and row["年度"] == int(str(start)[:4]), no
        assert row["销号"] == ("已销号" if status == "已验收" else "未销号"), no
        total = sum((Decimal(str(f)) for f in funds if f is not None), Decimal(0))
        assert Decimal(str(row["资金(万元)"])).quantize(Decimal("0.0001")) == total, no
    assert listed["QS2023002"]["项目状态"] == "已完工" and listed["QS2023002"]["销号"] == "未销号"
    assert listed["QS2023003"]["乡镇"] == "跨乡镇"
    assert listed["QS2023003"]["实施地点"] == "城关镇王庄村、河口乡王庄村"
    assert "经营性项目缺联农带农机制" in listed["QS2023003"]["发现的问题"]
    summary = {r["乡镇"]: r for r in records(path, "汇总")}
    assert summary["跨乡镇"]["项目数"] == 7 and summary["合计"]["项目数"] == len(data)
    assert sum(summary[t]["项目数"] for t in ("城关镇", "河口乡", "石桥镇", "跨乡镇")) == len(data)
    funds = rows_by(path, "项目编号", "项目资金")
    assert funds["QS2023001"]["中央衔接"] == 212.4827 and funds["QS2023001"]["合计"] == 296.3175

    db_execute(example, "UPDATE projects SET status = '已验收', accepted_on = '2023-09-20' WHERE project_no = 'QS2023002'")  # fmt: skip
    path = ledger(run, example, "输出/项目2", "--county", "--kind", "projects") / PROJECTS.format(
        "青山县"
    )
    assert rows_by(path, "项目编号")["QS2023002"]["销号"] == "已销号"


def test_a_project_is_overdue_the_day_after_its_planned_end(run, example):
    # QS2023003: 实施中, 计划完工 2023-12-30
    def problem(out: str, as_of: str) -> str:
        folder = ledger(run, example, out, "--county", "--kind", "projects", as_of=as_of)
        (path,) = folder.glob("项目库台账_*.xlsx")
        return rows_by(path, "项目编号")["QS2023003"]["发现的问题"] or ""

    assert "超期" not in problem("输出/当天", "2023-12-30")
    assert problem("输出/次日", "2023-12-31").startswith(
        "计划完工2023年12月30日，截至2023年12月31日已超期1天"
    )


def test_a_village_ledger_lists_the_projects_that_touch_it(run, example):
    folder = ledger(run, example, "输出/王庄村", "--village", "城关镇/王庄村", "--kind", "projects")
    listed = rows_by(folder / PROJECTS.format("城关镇王庄村"), "项目编号")
    touching = db_rows(
        example, "SELECT project_no FROM project_places WHERE village_code = '411599101201'"
    )
    assert set(listed) == {r[0] for r in touching}
    assert listed["QS2023003"]["实施地点"] == "王庄村、河口乡王庄村"
    summary = {r["村"]: r for r in records(folder / PROJECTS.format("城关镇王庄村"), "汇总")}
    assert set(summary) == {"王庄村", "跨村", "合计"}


# ------------------------------------------------------------------------------ scope and words
def test_a_township_ledger_counts_by_village(run, example):
    folder = ledger(run, example, "输出/河口乡", "--township", "河口乡", "--kind", "housing")
    path = folder / HOUSING.format("河口乡")
    listed = records(path, "住房安全排查台账")
    assert {r["乡镇"] for r in listed} == {"河口乡"}
    summary = [r for r in records(path, "汇总") if r["序号"]]
    assert [r["村"] for r in summary] == ["王庄村", "李湾村", "张寨村"]
    assert (
        workbook_rows(path, "住房安全排查台账")[0][0]
        == "河口乡住房安全排查台账（截至2023年9月30日）"
    )


def test_exactly_one_scope(run, example):
    for args in (
        ("--county", "--township", "城关镇"),
        ("--village", "城关镇/王庄村", "--township", "城关镇"),
        (),
    ):
        result = run("ledger", *args)
        assert result.exit_code == 3, args
        assert "请给出 --village 村、--township 乡镇 或 --county（三者选一）" in result.stderr
    result = run("ledger", "--village", "王庄村")
    assert result.exit_code == 5 and "有 2 个同名村" in result.stderr


@sqlite_only  # policy words do not depend on the database backend
def test_the_ledgers_take_their_words_from_the_policy_pack(run, example):
    folder = example / "policies" / "县文字"
    folder.mkdir(parents=True)
    (folder / "policy.toml").write_text(
        '[meta]\nname = "县文字"\nbased_on = "henan-2023"\n', encoding="utf-8"
    )
    (folder / "texts.toml").write_text(
        '[ledgers.water]\nliters_low = "每人每天只用{{ liters }}升水（本县标准{{ minimum }}升）"\n',
        encoding="utf-8",
    )
    config = example / "reportgen.toml"
    config.write_text('policy = "县文字"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    listed = rows_by(ledger(run, example, "输出/县文字") / WATER.format("青山县"), "户编号")
    assert listed["H0040"]["发现的问题"] == "每人每天只用39升水（本县标准40升）"


def test_the_ledger_module_cites_no_source_section_itself():
    """Words that cite the source document are the pack's (tests/test_pack_texts.py checks the
    other document modules the same way)."""
    path = Path(__file__).resolve().parents[1] / "reportgen" / "documents" / "ledgers.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
    }
    cited = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
        and re.search(r"梳理|[一二三四五]\.[一二三四五六七八九十]\.\(|第四部分", n.value)
    ]  # fmt: skip
    assert cited == []


def test_the_demo_makes_the_four_county_ledgers(example):
    import datetime as dt

    from reportgen.config import load_settings
    from reportgen.documents.common import DocumentRun
    from reportgen.documents.ledgers import demo
    from reportgen.workspace import open_dataset

    settings = load_settings(example)
    dataset = open_dataset(settings)
    try:
        out = example / "示例"
        outputs = demo(
            DocumentRun(settings, dataset, out, "reportgen demo", {}, dt.date(2023, 10, 8))
        )
    finally:
        dataset.dispose()
    assert sorted(o.file for o in outputs) == sorted(
        [HOUSING.format("青山县"), PROJECTS.format("青山县"), WATER.format("青山县"),
         ASSETS.format("青山县"), DISPOSALS]
    )  # fmt: skip
    assert all((out / o.file).is_file() for o in outputs)
