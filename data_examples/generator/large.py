"""The county-size benchmark dataset (`generate_large`): 500,000 persons by default, in constant memory."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path

from stdnum.cn import ric

from .model import (
    AUTUMN,
    COUNTY,
    GIVEN,
    SCHOOL_YEAR_START,
    SEED,
    SURNAMES,
    D,
    age_on,
    plus,
    region_for,
)
from .schools import JUNIOR, PRESCHOOL, PRIMARY, SENIOR
from .workbook import SHEETS, Book, display_width


def generate_large(
    out_dir: str | Path,
    persons: int = 500_000,
    students: int = 150_000,
    monitored_households: int = 20_000,
    projects: int = 2_000,
) -> dict[str, int]:
    """A county-size dataset in the same format, streamed in constant memory (XlsxWriter constant_memory).

    ~3 persons per household (sizes 3, 3, 2, 4 in turn: head, spouse, children); the children are
    the students (stage and grade from the birth date). IDs are unique by construction: each
    person's serial number picks region, birth date and sequence number, no set of used IDs.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED + 1)
    townships = [(f"411599{100 + t:03d}", f"第{t}乡镇") for t in range(1, 21)]
    villages = [
        (f"{tc}{200 + v:03d}", f"{tn[:-2]}{v}村", tc) for tc, tn in townships for v in range(1, 21)
    ]

    # Birth dates: adults 1945-01-01 + k, children 2005-09-01 + k (school ages 3–17 on 2023-08-31).
    adult_days = (D(2000, 12, 31) - D(1945, 1, 1)).days
    child_days = (D(2020, 8, 31) - D(2005, 9, 1)).days
    counters = {"adult": 0, "child": 0}

    def new_id(kind: str) -> tuple[str, D]:
        """The next unique ID of this kind: sequence numbers 000–499 for adults, 500–999 for children."""
        n = counters[kind]
        counters[kind] += 1
        span, base, offset = (
            (adult_days, D(1945, 1, 1), 0) if kind == "adult" else (child_days, D(2005, 9, 1), 500)
        )
        pair = n % 8
        k = n // 8
        birth = base + dt.timedelta(
            days=(k * 7919) % span
        )  # a stride coprime with the span spreads ages
        seq = offset + (k // span)
        if seq - offset >= 500:
            raise ValueError("too many persons for the ID space")
        body = f"{region_for(pair, birth)}{birth:%Y%m%d}{seq:03d}"
        return body + ric.calc_check_digit(body + "0"), birth

    def stage_of(birth: D) -> tuple[str, str, int]:
        age = age_on(birth, SCHOOL_YEAR_START)
        for stage, table, slot in (
            ("学前", PRESCHOOL, 0),
            ("小学", PRIMARY, 1),
            ("初中", JUNIOR, 2),
            ("普通高中", SENIOR, 3),
        ):
            if age in table:
                return stage, table[age], slot
        return "学前", "大班", 0  # ages 2 and 18 do not occur: the birth range is exact

    files = {
        "regions": Book(out / "01_区划户籍.xlsx", constant_memory=True),
        "schools": Book(out / "02_学校学生.xlsx", constant_memory=True),
        "monitor": Book(out / "03_监测帮扶.xlsx", constant_memory=True),
        "projects": Book(out / "04_项目.xlsx", constant_memory=True),
    }
    w = lambda name: [max(display_width(h), 10) + 2 for h, _ in SHEETS[name]]  # noqa: E731
    sh = {name: files[book].sheet(name, w(name)) for book, name in (
        ("regions", "行政区划"), ("regions", "户信息"), ("regions", "人员信息"),
        ("schools", "学校"), ("schools", "学生"), ("schools", "资助发放"),
        ("monitor", "监测帮扶"), ("monitor", "帮扶措施"), ("monitor", "公益岗位"), ("monitor", "小额信贷"),
        ("projects", "项目"))}  # fmt: skip
    counts: Counter = Counter()

    def add(name: str, row: tuple) -> None:
        sh[name].add(row)
        counts[name] += 1

    add("行政区划", (COUNTY[0], COUNTY[1], "县", None))
    for code, name in townships:
        add("行政区划", (code, name, "乡", COUNTY[0]))
    for code, name, parent in villages:
        add("行政区划", (code, name, "村", parent))
    schools_by_township = {}
    for i, (code, name) in enumerate(townships):
        row = []
        for slot, (stage, suffix) in enumerate(
            (("学前", "中心幼儿园"), ("小学", "中心小学"), ("初中", "初级中学"))
        ):
            sc = f"21415{i + 1:02d}{slot:03d}"
            add("学校", (sc, f"{name}{suffix}", code, stage, True if stage == "学前" else None,
                        True if stage != "学前" else None, None, None, f"0376-555{i:02d}{slot:02d}"))  # fmt: skip
            row.append(sc)
        schools_by_township[code] = row
    highs = [f"2141599{9 * 10 + k:03d}" for k in range(3)]
    for k, sc in enumerate(highs):
        add(
            "学校",
            (
                sc,
                f"青山县第{k + 1}高级中学",
                COUNTY[0],
                "普通高中",
                None,
                None,
                1600.0,
                600.0,
                "0376-5559000",
            ),
        )

    sizes = (3, 3, 2, 4)
    total_households = 0
    remaining = persons
    n_students = 0
    monitored_every = max(1, (persons // 3) // max(1, monitored_households))
    monitored_left = monitored_households
    surnames, male, female = SURNAMES, GIVEN[("男", "mid")], GIVEN[("女", "mid")]
    young_m, young_f = GIVEN[("男", "young")], GIVEN[("女", "young")]
    d2023 = D(2023, 6, 1)
    while remaining > 0:
        size = min(sizes[total_households % 4], remaining)
        total_households += 1
        hid = f"L{total_households:07d}"
        vcode, _, tcode = villages[total_households % len(villages)]
        monitored = monitored_left > 0 and total_households % monitored_every == 0
        category = (
            "监测户" if monitored else ("脱贫户" if total_households % 7 == 0 else "一般农户")
        )
        if monitored:
            monitored_left -= 1
            m_index = monitored_households - monitored_left
        surname = surnames[rng.randrange(len(surnames))]
        members = []
        head_id, _ = new_id("adult")
        members.append((head_id, "户主", surname + male[rng.randrange(len(male))]))
        if size >= 2:
            sid, _ = new_id("adult")
            members.append(
                (
                    sid,
                    "配偶",
                    surnames[rng.randrange(len(surnames))] + female[rng.randrange(len(female))],
                )
            )
        for _ in range(size - 2):
            cid, _ = new_id("child")
            members.append(
                (
                    cid,
                    "子" if int(cid[16]) % 2 else "女",
                    surname + (young_m if int(cid[16]) % 2 else young_f)[rng.randrange(20)],
                )
            )
        income = (
            float(rng.randrange(5200, 7400, 10))
            if monitored
            else float(rng.randrange(9000, 30000, 10))
        )
        add("户信息", (hid, vcode, members[0][2], head_id, category, "边缘易致贫户" if monitored else None,
                      False if monitored else None, None, None, income, None, None, None, None, None, "A",
                      float(80 + 20 * size), None, None, None, None))  # fmt: skip
        for pid, relation, name in members:
            child = relation in ("子", "女")
            labor = "无劳动力" if child else "普通劳动力"
            add(
                "人员信息",
                (
                    pid,
                    hid,
                    name,
                    relation,
                    None,
                    None,
                    labor,
                    "健康",
                    None,
                    None,
                    True,
                    None,
                    None,
                    None,
                ),
            )
            if child and n_students < students:
                n_students += 1
                birth = ric.get_birth_date(pid)
                stage, grade, slot = stage_of(birth)
                school = highs[n_students % 3] if slot == 3 else schools_by_township[tcode][slot]
                number = f"X{n_students:09d}"
                add("学生", (number, name, pid, school, stage, grade, f"{1 + n_students % 4}班", None, None,
                            monitored, None, None, None, None, None, None, None, members[0][2], None))  # fmt: skip
                if monitored and stage in ("小学", "初中"):
                    item, amount = ("非寄宿生生活补助", 250.0 if stage == "小学" else 312.5)
                    add("资助发放", (number, item, amount, AUTUMN, D(2023, 9, 25)))
        if monitored:
            found = d2023 - dt.timedelta(days=rng.randrange(150))
            add("监测帮扶", (hid, "识别纳入", "因病", found, plus(found, 1), plus(found, 2), plus(found, 6), plus(found, 7),
                          plus(found, 10), plus(found, 11), plus(found, 14), plus(found, 15)))  # fmt: skip
            add("帮扶措施", (hid, "产业帮扶", "发放产业奖补资金", plus(found, 16)))
            add("帮扶措施", (hid, "健康帮扶", "家庭医生签约服务", plus(found, 16)))
            if m_index % 5 == 0:
                add("公益岗位", (head_id, "村级保洁员", D(2022, 3, 1), None, 600.0, 1))
            if m_index % 5 == 2:
                add("小额信贷", (hid, 50000.0, D(2023, 3, 1), D(2026, 3, 1), False, False))
        remaining -= size
    for i in range(projects):
        places = "、".join(villages[(i * 7 + k * 13) % len(villages)][0] for k in range(1 + i % 2))
        add("项目", (f"XM2023{i + 1:05d}", f"第{i + 1}号衔接资金项目", ("产业发展", "乡村建设", "就业项目")[i % 3], places,
                    "建设内容及规模（示例）", round(50 + (i % 97) * 1.2345, 4), 10.0, None, 5.0, None, None, "青山县乡村振兴局",
                    None, D(2023, 3, 1), D(2023, 12, 31), ("计划", "实施中", "已完工", "已验收")[i % 4], 100, 320, 30, 5,
                    "吸纳脱贫户务工", "带动脱贫户增收", ("经营性", "公益性", "到户类")[i % 3], "12317"))  # fmt: skip
    for book in files.values():
        book.close()
    counts["households"] = total_households
    return dict(counts)
