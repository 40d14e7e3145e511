"""Boundary cases of student aid and of 控辍保学: the students built for them, the dropouts, their table."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from .model import D, Dropout, Student, plus
from .schools import eligible_items, enrol

if TYPE_CHECKING:
    from .county import AddCase, Example

TEACHERS = ("王老师", "李老师", "张老师", "刘老师", "陈老师", "杨老师", "赵老师")


# -------------------------------------------------------------------------------- students
def plant_students(ex: Example) -> None:
    """Students built for boundary cases (aid) — chosen from the generated ones and adjusted."""
    rng = ex.rng

    def pick(label, predicate) -> Student:
        pool = [s for s in ex.students if not s.special and predicate(s)]
        st = pool[rng.randrange(len(pool))]
        st.special = label
        ex.special_students[label] = st
        if st.household is not None:
            ex.claimed.add(id(st.household))
        return st

    def linked_bg(s):
        return (
            s.household is not None
            and not s.household.special
            and id(s.household) not in ex.claimed
        )

    # 应享未享: 脱贫户 child at a school outside the national plan, 认定困难, nothing paid.
    pick("A1", lambda s: linked_bg(s) and s.stage == "初中" and s.school.name == "城关镇第一初级中学"
         and s.household.category == "脱贫户" and not s.entry_grade)  # fmt: skip
    pick("A2", lambda s: linked_bg(s) and s.stage == "初中" and s.school.name == "城关镇第一初级中学"
         and s.household.category == "脱贫户" and not s.entry_grade)  # fmt: skip
    # 低保 students (脱贫/监测 households made 低保) in 普通高中: one not 认定 家庭经济困难 (review list), one 认定.
    for label in ("A3", "A4"):
        st = pick(label, lambda s: linked_bg(s) and s.stage == "普通高中" and s.household.poor
                  and not s.household.risk_eliminated and not s.household.no_labor)  # fmt: skip
        st.household.baodi = "低保"
        st.own["低保"] = True if label == "A4" else None
        st.boarding = True
    # An orphan (no household in the data) not 认定 困难.
    st = pick("A5", lambda s: s.household is None and s.stage == "小学" and not s.own)
    st.own["孤儿"] = True
    # Dropout students (linked where possible; disabled ones made disabled here).
    # Cases found before September are in the grade they were in then plus one: never an entry grade.
    for label, stage in (("D01", "初中"), ("D02", "初中"), ("D03", "初中"), ("D04", "初中"), ("D05", "初中"),
                         ("D06", "小学"), ("D07", "初中"), ("D08", "初中"), ("D11", "初中"), ("D12", "小学"),
                         ("D13", "初中"), ("D15", "初中")):  # fmt: skip
        spring = label not in ("D01", "D05", "D13")
        pick(
            label,
            lambda s, stage=stage, spring=spring: (
                linked_bg(s)
                and s.stage == stage
                and not (spring and s.entry_grade)
                and (stage != "小学" or s.grade in ("四年级", "五年级", "六年级"))
            ),
        )
    for label in ("D09", "D10"):  # deferred entry to grade 1
        pick(label, lambda s: linked_bg(s) and s.stage == "小学" and s.grade == "一年级")
    # Over-age leaver: a 16-year-old still in 九年级 (repeated a year); from outside the data.
    birth = D(2007, 3, 18)
    id_number = ex.ids.new(2, birth, "男")
    st = enrol(
        ex,
        ex.school["城关镇第一初级中学"],
        "初中",
        "九年级",
        ex.name("男", birth),
        id_number,
        birth,
    )
    st.guardian = (ex.name("男", D(1980, 1, 1), st.name[0]), ex.mobile())
    st.special = "D14"
    ex.special_students["D14"] = st
    for label in ("D09", "D10", "D11", "D12", "D13"):
        st = ex.special_students[label]
        p = st.person
        p.health = "残疾"
        p.disability_grade = "二级" if label != "D11" else "一级"
        p.disability_type = {
            "D09": "智力残疾",
            "D10": "肢体残疾",
            "D11": "多重残疾",
            "D12": "智力残疾",
            "D13": "肢体残疾",
        }[label]
        p.labor = "无劳动力"
        st.own["残疾"] = True
        st.boarding = False


# -------------------------------------------------------------------------------- dropouts
def add_dropouts(ex: Example) -> None:
    rng = ex.rng
    S = ex.special_students

    def staff(st: Student) -> list[str]:
        teacher = st.school.name + "班主任" + rng.choice(TEACHERS)
        village = st.household.village.name if st.household else "户籍所在村"
        return [
            f"{teacher}、{village}村委会主任",
            f"{teacher}、包村干部",
            f"{st.school.name}校长、{village}驻村第一书记",
            "县联合劝返工作组（教育局、司法局、乡镇政府）",
            "县联合劝返工作组（教育局、公安局、乡镇政府）",
        ]

    def case(
        label,
        found,
        reason,
        status,
        attempts,
        returned_last=False,
        reported=None,
        approved=None,
        assessed=None,
    ):
        st = S[label]
        who = staff(st)
        d = Dropout(st, found, reason, status, reported, approved, assessed, label=label)
        for i, when in enumerate(attempts):
            last = i == len(attempts) - 1
            method = (
                "联合劝返"
                if "工作组" in who[min(i, 4)]
                else rng.choice(("入户劝返", "入户劝返", "电话劝返"))
            )
            result = "已返校" if (last and returned_last) else "未返校"
            d.persuasions.append((when, who[min(i, 4)], method, result))
        ex.dropouts.append(d)
        return d

    case("D01", D(2023, 9, 4), "厌学", "劝返中", [D(2023, 9, 6), D(2023, 9, 15)])
    case(
        "D02",
        D(2023, 5, 8),
        "外出务工",
        "劝返中",
        [D(2023, 5, 10), D(2023, 5, 20), D(2023, 6, 2)],
        reported=D(2023, 6, 5),
    )
    case("D03", D(2023, 4, 10), "厌学", "劝返中", [D(2023, 4, 12), D(2023, 4, 24), D(2023, 5, 9)])
    case(
        "D04",
        D(2023, 3, 13),
        "家庭原因",
        "劝返中",
        [D(2023, 3, 15), D(2023, 3, 29), D(2023, 4, 12), D(2023, 5, 10), D(2023, 6, 14)],
        reported=D(2023, 4, 14),
    )
    case("D05", D(2023, 9, 11), "厌学", "已复学", [D(2023, 9, 12)], returned_last=True)
    case(
        "D06",
        D(2023, 3, 20),
        "家庭原因",
        "已复学",
        [D(2023, 3, 21), D(2023, 3, 28)],
        returned_last=True,
    )
    case(
        "D07",
        D(2023, 2, 27),
        "厌学，本人拒不返校",
        "休学",
        [D(2023, 3, 1), D(2023, 3, 15), D(2023, 4, 3)],
        reported=D(2023, 4, 6),
        approved=D(2023, 5, 10),
    )
    case(
        "D08",
        D(2023, 3, 6),
        "厌学，本人拒不返校",
        "休学",
        [D(2023, 3, 8), D(2023, 3, 22), D(2023, 4, 7)],
        reported=D(2023, 4, 10),
    )
    case(
        "D09",
        D(2023, 8, 28),
        "身体原因（智力残疾二级）",
        "延缓入学",
        [D(2023, 8, 29), D(2023, 9, 5), D(2023, 9, 12)],
        reported=D(2023, 9, 13),
        approved=D(2023, 9, 26),
        assessed=D(2023, 9, 20),
    )
    case(
        "D10",
        D(2023, 8, 28),
        "身体原因（肢体残疾二级）",
        "延缓入学",
        [D(2023, 8, 29), D(2023, 9, 5), D(2023, 9, 12)],
        reported=D(2023, 9, 13),
        approved=D(2023, 9, 26),
    )
    for label, found in (
        ("D11", D(2023, 2, 20)),
        ("D12", D(2023, 5, 15)),
        ("D13", D(2023, 8, 28)),
    ):
        kind = S[label].person.disability_type
        attempts = [plus(found, 2), plus(found, 9), plus(found, 16)]
        d = case(
            label,
            found,
            f"身体原因（{kind}），不能到校就读",
            "送教上门",
            attempts,
            reported=plus(found, 18),
            assessed=plus(found, 25),
        )
        teacher = S[label].school.name + rng.choice(TEACHERS)
        d.teacher = teacher
    case(
        "D14",
        D(2023, 3, 6),
        "超过16周岁，本人不愿继续就读",
        "超龄离校",
        [D(2023, 3, 8), D(2023, 3, 20), D(2023, 4, 6)],
        reported=D(2023, 4, 10),
        approved=D(2023, 6, 20),
    )
    case(
        "D15",
        D(2023, 2, 20),
        "随父母外出务工",
        "已销号",
        [D(2023, 2, 22), D(2023, 3, 6), D(2023, 3, 20)],
        reported=D(2023, 3, 22),
    )
    visits = ex.dropouts_by_label()
    content = (
        "生活自理能力训练",
        "语文：识字与朗读",
        "数学：数的认识",
        "康复训练与体育游戏",
        "绘画与手工",
    )

    def visit(label, when, hours):
        d = visits[label]
        d.visits.append((when, d.teacher, hours, rng.choice(content)))

    for month in range(3, 10):  # D11: every month March–September, 2 visits × 3 课时
        visit("D11", D(2023, month, 8), 3.0)
        visit("D11", D(2023, month, 22), 3.0)
    for month in (6, 7, 8):  # D12: June–August to standard, September 2 visits × 2 课时
        visit("D12", D(2023, month, 9), 3.0)
        visit("D12", D(2023, month, 23), 3.0)
    visit("D12", D(2023, 9, 8), 2.0)
    visit("D12", D(2023, 9, 22), 2.0)
    visit("D13", D(2023, 9, 15), 3.0)  # D13: first visit in September, only one that month


# ----------------------------------------------------------------------------------- table
def aid_cases(ex: Example, add: AddCase) -> None:
    """应享未享 and special groups not recognised as 家庭经济困难."""
    S = ex.special_students
    paid = defaultdict(list)
    for number, item, amount, term, _ in ex.payments:
        paid[number].append((term, item, amount))

    def key(st: Student) -> str:
        link = f"，户 {st.household.hid}" if st.household else "，无关联户"
        return f"学籍号 {st.number}（{st.name}，{st.school.name}{st.grade}{link}）"

    for label in ("A1", "A2"):
        st = S[label]
        items = "、".join(f"{n} {a:g}元/年" for n, a in eligible_items(st))
        got = paid[st.number]
        shown = (
            "；".join(f"{t}{i} {a:g}元" for t, i, a in got) or "2023年春季、秋季学期均无发放记录"
        )
        add(
            "应享未享（符合条件但本学年未发放）",
            key(st),
            f"{st.household.category}、认定困难、{'寄宿' if st.boarding else '非寄宿'}；应享 {items}；{shown}",
            not got,
            label,
        )
    for label in ("A3", "A4", "A5"):
        st = S[label]
        groups = "、".join(
            f
            for f in ("原建档立卡", "监测户", "低保", "特困", "孤儿", "事实无人抚养", "残疾")
            if st.flag(f)
        )
        add(
            "特殊困难群体学生未认定家庭经济困难",
            key(st),
            f"{groups}；家庭经济困难 = {'是' if st.hardship else '否'}",
            not st.hardship,
            label,
        )


def dropout_cases(ex: Example, add: AddCase) -> None:
    """Persuasion, reporting, approval, assessment and home teaching of the dropouts."""
    D_ = ex.dropouts_by_label()

    def key(d: Dropout) -> str:
        st = d.student
        return f"学籍号 {st.number}（{st.name}，{st.school.name}{st.grade}）"

    def attempts(d: Dropout) -> str:
        return (
            f"劝返 {len(d.persuasions)} 次（"
            + "、".join(f"{p[0]:%m-%d}{p[3]}" for p in d.persuasions)
            + "）"
        )

    def rep(d: Dropout) -> str:
        return f"报县 {d.reported}" if d.reported else "报县日期空"

    for label, finding in (("D01", True), ("D02", False), ("D04", False)):
        d = D_[label]
        add(
            "劝返不足3次仍未复学",
            key(d),
            f"{d.status}，{attempts(d)}，{rep(d)}",
            finding,
            label,
        )
    for label, finding in (("D03", True), ("D02", False)):
        d = D_[label]
        add(
            "劝返3次以上未复学且未报县联合劝返工作组",
            key(d),
            f"{d.status}，{attempts(d)}，{rep(d)}",
            finding,
            label,
        )
    for label in ("D05", "D06"):
        d = D_[label]
        add("已复学（不应报任何控辍问题）", key(d), f"{d.status}，{attempts(d)}", False, label)
    for label, finding in (("D07", False), ("D08", True), ("D09", False)):
        d = D_[label]
        add(
            "延缓入学/休学未经县级批准",
            key(d),
            f"{d.status}（{d.reason}），{rep(d)}，县级批准 {d.approved or '空'}",
            finding,
            label,
        )
    for label, finding in (("D09", False), ("D10", True)):
        d = D_[label]
        add(
            "因残延缓入学/休学未经残联评估",
            key(d),
            f"{d.status}（{d.reason}），县级批准 {d.approved}，残联评估 {d.assessed or '空'}",
            finding,
            label,
        )
    for label in ("D11", "D12", "D13"):
        d = D_[label]
        months = defaultdict(list)
        for when, _, hours, _ in d.visits:
            months[when.strftime("%Y-%m")].append(hours)
        bad = [m for m, hs in months.items() if len(hs) < 2 or min(hs) < 3]
        shown = "；".join(
            f"{m}: {len(hs)}次×" + "/".join(f"{h:g}" for h in hs) + "课时"
            for m, hs in sorted(months.items())
        )
        add(
            "送教上门每月不足2次或每次不足3课时",
            key(d),
            f"{shown}（按 --as-of 2023-10-01，判断到 2023-09）"
            + (f" → 不达标月份 {'、'.join(bad)}" if bad else ""),
            bool(bad),
            label,
        )
    for label in ("D14", "D15"):
        d = D_[label]
        add(
            "已结案（超龄离校/已销号，不应报问题）",
            key(d),
            f"{d.status}，{attempts(d)}，{rep(d)}",
            False,
            label,
        )
