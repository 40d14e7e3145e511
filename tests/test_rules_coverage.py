"""Issue 20's checks on fields the data already carry: each rule just inside and just outside its
boundary, through `reportgen check --json` on a small county written here."""

from __future__ import annotations

import json

from builders import HEAD_A, HEAD_B, HOUSEHOLDS, PERSONS, REGIONS, sqlite_only, write_xlsx


def findings(run, rule_id, as_of="2023-09-30"):
    result = run("check", "--as-of", as_of, "--json", "--rule", rule_id)
    assert result.exit_code == 0, result.output + result.stderr
    return {f["key"]: f for f in json.loads(result.stdout)}


def county(workspace, *, households=None, persons=None, **sheets):
    path = workspace / "county.xlsx"
    write_xlsx(
        path,
        {
            "行政区划": REGIONS,
            "户信息": households or HOUSEHOLDS,
            "人员信息": persons or PERSONS,
            **sheets,
        },
    )
    return path


def with_columns(rows, **columns):
    """Rows of a sheet with extra columns: column header -> one value per data row."""
    out = [rows[0] + list(columns)]
    for i, row in enumerate(rows[1:]):
        out.append(row + [values[i] for values in columns.values()])
    return out


# H001 脱贫户, H002 监测户 with 低保, H003 一般农户 (tests/builders.py)
@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_chronic_illness_without_a_family_doctor(run, workspace):
    persons = with_columns(
        PERSONS,
        健康状况=["长期慢性病", "长期慢性病", "患有大病", "长期慢性病", "健康", "长期慢性病"],
        家庭医生签约=["否", "是", "否", "", "", "否"],
    )
    assert run("import", str(county(workspace, persons=persons))).exit_code == 0
    found = findings(run, "H-DOCTOR")
    # H001 head: 慢性病, not signed → reported; wife signed → not; child 大病 → not (not 慢性病);
    # H002 head: 慢性病, blank → reported; H003 (一般农户) head: 慢性病, not signed → not checked
    assert set(found) == {HEAD_A, HEAD_B}
    assert found[HEAD_B]["detail"] == "监测户成员，长期慢性病，家庭医生签约：未填"
    assert found[HEAD_A]["title"] == "患长期慢性病的脱贫人口、监测对象未签约家庭医生"


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_priority_household_without_a_housing_grade(run, workspace):
    households = with_columns(HOUSEHOLDS, 住房安全等级=["A", "", ""])
    households[3][6] = "低保边缘"  # H003: 一般农户 with a 兜底类型 → a priority household too
    assert run("import", str(county(workspace, households=households))).exit_code == 0
    found = findings(run, "R-NO-GRADE")
    assert set(found) == {"H002", "H003"}  # H001 has grade A
    assert found["H003"]["detail"] == "兜底（低保边缘），住房安全等级未填（未鉴定）"
    households[3][6] = ""  # an ordinary household without a grade is not checked
    assert run("import", str(county(workspace, households=households))).exit_code == 0
    assert set(findings(run, "R-NO-GRADE")) == {"H002"}


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_relocated_household_without_work(run, workspace):
    households = with_columns(HOUSEHOLDS, 易地搬迁户=["是", "是", "是"])
    persons = with_columns(PERSONS, 务工月数=["", "", "", "", "", 3])
    jobs = [
        ["证件号码", "岗位名称", "开始日期", "结束日期", "月补贴"],
        [HEAD_B, "护林员", "2023-01-01", "", 500],
    ]
    path = county(workspace, households=households, persons=persons, 公益岗位=jobs)
    assert run("import", str(path)).exit_code == 0
    found = findings(run, "E-RELOCATED")
    # H001: two able members, no months, no post → reported; H002: its able head on a post;
    # H003: its head worked 3 months
    assert set(found) == {"H001"}
    assert found["H001"]["detail"] == "易地搬迁户，有劳动能力2人，均无务工月数，也不在公益岗位"
    # the post ended before the as-of date: H002 is reported too
    jobs[1][3] = "2023-09-29"
    assert (
        run(
            "import", str(county(workspace, households=households, persons=persons, 公益岗位=jobs))
        ).exit_code
        == 0
    )
    assert set(findings(run, "E-RELOCATED")) == {"H001", "H002"}


LOANS_HEADER = ["户编号", "贷款金额", "放款日期", "到期日期", "逾期"]


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_loan_limits_apply_to_a_households_total(run, workspace):
    loans = [
        LOANS_HEADER,
        ["H001", 60000, "2023-01-10", "2026-01-10", "否"],  # 6万 + 5万 = 11万: over both limits
        ["H001", 50000, "2023-03-10", "2026-03-10", "否"],
        ["H002", 50000, "2023-02-01", "2026-02-01", "否"],  # 5万 + 5万 = 10万: at the limit
        ["H002", 50000, "2023-04-01", "2026-04-01", "否"],
        ["H003", 40000, "2020-05-01", "2023-05-01", "否"],  # repaid (due before the as-of date)
        ["H003", 50001, "2023-06-01", "2026-06-01", "否"],  # one loan 1 yuan over the subsidy line
    ]
    assert run("import", str(county(workspace, 小额信贷=loans))).exit_code == 0
    over = findings(run, "C-OVER-MAX")
    assert set(over) == {"H001"}
    assert over["H001"]["detail"] == (
        "2023年1月10日放款60,000元、2023年3月10日放款50,000元，未还合计110,000元，超过100,000元"
    )
    subsidy = findings(run, "C-NO-SUBSIDY")
    assert set(subsidy) == {"H001", "H002", "H003"}
    # H003's 2020 loan is repaid: one outstanding loan, worded without a total
    assert subsidy["H003"]["detail"] == "2023年6月1日放款50,001元，其中1元不予贴息"


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_overdue_loans_are_listed(run, workspace):
    loans = [
        LOANS_HEADER,
        ["H001", 30000, "2021-01-10", "2024-01-10", "是"],
        ["H002", 30000, "2021-01-10", "2024-01-10", "否"],
        ["H003", 30000, "2023-10-10", "2026-10-10", "是"],  # lent after the as-of date
    ]
    assert run("import", str(county(workspace, 小额信贷=loans))).exit_code == 0
    found = findings(run, "C-OVERDUE")
    assert set(found) == {"H001"}
    assert found["H001"]["detail"] == "2021年1月10日放款30,000元，到期日2024年1月10日，已逾期"


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_overdue_projects(run, workspace):
    header = [
        "项目编号",
        "项目名称",
        "项目类型",
        "实施地点",
        "建设内容及规模",
        "实施单位",
        "计划完工日期",
        "项目状态",
    ]
    projects = [
        header,
        [
            "P1",
            "王庄村道路",
            "乡村建设",
            "411599101201",
            "道路1公里",
            "城关镇",
            "2023-09-29",
            "实施中",
        ],
        [
            "P2",
            "王庄村路灯",
            "乡村建设",
            "411599101201",
            "路灯20盏",
            "城关镇",
            "2023-09-30",
            "实施中",
        ],
        [
            "P3",
            "李湾村水渠",
            "乡村建设",
            "411599102202",
            "水渠2公里",
            "河口乡",
            "2023-06-30",
            "已完工",
        ],
        [
            "P4",
            "李湾村大棚",
            "产业发展",
            "411599102202",
            "大棚10座",
            "河口乡",
            "2023-08-31",
            "计划",
        ],
    ]
    assert run("import", str(county(workspace, 项目=projects))).exit_code == 0
    found = findings(run, "P-OVERDUE")
    # P2's planned end is the as-of date itself: not late yet; P3 is done
    assert set(found) == {"P1", "P4"}
    assert (
        found["P1"]["detail"] == "计划完工2023年9月29日，截至2023年9月30日仍为“实施中”，已超期1天"
    )


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_the_new_rules_are_in_the_rule_list_and_the_pack(run, workspace):
    listed = run("rules", "list").output
    for rule_id in ("H-DOCTOR", "R-NO-GRADE", "E-RELOCATED", "C-OVERDUE", "P-OVERDUE"):
        assert rule_id in listed
    assert "一户小额信贷未还合计超过10万元" in listed


PROCEDURE_HEADER = ["户编号", "程序类型", "风险发现日期", "县级审批日期", "公告日期"]


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_approved_procedures_without_a_result_announcement(run, workspace):
    procedures = [
        PROCEDURE_HEADER,
        ["H002", "识别纳入", "2023-08-01", "2023-09-19", ""],  # 11 days by 9月30日: reported
        ["H001", "风险消除", "2023-08-01", "2023-09-20", ""],  # 10 days: not yet
        ["H003", "识别纳入", "2023-07-01", "2023-08-01", "2023-08-11"],  # announced after 10 days
        ["H003", "风险消除", "2023-07-01", "2023-08-01", "2023-08-12"],  # after 11: reported
        [
            "H003",
            "整户无劳动能力认定",
            "2023-07-01",
            "2023-08-01",
            "",
        ],  # not a kind that is announced
    ]
    assert run("import", str(county(workspace, 监测帮扶=procedures))).exit_code == 0
    found = findings(run, "M-NO-ANNOUNCE")
    assert set(found) == {"H002", "H003"}
    assert found["H002"]["detail"] == (
        "识别纳入县级审批2023年9月19日，截至2023年9月30日已11天无结果公告（不超过10天）"
    )
    assert found["H003"]["detail"] == (
        "风险消除县级审批2023年8月1日，2023年8月12日才结果公告，用了11天（不超过10天）"
    )
    assert found["H002"]["title"] == "县级审批后超过10天无结果公告"


def _needs_county(workspace, *, eliminated: str = ""):
    """H003 (一般农户, not monitored) with a C house not renovated and an uninsured head; H001
    (脱贫户) with water below 40 L; H002 monitored (not screened) with the same water."""
    households = with_columns(
        HOUSEHOLDS,
        风险是否消除=["", eliminated, ""],
        住房安全等级=["A", "A", "C"],
        危房改造状态=["", "", "未改造"],
        人均日用水量=[39, 39, 60],
    )
    return county(workspace, households=households)


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_unmonitored_households_with_unassured_needs_are_listed_for_screening(run, workspace):
    assert run("import", str(_needs_county(workspace))).exit_code == 0
    found = findings(run, "M-SCREEN")
    assert set(found) == {"H001", "H003"}  # H002 is monitored
    assert (
        found["H003"]["detail"]
        == "一般农户，未纳入监测：住房安全等级C，未改造；王小川未参加基本医保"
    )
    assert found["H001"]["detail"] == "脱贫户，未纳入监测：人均日用水量39升，低于40升"
    assert findings(run, "M-ELIM-UNSAFE") == {}


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_risk_eliminated_while_needs_are_unassured(run, workspace):
    assert run("import", str(_needs_county(workspace, eliminated="是"))).exit_code == 0
    found = findings(run, "M-ELIM-UNSAFE")
    assert set(found) == {"H002"}
    assert found["H002"]["detail"] == "已标注风险消除，但人均日用水量39升，低于40升"
    # an eliminated household is not screened as never monitored
    assert "H002" not in findings(run, "M-SCREEN")


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_an_open_dropout_is_an_unassured_need(run, workspace):
    from builders import full_county

    full_county(workspace / "in")  # G001 (张小明, H001) 劝返中 since 2023-09-04
    assert run("import", str(workspace / "in")).exit_code == 0
    found = findings(run, "M-SCREEN")
    assert "张小明辍学未复学" in found["H001"]["detail"]


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_school_age_members_with_no_school_record(run, workspace):
    from builders import CHILD_A, CHILD_B, SCHOOLS, STUDENTS, make_id

    six = make_id("20170930", 7)  # 6 on 2023-09-30: just inside
    young = make_id("20171001", 8)  # 5 on 2023-09-30: just outside
    sixteen = make_id("20070930", 9, female=True)  # 16: just outside
    fifteen = make_id("20071001", 10)  # 15 (16 tomorrow): just inside
    persons = [
        *PERSONS,
        [six, "H001", "张六岁", "孙", "", "无劳动力", "是"],
        [young, "H001", "张五岁", "孙", "", "无劳动力", "是"],
        [sixteen, "H002", "李十六", "女", "", "普通劳动力", "是"],
        [fifteen, "H002", "李十五", "子", "", "无劳动力", "是"],
        [
            make_id("20120101", 11),
            "H003",
            "王小一",
            "子",
            "",
            "无劳动力",
            "是",
        ],  # 一般农户: not checked
    ]
    students = [s[:] for s in STUDENTS]  # CHILD_A (13) and CHILD_B (16) have school records
    path = county(workspace, persons=persons)
    write_xlsx(workspace / "学校.xlsx", {"学校": SCHOOLS, "学生": students})
    assert run("import", str(path), str(workspace / "学校.xlsx")).exit_code == 0
    found = findings(run, "D-NOT-FOUND")
    assert set(found) == {six, fifteen}
    assert found[six]["detail"] == "6周岁，脱贫户成员，没有学籍记录，也没有辍学登记"
    assert CHILD_A not in found and CHILD_B not in found


def test_the_school_status_of_a_person_decides_a_suspected_dropout(run, workspace):
    """人员信息 在校生状况: a grade says at school (e.g. in another county), not suspected; 辍学 or
    非在校生 is listed with what the record says; blank stays a suspicion."""
    from builders import make_id

    kids = {s: make_id("20120101", n) for n, s in enumerate(("七年级", "辍学", "非在校生", ""), start=20)}
    persons = [PERSONS[0] + ["在校生状况"]] + [row + [""] for row in PERSONS[1:]] + [
        [number, "H001", f"张{n}", "孙", "", "无劳动力", "是", status]
        for n, (status, number) in enumerate(kids.items())
    ]  # fmt: skip
    assert run("import", str(county(workspace, persons=persons))).exit_code == 0
    found = findings(run, "D-NOT-FOUND")
    assert kids["七年级"] not in found
    assert found[kids["辍学"]]["detail"] == "11周岁，脱贫户成员，没有学籍记录，也没有辍学登记，在校生状况为“辍学”"
    assert found[kids["非在校生"]]["detail"].endswith("在校生状况为“非在校生”")
    assert found[kids[""]]["detail"] == "11周岁，脱贫户成员，没有学籍记录，也没有辍学登记"


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_the_two_groups_income_fell_and_low_income(run, workspace):
    """两类群体 of 脱贫人口: income below last year's (1 yuan less reported, equal not) and below the
    pack's 收入较低 line (10,000: 9,999 reported, 10,000 not); other households are not 脱贫人口."""
    households = with_columns(
        HOUSEHOLDS,
        上年家庭年人均纯收入=[10000, 9000, 10000],
        人均工资性收入=[6000, "", ""],
        人均生产经营性收入=[2000, "", ""],
    )
    households[1][7] = 9999  # H001 脱贫户
    households[2][7] = 8000  # H002 监测户: a drop, but not a 脱贫户
    households[3][4], households[3][7] = "脱贫户", 10000  # H003 脱贫户 at both lines
    assert run("import", str(county(workspace, households=households))).exit_code == 0
    fell = findings(run, "I-DROP")
    assert set(fell) == {"H001"}
    assert fell["H001"]["detail"] == (
        "家庭年人均纯收入9,999元，上年10,000元，同比下降1元（0.0%）；"
        "其中工资性收入6,000元（占60%）、生产经营性收入2,000元（占20%）"
    )
    low = findings(run, "I-LOW")
    assert set(low) == {"H001"}
    assert low["H001"]["title"] == "收入较低的脱贫人口（年人均纯收入低于10,000元）"
    (workspace / "reportgen.toml").write_text(
        "[policy_overrides]\nincome_focus.low_income_line = 10001\n", encoding="utf-8"
    )
    assert set(findings(run, "I-LOW")) == {"H001", "H003"}


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_households_without_labour_and_the_no_labour_flag(run, workspace):
    households = with_columns(HOUSEHOLDS, 整户无劳动能力兜底保障户=["是", "", ""])
    persons = [p[:] for p in PERSONS]
    persons[-1][5] = "丧失劳动力"  # H003: its only member without labour, no 兜底
    assert (
        run("import", str(county(workspace, households=households, persons=persons))).exit_code == 0
    )
    assert set(findings(run, "B-NO-LABOUR")) == {"H003"}  # H002 has 低保; H001 has able members
    flag = findings(run, "B-FLAG")
    assert set(flag) == {"H001"}
    assert flag["H001"]["detail"] == "标注整户无劳动能力，但张大山、刘秀英有劳动能力"


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_income_below_the_dibao_standard_without_baodi(run, workspace):
    households = [h[:] for h in HOUSEHOLDS]
    households[1][7] = 5279  # H001: 1 yuan below 440 × 12 = 5,280
    households[3][7] = 5280  # H003: exactly the standard
    households[2][7] = 3000  # H002 has 低保
    assert run("import", str(county(workspace, households=households))).exit_code == 0
    found = findings(run, "B-LOW-INCOME")
    assert set(found) == {"H001"}
    assert found["H001"]["detail"] == "家庭年人均纯收入5,279元，低于低保标准全年5,280元，无兜底类型"


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_aid_paid_below_the_standard_or_for_the_wrong_item(run, workspace):
    from builders import SCHOOLS, STUDENTS

    # G001: 初中, boarding, hardship → 寄宿生生活补助 1,250 元/年, 625 a term
    # G002: 普通高中, not hardship, 低保 → 免学费 (fee 1,600), no 国家助学金
    payments = [
        ["学籍号", "资助项目", "金额", "学期", "发放日期"],
        ["G001", "寄宿生生活补助", 625, "2023年秋季学期", "2023-09-20"],
        ["G002", "国家助学金", 1000, "2023年秋季学期", "2023-09-20"],
        ["G002", "免学费", 800, "2023年秋季学期", "2023-09-20"],
    ]
    path = county(workspace, 学校=SCHOOLS, 学生=STUDENTS, 资助发放=payments)
    assert run("import", str(path)).exit_code == 0
    found = findings(run, "A-SHORT")
    assert set(found) == {"G002"}  # G001's 625 is exactly the term's share
    assert found["G002"]["detail"] == "2023年秋季学期发放国家助学金1,000元，不在可享受的资助项目内"
    payments[1] = ["G001", "寄宿生生活补助", 624, "2023年秋季学期", "2023-09-20"]
    payments[3] = ["G002", "免学费", 799, "2023年秋季学期", "2023-09-20"]
    assert (
        run(
            "import", str(county(workspace, 学校=SCHOOLS, 学生=STUDENTS, 资助发放=payments))
        ).exit_code
        == 0
    )
    found = findings(run, "A-SHORT")
    assert found["G001"]["detail"] == "2023年秋季学期寄宿生生活补助发放624.00元，低于每学期625.00元"
    assert found["G002"]["detail"] == (
        "2023年秋季学期免学费发放799.00元，低于每学期800.00元；"
        "2023年秋季学期发放国家助学金1,000元，不在可享受的资助项目内"
    )


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_welfare_post_subsidy_below_half_the_minimum_wage(run, workspace):
    from builders import WIFE_A

    jobs = [
        ["证件号码", "岗位名称", "开始日期", "结束日期", "月补贴"],
        [HEAD_A, "保洁员", "2023-01-01", "", 800],  # exactly 50% of 1,600: not reported
        [HEAD_B, "护林员", "2023-01-01", "", 799],  # 1 yuan below
        [WIFE_A, "护路员", "2022-01-01", "2023-06-30", 500],  # ended before the as-of date
    ]
    assert run("import", str(county(workspace, 公益岗位=jobs))).exit_code == 0
    found = findings(run, "J-SUBSIDY")
    assert set(found) == {HEAD_B}
    assert (
        found[HEAD_B]["detail"] == "“护林员”月补贴799元，低于当地最低工资标准1,600元的50%（800元）"
    )
    # a county in a higher wage class sets its own standard: 800 is then below 50% of 2,000
    (workspace / "reportgen.toml").write_text(
        "[policy_overrides]\nemployment.local_minimum_wage_monthly = 2000\n", encoding="utf-8"
    )
    found = findings(run, "J-SUBSIDY")
    assert set(found) == {HEAD_A, HEAD_B}
    assert found[HEAD_A]["title"] == "公益岗位补贴低于当地最低工资标准的50%"


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_severe_members_of_an_edge_household(run, workspace):
    from builders import CHILD_B, WIFE_A

    households = [h[:] for h in HOUSEHOLDS]
    households[2][6] = "低保边缘"  # H002: its head 二级 disabled, its daughter 三级 肢体 (not 重残)
    households[1][6] = ""  # H001 is not 低保边缘: its 大病 member is not listed
    persons = with_columns(
        PERSONS,
        健康状况=["健康", "患有大病", "健康", "健康", "健康", "健康"],
        残疾等级=["", "", "", "二级", "三级", ""],
        残疾类别=["", "", "", "肢体", "肢体", ""],
    )
    assert (
        run("import", str(county(workspace, households=households, persons=persons))).exit_code == 0
    )
    found = findings(run, "B-EDGE-SINGLE")
    assert set(found) == {HEAD_B}
    assert found[HEAD_B]["detail"] == "低保边缘家庭成员，二级肢体残疾，可申请参照单人户纳入低保"
    # a 三级 intellectual disability is 重残 too
    persons[5][-1] = "智力"
    assert (
        run("import", str(county(workspace, households=households, persons=persons))).exit_code == 0
    )
    assert set(findings(run, "B-EDGE-SINGLE")) == {HEAD_B, CHILD_B}
    assert WIFE_A not in findings(run, "B-EDGE-SINGLE")


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_severe_disabilities_without_baodi_and_disabilities_without_a_grade(run, workspace):
    """B-SEVERE-DISABLED: 二级智力 in a 脱贫户 without 特困/低保 listed, 三级 not, and not when the
    household has 低保; B-NO-DISABILITY-GRADE: 残疾 without a grade listed, with a grade not."""
    from builders import make_id

    two, three, graded, ungraded = (make_id("19900101", n) for n in (41, 42, 43, 44))
    persons = [PERSONS[0] + ["健康状况", "残疾等级", "残疾类别"]] + [row + ["", "", ""] for row in PERSONS[1:]] + [
        [two, "H001", "张二级", "子", "", "无劳动力", "是", "残疾", "二级", "智力"],
        [three, "H001", "张三级", "女", "", "无劳动力", "是", "残疾", "三级", "精神"],
        [graded, "H002", "李二级", "子", "", "无劳动力", "是", "残疾", "二级", "精神"],  # H002 has 低保
        [ungraded, "H001", "张未评", "子", "", "弱劳动力或半劳动力", "是", "残疾", "", ""],
    ]  # fmt: skip
    assert run("import", str(county(workspace, persons=persons))).exit_code == 0
    severe = findings(run, "B-SEVERE-DISABLED")
    assert set(severe) == {two}
    assert severe[two]["detail"] == "脱贫户成员，二级智力残疾，无兜底类型"
    ungraded_found = findings(run, "B-NO-DISABILITY-GRADE")
    assert set(ungraded_found) == {ungraded}
    assert ungraded_found[ungraded]["detail"] == "脱贫户成员，健康状况为残疾，残疾等级未填"


PROJECT_FUNDS_HEADER = ["项目编号", "项目名称", "项目类型", "实施地点", "建设内容及规模", "实施单位", "计划开工日期",
                        "计划完工日期", "项目状态", "中央衔接资金", "县级衔接资金", "已拨付资金", "已支付资金"]  # fmt: skip


def _project(no, start, end, status, central, county_funds, allocated, paid):
    return [no, f"{no}项目", "乡村建设", "411599101201", "建设", "城关镇", start, end, status, central,
            county_funds, allocated, paid]  # fmt: skip


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_project_funds_behind_schedule(run, workspace):
    """P-UNPAID: a project done or past its planned end with 已拨付/已支付 below the total (or not
    filled); paid in full, still running, or not yet due is not listed."""
    projects = [
        PROJECT_FUNDS_HEADER,
        _project("P1", "2023-03-01", "2023-08-31", "已验收", 10, 2, 12, 11.9999),  # paid 0.0001 short
        _project("P2", "2023-03-01", "2023-08-31", "已验收", 10, 2, 12, 12),  # paid in full
        _project("P3", "2023-03-01", "2023-09-29", "实施中", 10, 0, 5, ""),  # past due, paid not filled
        _project("P4", "2023-03-01", "2023-09-30", "实施中", 10, 0, 5, 1),  # due on the day: not late
    ]
    assert run("import", str(county(workspace, 项目=projects))).exit_code == 0
    found = findings(run, "P-UNPAID")
    assert set(found) == {"P1", "P3"}
    assert found["P1"]["detail"] == "“已验收”，资金合计12万元，已支付11.9999万元（100%）"
    assert found["P3"]["detail"] == "计划完工2023年9月29日已过，资金合计10万元，已拨付5万元（50%），已支付资金未填"


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_link_funds_below_last_year(run, workspace):
    """P-FUNDS-DOWN: this year's 各级衔接资金 (by 计划开工日期) below last year's is listed; equal is
    not; without last year's projects nothing is judged. 统筹整合 and other funds do not count."""
    last = _project("P0", "2022-04-01", "2022-10-31", "已验收", 10, 2, 12, 12)
    this = _project("P1", "2023-04-01", "2023-10-31", "实施中", 10, 1.9999, 5, 5)
    assert run("import", str(county(workspace, 项目=[PROJECT_FUNDS_HEADER, this]))).exit_code == 0
    assert findings(run, "P-FUNDS-DOWN") == {}  # no project of 2022 in the data: not judged
    assert run("import", str(county(workspace, 项目=[PROJECT_FUNDS_HEADER, last, this]))).exit_code == 0
    found = findings(run, "P-FUNDS-DOWN")
    assert found["county"]["detail"] == "2023年开工项目各级衔接资金11.9999万元，2022年12万元，减少0.0001万元"
    equal = _project("P1", "2023-04-01", "2023-10-31", "实施中", 10, 2, 5, 5)
    assert run("import", str(county(workspace, 项目=[PROJECT_FUNDS_HEADER, last, equal]))).exit_code == 0
    assert findings(run, "P-FUNDS-DOWN") == {}


ASSET_HEADER = ["项目编号", "资产名称", "资产类型", "原值", "确权对象", "确权日期", "移交日期", "处置日期", "处置方式"]


@sqlite_only  # the rules read rows; both backends run them in test_rules.py
def test_assets_of_built_projects_not_secured(run, workspace):
    """P-ASSET: a built project's 经营性资产 without 确权 and an asset not handed over (a 移交日期
    the day after the as-of date is not yet) are listed; 确权 and 移交 on the day, an unbuilt
    project, and a disposal with its 处置方式 are not."""
    projects = [
        PROJECT_FUNDS_HEADER,
        _project("P1", "2023-03-01", "2023-08-31", "已验收", 10, 2, 12, 12),
        _project("P2", "2023-03-01", "2023-12-31", "实施中", 10, 0, 5, 1),
        _project("P3", "2023-03-01", "2023-08-31", "已完工", 10, 0, 10, 10),
    ]
    assets = [
        ASSET_HEADER,
        ["P1", "养殖场", "经营性资产", 10, "", "", "2023-09-30", "", ""],  # not registered
        ["P1", "道路", "公益性资产", 2, "", "", "2023-10-01", "", ""],  # handed over tomorrow
        ["P2", "厂房", "经营性资产", 5, "", "", "", "", ""],  # project not built: not judged
        ["P3", "光伏", "经营性资产", 10, "村集体", "2023-09-30", "2023-09-30", "", ""],  # in order
        ["P3", "旧设备", "经营性资产", 1, "", "", "", "2023-09-01", "拍卖"],  # disposed properly
    ]
    assert run("import", str(county(workspace, 项目=projects, 项目资产=assets))).exit_code == 0
    found = findings(run, "P-ASSET")
    assert set(found) == {"P1"}
    assert found["P1"]["detail"] == "“已验收”项目的资产：养殖场（经营性资产）未确权；道路（公益性资产）未移交"
