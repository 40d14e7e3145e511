"""The 项目资产 sheet and the 项目资产台账 (seed 三.三.(二).4): import errors named by their cell, the
ledger's rows, problems and 已销号/未销号 against the data on each side of every boundary, the
资产处置结果公示 of the year's disposals read back, and export → import keeping the assets.

The example county's assets are listed in data_examples/README.md (boundary cases PA1–PA10)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from builders import db_execute, db_rows, expect_refused, sqlite_only, write_xlsx
from openpyxl import load_workbook
from printed import paragraphs, records, small_print, tables, workbook_rows

AS_OF = "2023-09-30"
LEDGER = "项目资产台账_{}_{}.xlsx"
NOTICE = "资产处置结果公示_{}_{}.docx"
ASSET_COLUMNS = "project_no, asset_name, asset_type, original_value, owner, registered_on, handed_over_on, operation, annual_income, disposed_on, disposal"  # fmt: skip


def ledger(run, example, out: str, *scope: str, as_of: str = AS_OF) -> Path:
    """Run `reportgen ledger --kind assets` into its own folder; the folder."""
    result = run("ledger", *(scope or ("--county",)), "--kind", "assets", "--as-of", as_of, "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    return example / out


def assets(folder: Path, label: str = "青山县", day: str = "2023年9月30日") -> dict[tuple, dict]:
    """The ledger's rows by (项目编号, 资产名称)."""
    return {(r["项目编号"], r["资产名称"]): r for r in records(folder / LEDGER.format(label, day))}


def row(folder: Path, project: str, name: str) -> dict:
    return assets(folder)[(project, name)]


def insert_asset(example: Path, project: str, name: str, kind: str, **values: str) -> None:
    columns = ", ".join(["project_no", "asset_name", "asset_type", *values])
    cells = ", ".join(f"'{v}'" for v in (project, name, kind, *values.values()))
    db_execute(example, f"INSERT INTO project_assets ({columns}) VALUES ({cells})")


# ------------------------------------------------------------------------------ import
def test_a_bad_asset_row_is_refused_naming_its_cell(run, example):
    path = write_xlsx(
        example / "资产.xlsx",
        {
            "扶贫项目资产": [
                ["项目编号", "资产名称", "资产类型", "原值（万元）", "处置日期"],
                ["QS2099001", "冷库", "经营性资产", 12.5, None],
                ["QS2023001", "茶园", "经营性", 10, None],
                ["QS2023001", "便道", "公益性资产", "十万", "2023-13-01"],
                ["QS2023002", "大棚", "经营性资产", 3, None],
                ["QS2023002", "大棚", "经营性资产", 4, None],
            ]
        },
    )
    expect_refused(
        run, example, path,
        "资产.xlsx / 扶贫项目资产 / 第2行 / 项目编号: 在项目中（本次导入和已有数据里）都找不到这个项目编号 (QS2099001)",
        "资产.xlsx / 扶贫项目资产 / 第3行 / 资产类型: 应为 经营性资产/公益性资产/到户类资产 之一 (经营性)",
        "资产.xlsx / 扶贫项目资产 / 第4行 / 原值: 应为数字 (十万)",
        "资产.xlsx / 扶贫项目资产 / 第4行 / 处置日期: 日期不存在 (2023-13-01)",
        "资产.xlsx / 扶贫项目资产 / 第6行 / 项目编号、资产名称: 与第5行重复：同一项目编号、资产名称只能出现一次 (QS2023002、大棚)",
    )  # fmt: skip


def test_the_sheet_is_counted_and_re_importing_updates_an_asset(run, example):
    summary = json.loads(run("data", "summary", "--json").stdout)
    assert summary["project_assets"] == 17
    assert "项目资产" in run("data", "summary").stdout
    path = write_xlsx(
        example / "资产.xlsx",
        {
            "项目资产": [
                ["项目编号", "资产名称", "资产类型", "确权日期"],
                ["QS2023002", "食用菌大棚20座", "经营性资产", "2023年9月20日"],
            ]
        },
    )
    result = run("import", str(path))
    assert result.exit_code == 0, result.output + result.stderr
    assert db_rows(
        example,
        "SELECT owner, registered_on, original_value FROM project_assets "
        "WHERE project_no = 'QS2023002' AND asset_name = '食用菌大棚20座'",
    ) == [("杨楼村股份经济合作社", "2023-09-20", 153.5507)]
    assert json.loads(run("data", "summary", "--json").stdout)["project_assets"] == 17


def test_export_and_re_import_keep_the_assets(run, example, new_db):
    assert run("data", "export", "one.xlsx").exit_code == 0
    other = new_db()
    assert run("--db", other, "import", "one.xlsx").exit_code == 0
    assert run("--db", other, "data", "export", "two.xlsx").exit_code == 0
    first, second = load_workbook(example / "one.xlsx"), load_workbook(example / "two.xlsx")
    sheet = list(first["项目资产"].values)
    assert sheet[0][:3] == ("项目编号", "资产名称", "资产类型") and len(sheet) == 18
    assert list(second["项目资产"].values) == sheet
    assert (
        json.loads(run("--db", other, "data", "summary", "--json").stdout)["project_assets"] == 17
    )
    # every stored value is in the export: the 17 assets as the database holds them
    exported = {(r[0], r[1]): r for r in sheet[1:]}
    for no, name, kind, value, owner, *_ in db_rows(
        example, f"SELECT {ASSET_COLUMNS} FROM project_assets"
    ):
        assert exported[(no, name)][2:5] == (kind, value, owner), name


# ------------------------------------------------------------------------------ the ledger
def test_every_asset_is_listed_with_its_facts_status_and_closing(run, example):
    folder = ledger(run, example, "输出/资产")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [LEDGER.format("青山县", "2023年9月30日"), NOTICE.format("石桥镇杨楼村", "2023年9月30日"),
         "manifest.json"]
    )  # fmt: skip
    listed = assets(folder)
    data = db_rows(example, f"SELECT {ASSET_COLUMNS} FROM project_assets")
    assert set(listed) == {(r[0], r[1]) for r in data} and len(data) == 17
    for no, name, kind, value, owner, registered, handed, operation, income, disposed, how in data:
        r = listed[(no, name)]
        assert (r["资产类型"], r["确权对象"], r["运营方式"], r["处置方式"]) == (
            kind,
            owner,
            operation,
            how,
        )
        assert Decimal(str(r["原值(万元)"])) == Decimal(str(value)), name
        for header, day in (("确权日期", registered), ("移交日期", handed), ("处置日期", disposed)):
            assert (r[header].date().isoformat() if r[header] else None) == day, (name, header)
        assert (r["年收益(万元)"] is None) == (income is None), name
    status = {key: (r["状态"], r["销号"]) for key, r in listed.items()}
    assert status[("QS2023002", "食用菌大棚20座")] == ("未确权", "未销号")  # PA1
    assert status[("QS2023001", "高标准茶园300亩")] == ("正常管护", "已销号")  # PA2
    assert status[("QS2023005", "村级光伏电站300千瓦")] == ("运营方式未填", "未销号")  # PA3
    assert status[("QS2023002", "冷库1座（200立方米）")] == ("正常管护", "已销号")  # PA4
    assert status[("QS2023014", "村内道路2.6公里")] == ("未移交", "未销号")  # PA5
    assert status[("QS2023013", "村内道路3.2公里")] == ("正常管护", "已销号")  # PA6
    assert status[("QS2023004", "标准化牛舍3栋")] == ("项目未建成", "未销号")  # PA7
    assert status[("QS2022025", "便民服务设备一批")] == ("已处置", "已销号")  # PA8
    assert status[("QS2022025", "施工临时用房")] == ("已处置", "已销号")  # PA9
    assert status[("QS2023008", "改造油茶林400亩")] == ("未移交", "未销号")  # PA10
    assert [k for k, s in status.items() if s[1] == "未销号"] == [
        ("QS2023002", "食用菌大棚20座"), ("QS2023004", "标准化牛舍3栋"), ("QS2023005", "村级光伏电站300千瓦"),
        ("QS2023008", "改造油茶林400亩"), ("QS2023014", "村内道路2.6公里"),
    ]  # fmt: skip
    problems = {key: r["发现的问题"] for key, r in listed.items() if r["发现的问题"]}
    assert problems == {
        ("QS2023002", "食用菌大棚20座"): "经营性资产未确权（缺确权日期）：应根据资金来源、受益范围、管理需要等明确权属，纳入农村集体资产管理范围（梳理 三.三.(二).4②）",
        ("QS2023005", "村级光伏电站300千瓦"): "经营性资产运营方式未填：应落实帮扶产业项目运营管理制度，明确运营主体和方式（梳理 三.三.(二).1⑤）",
        ("QS2023002", "冷库1座（200立方米）"): "经营性资产年收益为0万元：请核实是否存在资产闲置、经营亏损（梳理 三.三.(三).5）",
        ("QS2023014", "村内道路2.6公里"): "项目已完工，资产未移交（移交日期未填）：项目建成后应及时办理移交手续（梳理 三.三.(二).4②）",
        ("QS2023008", "改造油茶林400亩"): "项目已完工，资产未移交（移交日期未填）：项目建成后应及时办理移交手续（梳理 三.三.(二).4②）",
    }  # fmt: skip
    assert listed[("QS2023002", "食用菌大棚20座")]["实施地点"] == "石桥镇杨楼村"
    result = run("ledger", "--county", "--kind", "assets", "--as-of", AS_OF, "--out", "输出/屏幕")
    assert "项目资产台账：17 项（已销号 12，未销号 5）" in result.stdout
    assert (
        "资产处置结果公示：资产处置结果公示_石桥镇杨楼村_2023年9月30日.docx（1 项资产）"
        in result.stdout
    )


def test_the_summary_adds_up_the_original_values_by_type_and_township(run, example):
    path = ledger(run, example, "输出/汇总") / LEDGER.format("青山县", "2023年9月30日")
    summary = {r["乡镇"]: r for r in records(path, "汇总")}
    assert list(summary) == ["城关镇", "河口乡", "石桥镇", "合计"]
    total = summary["合计"]
    by_type = dict(
        db_rows(
            example,
            "SELECT asset_type, SUM(original_value) FROM project_assets GROUP BY asset_type",
        )
    )
    for kind, value in by_type.items():
        assert Decimal(str(total[f"{kind}原值"])).quantize(Decimal("0.0001")) == Decimal(str(value)).quantize(Decimal("0.0001"))  # fmt: skip
    assert (total["资产数"], total["经营性资产"], total["公益性资产"], total["到户类资产"]) == (
        17,
        6,
        9,
        2,
    )
    assert (
        total["未确权"],
        total["未移交"],
        total["已处置"],
        total["已销号"],
        total["未销号"],
    ) == (1, 2, 2, 12, 5)
    # 年收益 of the assets held: 18.6 + 0 + 9.2 + 21.5 + 6
    assert Decimal(str(total["年收益合计"])) == Decimal("55.3")
    assert sum(summary[t]["资产数"] for t in ("城关镇", "河口乡", "石桥镇")) == 17
    explained = {r[0]: r[1] for r in workbook_rows(path, "说明")[2:]}
    assert "经营性资产年收益未填或不大于0的，列为问题请核实，不影响销号" in explained["销号"]
    assert "以村民委员会名义" in explained["处置公示"]
    assert "数据来源：第1次导入" in small_print(path)


def test_a_township_ledger_lists_the_assets_of_its_villages(run, example):
    folder = ledger(run, example, "输出/河口乡", "--township", "河口乡")
    listed = records(folder / LEDGER.format("河口乡", "2023年9月30日"))
    expected = db_rows(
        example,
        "SELECT DISTINCT a.project_no, a.asset_name FROM project_assets a "
        "JOIN project_places pp ON pp.project_no = a.project_no "
        "WHERE pp.village_code LIKE '411599102%'",
    )
    assert {(r["项目编号"], r["资产名称"]) for r in listed} == set(expected) and expected
    assert {r["乡镇"] for r in listed} == {"河口乡"}
    summary = [r["村"] for r in records(folder / LEDGER.format("河口乡", "2023年9月30日"), "汇总")]
    assert summary == ["王庄村", "李湾村", "合计"]
    assert not list(folder.glob("资产处置结果公示_*"))  # 河口乡 disposed of nothing


# ------------------------------------------------------------------------------ boundaries
def test_an_operating_asset_is_closed_once_its_ownership_is_registered(run, example):
    key = ("QS2023002", "食用菌大棚20座")  # PA1: 确权对象 filled, 确权日期 not
    before = row(ledger(run, example, "输出/确权前"), *key)
    assert (before["状态"], before["销号"]) == ("未确权", "未销号")
    where = "WHERE project_no = 'QS2023002' AND asset_name = '食用菌大棚20座'"
    db_execute(
        example, f"UPDATE project_assets SET registered_on = '2023-09-20', owner = NULL {where}"
    )
    no_owner = row(ledger(run, example, "输出/无对象"), *key)
    assert no_owner["发现的问题"].startswith("经营性资产未确权（缺确权对象）")
    db_execute(example, f"UPDATE project_assets SET owner = '杨楼村股份经济合作社' {where}")
    after = row(ledger(run, example, "输出/确权后"), *key)
    assert (after["状态"], after["销号"], after["发现的问题"]) == ("正常管护", "已销号", None)


def test_a_public_asset_needs_no_ownership_but_a_hand_over(run, example):
    key = ("QS2023014", "村内道路2.6公里")  # PA5: 公益性, project 已完工, nothing filled
    assert row(ledger(run, example, "输出/移交前"), *key)["状态"] == "未移交"
    db_execute(
        example,
        "UPDATE project_assets SET handed_over_on = '2023-09-01' WHERE project_no = 'QS2023014'",
    )
    after = row(ledger(run, example, "输出/移交后"), *key)
    assert (after["状态"], after["销号"], after["发现的问题"]) == ("正常管护", "已销号", None)


def test_only_a_built_projects_assets_are_checked(run, example):
    key = ("QS2023014", "村内道路2.6公里")  # the project 已完工: checked
    db_execute(example, "UPDATE projects SET status = '实施中' WHERE project_no = 'QS2023014'")
    building = row(ledger(run, example, "输出/实施中"), *key)
    assert (building["状态"], building["销号"], building["发现的问题"]) == (
        "项目未建成",
        "未销号",
        None,
    )
    db_execute(example, "UPDATE projects SET status = '已验收' WHERE project_no = 'QS2023014'")
    accepted = row(ledger(run, example, "输出/已验收"), *key)
    assert accepted["发现的问题"].startswith("项目已验收，资产未移交")
    # PA7: an operating asset of a project still being built, nothing registered, nothing flagged
    cattle = row(ledger(run, example, "输出/牛舍"), "QS2023004", "标准化牛舍3栋")
    assert (cattle["状态"], cattle["发现的问题"]) == ("项目未建成", None)


def test_an_operating_asset_needs_its_operation_named(run, example):
    key = ("QS2023005", "村级光伏电站300千瓦")  # PA3
    assert row(ledger(run, example, "输出/运营前"), *key)["状态"] == "运营方式未填"
    db_execute(
        example,
        "UPDATE project_assets SET operation = '村集体经济组织自主运营' WHERE project_no = 'QS2023005'",
    )
    after = row(ledger(run, example, "输出/运营后"), *key)
    assert (after["状态"], after["销号"], after["发现的问题"]) == ("正常管护", "已销号", None)


def test_no_income_is_flagged_without_reopening_the_asset(run, example):
    where = (
        "WHERE project_no = 'QS2023002' AND asset_name = '冷库1座（200立方米）'"  # PA4: 年收益 0
    )
    key = ("QS2023002", "冷库1座（200立方米）")
    for income, problem in (
        ("0", "经营性资产年收益为0万元"),
        ("NULL", "经营性资产年收益未填"),
        ("-0.5", "经营性资产年收益为-0.5万元"),
        ("0.0001", None),
    ):
        db_execute(example, f"UPDATE project_assets SET annual_income = {income} {where}")
        r = row(ledger(run, example, f"输出/收益{income}"), *key)
        assert (r["状态"], r["销号"]) == ("正常管护", "已销号"), income
        assert (r["发现的问题"] or None) == problem or r["发现的问题"].startswith(problem), income
    # a public asset is asked no income
    assert (
        row(ledger(run, example, "输出/公益"), "QS2023013", "村内道路3.2公里")["发现的问题"] is None
    )


def test_an_asset_is_disposed_of_on_its_disposal_day(run, example):
    key = ("QS2022025", "便民服务设备一批")  # PA8: 处置 2023-09-08
    folder = ledger(run, example, "输出/前一天", as_of="2023-09-07")
    r = assets(folder, day="2023年9月7日")[key]
    assert (r["状态"], r["销号"]) == ("正常管护", "已销号")
    folder = ledger(run, example, "输出/当天", as_of="2023-09-08")
    assert assets(folder, day="2023年9月8日")[key]["状态"] == "已处置"
    db_execute(
        example,
        "UPDATE project_assets SET disposal = NULL WHERE asset_name = '便民服务设备一批'",
    )
    r = row(ledger(run, example, "输出/方式未填"), *key)
    assert (r["状态"], r["销号"]) == ("已处置", "未销号")
    assert r["发现的问题"].startswith("已处置，处置方式未填")


# ------------------------------------------------------------------------------ the 公示
def test_the_disposal_notice_lists_the_disposals_of_the_year(run, example):
    folder = ledger(run, example, "输出/公示")
    path = folder / NOTICE.format("石桥镇杨楼村", "2023年9月30日")
    [table] = tables(path)
    assert table == [
        # headers wider than their column's values print on two lines (engine/official_table)
        ["序号", "资产名称", "所属项目", "原值\n（万元）", "处置日期", "处置\n方式"],
        ["1", "便民服务设备一批", "石桥镇杨楼村村级综合服务中心维修项目", "6.9818", "2023年9月8日", "报废"],
        ["合计", "", "", "6.9818", "", ""],
    ]  # fmt: skip
    text = paragraphs(path)
    assert text[0] == "石桥镇杨楼村扶贫项目资产处置结果公示"
    assert "现将石桥镇杨楼村2023年扶贫项目资产处置结果（共1项）予以公示" in text[2]
    assert "公示期：2023年9月30日至2023年10月4日（5天）。" in text
    assert "石桥镇杨楼村村民委员会" in text and "2023年9月30日" in text
    # a public document: the date the data are as of, never the import
    printed = small_print(path)
    assert "数据截至2023年9月30日" in printed and "导入" not in printed
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [t["name"] for t in manifest["templates"]] == ["公文"]
    # the year before: only the 2022 disposal (PA9)
    folder = ledger(run, example, "输出/2022", as_of="2022-12-31")
    [table] = tables(folder / NOTICE.format("石桥镇杨楼村", "2022年12月31日"))
    assert [r[1] for r in table[1:-1]] == ["施工临时用房"]


def test_a_notice_goes_to_the_village_the_township_or_the_county(run, example):
    # QS2023015: 石桥镇刘岗村、马庄村 (one township); QS2023006: 城关镇东关村 and 石桥镇刘岗村
    insert_asset(example, "QS2023015", "供水管网", "公益性资产", original_value="3.5", disposed_on="2023-08-01", disposal="报废")  # fmt: skip
    insert_asset(example, "QS2023006", "冷藏车1辆", "经营性资产", original_value="28", disposed_on="2023-07-01", disposal="转让")  # fmt: skip
    insert_asset(example, "QS2023013", "路灯", "公益性资产", disposed_on="2023-10-01", disposal="报废")  # fmt: skip
    county = ledger(run, example, "输出/县")
    notices = sorted(p.name for p in county.glob("资产处置结果公示_*"))
    assert notices == sorted(
        NOTICE.format(p, "2023年9月30日") for p in ("石桥镇杨楼村", "石桥镇", "青山县")
    )
    township = paragraphs(county / NOTICE.format("石桥镇", "2023年9月30日"))
    assert "石桥镇人民政府" in township and "各村（居）民：" in township
    assert [r[1] for r in tables(county / NOTICE.format("石桥镇", "2023年9月30日"))[0][1:-1]] == [
        "供水管网"
    ]
    whole = county / NOTICE.format("青山县", "2023年9月30日")
    assert "青山县乡村振兴局" in paragraphs(whole)
    assert [r[1] for r in tables(whole)[0][1:-1]] == ["冷藏车1辆"]
    # a township's ledger: its own and its villages' notices; a village's: its own
    township_run = ledger(run, example, "输出/石桥镇", "--township", "石桥镇")
    assert sorted(p.name for p in township_run.glob("资产处置结果公示_*")) == sorted(
        NOTICE.format(p, "2023年9月30日") for p in ("石桥镇杨楼村", "石桥镇")
    )
    village_run = ledger(run, example, "输出/杨楼村", "--village", "石桥镇/杨楼村")
    assert [p.name for p in village_run.glob("资产处置结果公示_*")] == [
        NOTICE.format("石桥镇杨楼村", "2023年9月30日")
    ]
    # disposed after the ledger's day: not yet on any notice
    assert not list(county.glob("资产处置结果公示_城关镇王庄村*"))


def test_a_county_notice_without_its_issuer_is_left_out_with_a_note(run, example):
    insert_asset(example, "QS2023006", "冷藏车1辆", "经营性资产", disposed_on="2023-07-01", disposal="转让")  # fmt: skip
    (example / "reportgen.toml").write_text('[county]\nname = "青山县"\n', encoding="utf-8")
    result = run("ledger", "--county", "--kind", "assets", "--as-of", AS_OF, "--out", "输出/无县")
    assert result.exit_code == 0, result.output + result.stderr
    assert "青山县的资产处置结果公示未生成" in result.stderr and "[offices]" in result.stderr
    folder = example / "输出" / "无县"
    assert not (folder / NOTICE.format("青山县", "2023年9月30日")).exists()
    assert (folder / NOTICE.format("石桥镇杨楼村", "2023年9月30日")).exists()
    assert "青山县的资产处置结果公示未生成" in " ".join(
        json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["notes"]
    )


@sqlite_only  # policy words do not depend on the database backend
def test_the_assets_ledger_takes_its_words_from_the_policy_pack(run, example):
    folder = example / "policies" / "县文字"
    folder.mkdir(parents=True)
    (folder / "policy.toml").write_text(
        '[meta]\nname = "县文字"\nbased_on = "henan-2023"\n', encoding="utf-8"
    )
    (folder / "texts.toml").write_text(
        '[ledgers.assets]\nnot_handed_over = "{{ status }}了，还没移交"\n'
        'notice_body = "{{ place }}处置了{{ count }}项资产。"\n',
        encoding="utf-8",
    )
    config = example / "reportgen.toml"
    config.write_text('policy = "县文字"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    out = ledger(run, example, "输出/县文字")
    assert row(out, "QS2023014", "村内道路2.6公里")["发现的问题"] == "已完工了，还没移交"
    assert "石桥镇杨楼村处置了1项资产。" in paragraphs(
        out / NOTICE.format("石桥镇杨楼村", "2023年9月30日")
    )
