"""reportgen form: the forms printed for household visits and signatures, read back from the example
county (as of 2023-10-08). What the data hold is printed, what they do not is a line to write on;
who gets a form is decided by the as-of day, just inside and just outside each boundary."""

import datetime as dt
import re

import pytest
from builders import db_execute, db_rows
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from printed import masked, small_print

from reportgen.dates import full_years

AS_OF = dt.date(2023, 10, 8)
OUT = "输出/表单"
FULL_ID = re.compile(r"\d{17}[\dX]")


# ------------------------------------------------------------------------------ reading a print file
def records_of(path) -> list[list]:
    """The print file cut into records (each after the first starts with a w:pageBreakBefore
    paragraph): each a list of paragraph texts and tables (lists of rows of cell texts, one text per
    w:tc, so a merged cell counts once)."""
    doc = Document(path)
    records: list[list] = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            if child.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None or not records:
                records.append([])
            records[-1].append("".join(t.text or "" for t in child.iter(qn("w:t"))))
        elif child.tag == qn("w:tbl"):
            rows = [
                ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))]
                for tr in child.iter(qn("w:tr"))
            ]
            records[-1].append(rows)
    return records


def fields(record) -> dict[str, str]:
    """The label → value pairs of a record's label/value grids."""
    out: dict[str, str] = {}
    for block in record:
        if isinstance(block, list) and block and block[0][0] != "序号":
            for cells in block:
                for i in range(0, len(cells) - 1, 2):
                    out.setdefault(cells[i], cells[i + 1])
    return out


def table_of(record, first: str) -> list[list[str]]:
    return next(b for b in record if isinstance(b, list) and b and b[0][0] == first)


def text_of(record) -> str:
    return "\n".join(b for b in record if isinstance(b, str))


def list_rows(path) -> list[dict]:
    rows = list(load_workbook(path)["名单"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] in ("乡镇", "学校"))
    return [dict(zip(rows[head], r)) for r in rows[head + 1 :] if any(v is not None for v in r)]


def yuan(value) -> str:
    return f"{int(value):,}元" if float(value).is_integer() else f"{float(value):,.2f}元"


def cn(day: str) -> str:
    d = dt.date.fromisoformat(day)
    return f"{d.year}年{d.month}月{d.day}日"


def printed_docx(folder):
    return sorted(folder.glob("*.docx"))


# ------------------------------------------------------------------------------ 核查表 and 承诺授权书
@pytest.fixture
def due(example):
    """Procedures planted around the as-of day: H0073 verified on it and H0095 found on it (both
    due); H0293 verified the day before, H0309 found the day after, H0252 not verified but already
    publicised and approved (none of them due)."""
    not_yet = ("publicity_start = NULL, publicity_end = NULL, township_reviewed_on = NULL, "
               "county_approved_on = NULL, announced_on = NULL, entered_on = NULL, plan_on = NULL")  # fmt: skip
    db_execute(
        example,
        "UPDATE monitoring_procedures SET verified_on = '2023-10-08' WHERE household_id = 'H0073'",
        f"UPDATE monitoring_procedures SET found_on = '2023-10-08', verified_on = NULL, {not_yet} "
        "WHERE household_id = 'H0095'",
        f"UPDATE monitoring_procedures SET verified_on = '2023-10-07', {not_yet} WHERE household_id = 'H0293'",
        f"UPDATE monitoring_procedures SET found_on = '2023-10-09', verified_on = NULL, {not_yet} "
        "WHERE household_id = 'H0309'",
        "UPDATE monitoring_procedures SET verified_on = NULL WHERE household_id = 'H0252'",
    )
    return example


def check_files(example):
    folder = example / OUT / "防止返贫动态监测核查表"
    return folder, {fields(r)["户主"]: r for path in printed_docx(folder) for r in records_of(path)}


def test_check_forms_go_to_the_households_due_for_a_visit(run, due):
    result = run("form", "--kind", "check", "--county", "--as-of", "2023-10-08")
    assert result.exit_code == 0, result.output
    assert "青山县：截至2023年10月8日，已生成 2 个村 2 户的防止返贫动态监测核查表" in result.output
    folder, printed = check_files(due)
    listed = list_rows(folder / "防止返贫动态监测核查表名单_青山县.xlsx")
    assert sorted(r["户编号"] for r in listed) == ["H0073", "H0095"]
    heads = dict(db_rows(due, "SELECT head_name, household_id FROM households "
                              "WHERE household_id IN ('H0073', 'H0095')"))  # fmt: skip
    assert set(printed) == set(heads)
    # the day before the visit nothing was due yet for H0095 (found on 10-08), H0073 still was
    result = run(
        "form", "--kind", "check", "--county", "--as-of", "2023-10-07", "--out", "day-before"
    )
    assert result.exit_code == 0, result.output
    listed = list_rows(due / "day-before" / "防止返贫动态监测核查表名单_青山县.xlsx")
    assert sorted(r["户编号"] for r in listed) == ["H0073", "H0293"]


def test_the_check_form_prints_what_the_data_hold(run, due):
    assert run("form", "--kind", "check", "--county").exit_code == 0
    _, printed = check_files(due)
    for hid in ("H0073", "H0095"):
        (head, head_id, category, monitor_type, phone, income, grade, area, liters, minutes,
         quality) = db_rows(
            due, "SELECT head_name, head_id_number, category, monitor_type, phone, income_per_capita,"
            " housing_grade, housing_area, water_liters_per_day, water_fetch_minutes, water_quality_ok"
            " FROM households WHERE household_id = :hid", hid=hid,
        )[0]  # fmt: skip
        record = printed[head]
        got = fields(record)
        assert got["户主身份证号"] == masked(head_id)
        assert got["户类型"] == category
        assert got["监测类型"] == (
            monitor_type or ("＿＿＿＿＿＿＿＿" if category == "监测户" else "—")
        )
        assert got["联系电话"] == (phone or "＿＿＿＿＿＿＿＿")
        assert got["家庭年人均纯收入"] == (
            yuan(income) if income is not None else "＿＿＿＿＿＿＿＿"
        )
        assert got["住房安全等级"] == (grade or "＿＿＿＿＿＿＿＿")
        assert got["住房面积"] == (f"{area:g}㎡" if area is not None else "＿＿＿＿＿＿＿＿")
        assert got["人均日用水量"].startswith(f"{liters:g}升" if liters is not None else "＿＿＿")
        assert got["取水往返时间"].startswith(
            f"{minutes:g}分钟" if minutes is not None else "＿＿＿"
        )
        assert "（标准≥40升）" in got["人均日用水量"]
        assert got["水质达标"] == {1: "达标", 0: "不达标", None: "＿＿＿＿＿＿＿＿"}[quality]
        kind, found, risks = db_rows(
            due, "SELECT kind, found_on, risk_types FROM monitoring_procedures WHERE household_id = :hid",
            hid=hid,
        )[0]  # fmt: skip
        assert got["核查事由"] == f"{kind}（{cn(found)}起）"
        assert got["风险类型"] == risks
        members = db_rows(
            due, "SELECT name, relation, birth_date, health, labor_skill, medical_insured, id_number"
            " FROM persons WHERE household_id = :hid", hid=hid,
        )  # fmt: skip
        table = table_of(record, "序号")
        rows = [r for r in table[1:] if r[0].isdigit()]
        assert got["家庭人口"] == f"{len(members)}人" == f"{len(rows)}人"
        expected = {
            name: [relation, str(full_years(dt.date.fromisoformat(born), AS_OF)), health or "＿＿＿",
                   labor or "＿＿＿", {1: "是", 0: "否", None: "＿＿＿"}[insured]]
            for name, relation, born, health, labor, insured, _ in members
        }  # fmt: skip
        assert {r[1]: [r[2], r[3], r[4], r[5], r[7]] for r in rows} == expected
        assert rows[0][2] == "户主"
    # the students of H0073 are at school, its head works away from home (persons sheet)
    h0073 = {r[1]: r[6] for r in table_of(printed["肖俊峰"], "序号")[1:] if r[0].isdigit()}
    assert h0073["肖俊峰"] == "务工12个月（省内县外）"
    assert h0073["肖航"] == "在校（普通高中高一）" and h0073["刘玲"] == "＿＿＿"


def test_what_the_data_lack_is_a_line_to_fill_in(run, due):
    db_execute(
        due,
        "UPDATE households SET phone = NULL, housing_grade = NULL WHERE household_id = 'H0073'",
        "UPDATE persons SET labor_skill = NULL, medical_insured = NULL WHERE name = '刘玲' "
        "AND household_id = 'H0073'",
        "UPDATE monitoring_procedures SET risk_types = NULL WHERE household_id = 'H0073'",
    )
    assert run("form", "--kind", "check", "--household", "H0073").exit_code == 0
    folder, printed = check_files(due)
    got = fields(printed["肖俊峰"])
    assert got["联系电话"] == got["住房安全等级"] == got["风险类型"] == "＿＿＿＿＿＿＿＿"
    row = next(r for r in table_of(printed["肖俊峰"], "序号") if r[1] == "刘玲")
    assert row[5] == row[7] == "＿＿＿"  # 劳动技能, 参加医保
    # what is not data at all is a line too: the incomes the form asks for beyond the data
    assert got["财产性收入"] == got["核实后人均纯收入"] == "＿＿＿＿＿＿元"
    listed = list_rows(folder / "防止返贫动态监测核查表名单_户编号H0073.xlsx")
    assert [r["户编号"] for r in listed] == ["H0073"]
    for name in ("联系电话", "住房安全等级", "风险类型", "劳动技能", "参加医保"):
        assert name in listed[0]["留空待填的信息"]


def test_the_consent_lists_the_adults_to_sign(run, due):
    result = run("form", "--kind", "consent", "--county")
    assert result.exit_code == 0, result.output
    folder = due / OUT / "承诺授权书"
    records = {r[1]: r for path in printed_docx(folder) for r in records_of(path)}
    assert len(records) == 2
    for hid in ("H0073", "H0095"):
        head = db_rows(due, "SELECT head_name FROM households WHERE household_id = :h", h=hid)[0][0]
        record = next(r for r in records.values() if f"户编号：{hid}" in r[1])
        assert f"户主：{head}" in record[1]
        members = db_rows(due, "SELECT name, relation, birth_date, id_number FROM persons "
                               "WHERE household_id = :h", h=hid)  # fmt: skip
        adults = {
            (name, relation, masked(pid))
            for name, relation, born, pid in members
            if relation == "户主" or full_years(dt.date.fromisoformat(born), AS_OF) >= 18
        }
        signers = [r for r in table_of(record, "序号")[1:] if r[0].isdigit()]
        assert {(r[1], r[2], r[3]) for r in signers} == adults
        assert signers[0][2] == "户主" and all(r[4] == "" for r in signers)
        assert "青山县乡村振兴部门" in text_of(record)
        assert (
            "公安、民政、人力资源社会保障、医疗保障、住房城乡建设、市场监管、不动产登记"
            in text_of(record)
        )
    # 肖航 (born 2008-01-08) is 15 on the as-of day: his guardian signs for him
    listed = {r["户编号"]: r for r in list_rows(folder / "承诺授权书名单_青山县.xlsx")}
    assert listed["H0073"]["签字人"] == "肖俊峰、刘玲" and listed["H0073"]["未成年人数"] == 2


def test_all_gives_every_household_of_the_village(run, example):
    result = run("form", "--kind", "check", "--village", "城关镇/东关村", "--all")
    assert result.exit_code == 0, result.output
    folder = example / OUT / "防止返贫动态监测核查表"
    (path,) = printed_docx(folder)
    n = db_rows(example, "SELECT count(*) FROM households WHERE village_code = '411599101202'")[0][
        0
    ]
    assert len(records_of(path)) == n == 40
    # without --all nobody in the village is due in the example data
    result = run("form", "--kind", "check", "--village", "城关镇/东关村", "--out", "none")
    assert result.exit_code == 0 and "0 户" in result.output
    assert "没有待入户核实的户" in result.output and not list((example / "none").glob("*.docx"))


# ------------------------------------------------------------------------------ 公益岗位协议
def test_job_agreements_for_the_posts_held_that_day(run, example):
    # two posts end on 2023-07-01 and 2023-07-02: on 07-02 the second is held, the first not
    result = run("form", "--kind", "job", "--county", "--as-of", "2023-07-02")
    assert result.exit_code == 0, result.output
    folder = example / OUT / "公益岗位协议"
    held = db_rows(
        example, "SELECT p.name, w.post_name FROM welfare_jobs w JOIN persons p ON p.id_number = w.id_number"
        " WHERE w.start_on <= '2023-07-02' AND (w.end_on IS NULL OR w.end_on >= '2023-07-02')",
    )  # fmt: skip
    printed = [(fields(r)["乙方（岗位人员）"], fields(r)["岗位名称"])
               for path in printed_docx(folder) for r in records_of(path)]  # fmt: skip
    assert sorted(printed) == sorted(held)
    ended = db_rows(example, "SELECT p.name FROM welfare_jobs w JOIN persons p ON p.id_number = w.id_number"
                             " WHERE w.end_on IN ('2023-07-01', '2023-07-02') ORDER BY w.end_on")  # fmt: skip
    names = [n for n, _ in printed]
    assert ended[0][0] not in names and ended[1][0] in names
    listed = list_rows(folder / "公益岗位协议名单_青山县.xlsx")
    assert sorted((r["姓名"], r["岗位名称"]) for r in listed) == sorted(held)


def test_the_agreement_prints_the_post_and_the_packs_term(run, example):
    pid, post, start, subsidy = "413021196908255643", "村级防疫消杀员", "2021-07-01", 500
    db_execute(
        example, "UPDATE welfare_jobs SET placements = NULL WHERE id_number = '413021196908255643'"
    )
    assert run("form", "--kind", "job", "--county").exit_code == 0
    folder = example / OUT / "公益岗位协议"
    name, sex, hid = db_rows(
        example, "SELECT name, sex, household_id FROM persons WHERE id_number = :p", p=pid
    )[0]
    record = next(r for path in printed_docx(folder) for r in records_of(path)
                  if fields(r)["乙方（岗位人员）"] == name)  # fmt: skip
    got = fields(record)
    assert (got["岗位名称"], got["开始日期"], got["岗位补贴"]) == (
        post,
        cn(start),
        f"{subsidy}元/月",
    )
    assert got["性别"] == sex and got["户编号"] == hid and got["身份证号"] == masked(pid)
    assert got["结束日期"] == got["甲方（设岗单位）"] == got["本次安置"] == "＿＿＿＿＿＿＿＿"
    assert got["工作地点"] == "＿＿＿＿＿＿＿＿"  # never in the data: written when signing
    note = next(p for p in record if isinstance(p, str) and p.startswith("乡村公益性岗位补贴期限"))
    assert "一般不超过3年，累计安置不超过2次" in note
    assert "本岗位自2021年7月1日起，补贴期限不晚于2024年7月1日届满" in note
    # a 设岗单位 column the sheet carried (kept aside at import) and the county's own term
    db_execute(example, "UPDATE welfare_jobs SET extra = '{\"设岗单位\": \"河口乡人民政府\"}' "
                        "WHERE id_number = '413021196908255643'")  # fmt: skip
    with open(example / "reportgen.toml", "a", encoding="utf-8") as f:
        f.write("[policy_overrides]\nemployment.welfare_job_max_years = 2\n")
    assert run("form", "--kind", "job", "--county", "--out", "again").exit_code == 0
    record = next(r for path in printed_docx(example / "again") for r in records_of(path)
                  if fields(r)["乙方（岗位人员）"] == name)  # fmt: skip
    assert fields(record)["甲方（设岗单位）"] == "河口乡人民政府"
    assert "一般不超过2年" in text_of(record) and "不晚于2023年7月1日届满" in text_of(record)
    listed = {r["姓名"]: r for r in list_rows(example / "again" / "公益岗位协议名单_青山县.xlsx")}
    assert "超过2年补贴期限" in listed[name]["备注"]


# ------------------------------------------------------------------------------ 延缓入学（休学）审批表
def deferral_records(folder) -> dict[str, list]:
    return {fields(r)["学生姓名"]: r for path in printed_docx(folder) for r in records_of(path)}


def test_deferral_forms_for_students_deferred_or_suspended(run, example):
    assert run("form", "--kind", "deferral", "--county").exit_code == 0
    folder = example / OUT / "延缓入学休学审批表"
    deferred = db_rows(
        example, "SELECT s.name, d.status, d.reason, s.grade, s.guardian_name, d.county_approved_on,"
        " d.disability_assessed_on, sc.name FROM dropout_cases d JOIN students s ON s.student_no = d.student_no"
        " JOIN schools sc ON sc.school_code = s.school_code WHERE d.status IN ('延缓入学', '休学')",
    )  # fmt: skip
    printed = deferral_records(folder)
    assert set(printed) == {r[0] for r in deferred} and len(printed) == 4
    for name, status, reason, grade, guardian, approved, assessed, school in deferred:
        got = fields(printed[name])
        assert got["就读学校"] == school and got["年级"] == grade and got["监护人"] == guardian
        assert got["辍学原因"] == reason
        assert f"☑{status}" in got["申请类别"]
        assert got["县级批准日期"] == (cn(approved) if approved else "＿＿＿＿＿＿＿＿")
        if assessed:
            assert got["县残联评估认定"] == cn(assessed)
    assert fields(printed["刘一诺"])["县残联评估认定"] == "—（不涉及）"
    # the 残联 opinion row only where the case rests on a disability
    assert "县级残疾人教育专家委员会评估意见：" in str(printed["肖晓雪"])
    assert "县级残疾人教育专家委员会评估意见：" not in str(printed["刘一诺"])
    # a case 劝返中 gets no form until its status is 休学
    assert "刘锦程" not in printed
    db_execute(example, "UPDATE dropout_cases SET status = '休学' WHERE student_no = '0620230010'")
    result = run("form", "--kind", "deferral", "--school", "石桥镇九年一贯制学校", "--out", "again")
    assert result.exit_code == 0, result.output
    assert "刘锦程" in deferral_records(example / "again")


# ------------------------------------------------------------------------------ all forms
def test_no_form_prints_a_full_id_number(run, due):
    for form in ("check", "consent", "job", "deferral"):
        assert run("form", "--kind", form, "--county").exit_code == 0
    docs = sorted((due / OUT).rglob("*.docx"))
    assert len(docs) > 4
    for path in docs:
        assert not FULL_ID.search(small_print(path)), path.name
        assert re.search(r"\d{3}\*{11}[\dX]{4}", small_print(path)), path.name  # masked instead


@pytest.mark.parametrize(
    "form, scope",
    [("check", ("--township", "城关镇", "--all")), ("consent", ("--township", "河口乡", "--all")),
     ("job", ("--county",)), ("deferral", ("--county",))],
)  # fmt: skip
def test_the_pool_writes_the_same_files(run, example, pools, form, scope):
    from test_parallel import files, manifest

    from reportgen.documents.catalog import load_kind
    from reportgen.documents.forms import KINDS

    one = run("form", "--kind", form, *scope, "--workers", "1", "--out", "one")
    two = run("form", "--kind", form, *scope, "--workers", "2", "--out", "two")
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    assert one.output.replace("/one/", "/two/") == two.output
    assert files(example / "one") == files(example / "two")
    assert manifest(example / "one") == manifest(example / "two")
    assert len(files(example / "two")) >= 3
    # a worker finds the kind by name through the catalog; a kind it cannot find renders here
    try:
        loadable = load_kind(KINDS[form].name) is KINDS[form]
    except KeyError:
        loadable = False
    assert pools == ([2] if loadable else [])


@pytest.mark.parametrize(
    "args, code, message",
    [(("--kind", "check"), 5, "请且只请给出一个范围"),
     (("--kind", "check", "--village", "不存在村"), 5, "不存在村"),
     (("--kind", "consent", "--county", "--household", "H0073"), 5, "请且只请给出一个范围"),
     (("--kind", "deferral", "--village", "城关镇/王庄村"), 3, "按学校选择"),
     (("--kind", "job", "--household", "H0073"), 3, "--household 不用于公益岗位协议"),
     (("--kind", "check", "--school", "城关镇第一小学"), 3, "--school 只用于延缓入学休学审批表"),
     (("--kind", "check", "--household", "H9999"), 5, "找不到户编号为 H9999 的户")],
)  # fmt: skip
def test_a_bad_scope_is_refused_in_chinese(run, example, args, code, message):
    result = run("form", *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert not (example / OUT).exists() or not list((example / OUT).rglob("*.docx"))


def test_the_templates_declare_their_variables():
    from reportgen.documents.forms import KINDS
    from reportgen.engine import check_template

    for kind in KINDS.values():
        assert check_template(kind.template) == [], kind.template


def test_the_demo_makes_every_form(example):
    from reportgen.config import load_settings
    from reportgen.documents.common import DocumentRun
    from reportgen.documents.forms import demo
    from reportgen.workspace import open_dataset

    settings = load_settings(example)
    dataset = open_dataset(settings)
    try:
        out = example / "demo"
        got = demo(DocumentRun(settings, dataset, out, "", {}, AS_OF))
    finally:
        dataset.dispose()
    folders = {o.file.split("/")[0] for o in got.outputs}
    assert folders == {"防止返贫动态监测核查表", "承诺授权书", "公益岗位协议", "延缓入学休学审批表"}
    assert all((out / o.file).is_file() for o in got.outputs)
    assert all((out / f / "manifest.json").is_file() for f in folders)
    assert got.notes and "没有待入户核实的户" in got.notes[0]  # the example's visits are all done
