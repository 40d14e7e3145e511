"""The example county 青山县 in memory (`Example`): its state, the build order, the self-check, the sheets."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from stdnum.cn import ric

from . import (
    assistance,
    cases_coverage,
    cases_income,
    cases_monitoring,
    cases_students,
    cases_welfare,
    households,
    schools,
)
from .households import Spec
from .model import (
    COUNTY,
    GIVEN,
    MOBILE_PREFIXES,
    SEED,
    SPRING,
    SURNAMES,
    TOWNSHIPS,
    VILLAGES,
    Case,
    D,
    Dropout,
    Household,
    IdFactory,
    Person,
    School,
    Student,
    Village,
)
from .schools import JUNIOR, PRESCHOOL, PRIMARY, SENIOR
from .workbook import WORKBOOKS, write_workbook

# add(rule, key, values, finding, label=""): how the boundary-case table functions report a case.
AddCase = Callable[..., None]

HELPER_UNITS = {
    "411599101": ("青山县农业农村局", "青山县财政局", "青山县教育局", "城关镇人民政府"),
    "411599102": (
        "青山县乡村振兴局",
        "青山县人力资源和社会保障局",
        "青山县水利局",
        "河口乡人民政府",
    ),
    "411599103": (
        "青山县卫生健康委员会",
        "青山县住房和城乡建设局",
        "青山县民政局",
        "石桥镇人民政府",
    ),
}


class Example:
    """Builds the example county in memory; `write(out_dir)` writes the workbooks."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.ids = IdFactory(self.rng)
        self.villages = [Village(c, n, c[:9], s, k) for c, n, s, k in VILLAGES]
        self.households: list[Household] = []
        self.special: dict[str, Household] = {}
        self.schools: list[School] = []
        self.school: dict[str, School] = {}
        self.students: list[Student] = []
        self.special_students: dict[str, Student] = {}
        self.payments: list[tuple] = []
        self.dropouts: list[Dropout] = []
        self.jobs: list[tuple] = []  # (person, post, start, end, subsidy, placements, label)
        self.loans: list[tuple] = []  # (household, amount, lent, due, renewed, overdue, label)
        self.projects: list[dict] = []
        self.assets: list[dict] = []  # 项目资产 (assistance.ASSET_PLAN)
        self.uninsured: dict[str, Person] = {}
        # id() of background households already used by a boundary case
        self.claimed: set[int] = set()
        self.helpers = self._helpers()
        self._build()

    # ------------------------------------------------------------------------------- build
    def _build(self) -> None:
        """Every step draws from the one seeded random sequence: their order is part of the data."""
        specs: list[Spec] = []
        cases_monitoring.plant_households(self, specs)
        cases_welfare.plant_households(self, specs)
        households.populate(self, specs)
        households.background_procedures(self)
        households.background_housing(self)
        schools.add_schools(self)
        schools.add_students(self)
        cases_students.plant_students(self)
        schools.hardship_and_flags(self)
        cases_students.add_dropouts(self)
        schools.add_payments(self)
        assistance.add_jobs_and_loans(self)
        assistance.add_measures(self)
        assistance.add_uninsured(self)
        assistance.add_projects(self)
        assistance.add_project_assets(self)  # draws nothing from the random sequence
        cases_income.plant(self)  # last: no random draw, nothing before it changes
        cases_coverage.plant(self)  # the same
        self._check()

    def background(self, predicate) -> list[Household]:
        """The ordinary households (not built for a boundary case) that satisfy `predicate`."""
        return [h for h in self.households if not h.special and predicate(h)]

    def dropouts_by_label(self) -> dict[str, Dropout]:
        return {d.label: d for d in self.dropouts}

    # ------------------------------------------------------------------ names, phones, helpers
    def name(self, sex: str, birth: D, surname: str | None = None) -> str:
        era = "old" if birth.year < 1965 else "mid" if birth.year < 1995 else "young"
        surname = surname or self.rng.choice(SURNAMES)
        return surname + self.rng.choice(GIVEN[(sex, era)])

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def _helpers(self) -> dict[str, list[tuple[str, str, str]]]:
        helpers = {}
        for code, _ in TOWNSHIPS:
            people = []
            for i in range(10):
                sex = "男" if i % 3 else "女"
                name = self.name(sex, D(1980, 1, 1))
                people.append((name, self.mobile(), HELPER_UNITS[code][i % 4]))
            helpers[code] = people
        return helpers

    def insurance_rates(self, *, include_eliminated: bool = True) -> dict[str, tuple[int, int]]:
        """(insured, total) of 脱贫人口 and 监测对象 by township and for the county ("county")."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for hh in self.households:
            if not hh.poor or (
                not include_eliminated and hh.category == "监测户" and hh.risk_eliminated
            ):
                continue
            for p in hh.members:
                for key in (hh.village.township, "county"):
                    out[key][1] += 1
                    out[key][0] += p.insured is True
        return {k: (v[0], v[1]) for k, v in out.items()}

    # --------------------------------------------------------------------------- self-check
    def _check(self) -> None:
        """Invariants the importer enforces, plus the design of the insurance rates."""
        ids = [p.id_number for h in self.households for p in h.members]
        assert len(ids) == len(set(ids)), "duplicate person ID"
        for number in ids + [s.id_number for s in self.students]:
            ric.validate(number)
        for hh in self.households:
            assert hh.category != "监测户" or hh.monitor_type, hh.hid
            assert hh.category != "一般农户" or not hh.monitor_type, hh.hid
            for p in hh.procedures:
                assert (
                    p.county is None
                    or p.township is None
                    or p.county >= p.township
                    or hh.special == "M10"
                ), hh.hid
        for st in self.students:
            for f in ("原建档立卡", "监测户", "低保", "特困"):
                assert not (st.own.get(f) is False and st.flag(f)), (st.number, f)
        numbers = [s.number for s in self.students]
        assert len(numbers) == len(set(numbers))
        for include in (True, False):
            r = self.insurance_rates(include_eliminated=include)
            county = r["county"][0] / r["county"][1]
            assert 0.99 < county < 0.995, (include, r)
            assert r["411599101"][0] / r["411599101"][1] < 0.99, (include, r)
            assert all(r[t][0] / r[t][1] >= 0.99 for t in ("411599102", "411599103")), (include, r)

    # ------------------------------------------------------------------------- boundary table
    def cases(self) -> list[Case]:
        """Every boundary case with its key, the values that decide it, and whether it is a finding."""
        out: list[Case] = []

        def add(rule, key, values, finding, label=""):
            out.append(Case(rule, key, values, finding, label))

        cases_monitoring.procedure_cases(self, add)
        cases_monitoring.development_cases(self, add)
        cases_welfare.labour_post_cases(self, add)
        cases_monitoring.measure_cases(self, add)
        cases_monitoring.income_cases(self, add)
        cases_welfare.insurance_cases(self, add)
        cases_welfare.housing_cases(self, add)
        cases_welfare.water_cases(self, add)
        cases_welfare.post_cases(self, add)
        cases_welfare.loan_cases(self, add)
        cases_welfare.project_cases(self, add)
        cases_welfare.asset_cases(self, add)
        cases_students.aid_cases(self, add)
        cases_students.dropout_cases(self, add)
        cases_income.income_cases(self, add)
        cases_coverage.coverage_cases(self, add)
        cases_coverage.school_age_cases(self, add)
        return out

    # --------------------------------------------------------------------------------- output
    def sheet_rows(self) -> dict[str, list[tuple]]:
        rel_order = {
            r: i
            for i, r in enumerate(
                ("户主", "配偶", "子", "女", "儿媳", "女婿", "孙子", "孙女", "父亲", "母亲")
            )
        }
        regions = [(COUNTY[0], COUNTY[1], "县", None)]
        regions += [(c, n, "乡", COUNTY[0]) for c, n in TOWNSHIPS]
        regions += [(v.code, v.name, "村", v.township) for v in self.villages]
        persons = [
            p.row()
            for h in self.households
            for p in sorted(h.members, key=lambda p: (rel_order.get(p.relation, 99), p.birth))
        ]
        grade_order = {
            g: i
            for i, g in enumerate(
                [
                    *PRESCHOOL.values(),
                    *PRIMARY.values(),
                    *JUNIOR.values(),
                    *SENIOR.values(),
                    "四年级",
                ]
            )
        }
        students = sorted(
            self.students,
            key=lambda s: (s.school.code, grade_order.get(s.grade, 0), s.class_name, s.number),
        )
        procedures = [
            (h.hid, p.kind, p.risks or None, p.found, p.verified, p.pub_start, p.pub_end, p.township, p.county, p.announced, p.entered, p.plan)
            for h in self.households for p in sorted(h.procedures, key=lambda p: p.found)
        ]  # fmt: skip
        measures = [
            (h.hid, c, t, d)
            for h in self.households
            for c, t, d in sorted(h.measures, key=lambda m: (m[2], m[0]))
        ]
        dropouts = sorted(self.dropouts, key=lambda d: d.student.number)
        projects = [
            (r["项目编号"], r["项目名称"], r["项目类型"], r["实施地点"], r["建设内容及规模"], *r["funds"], r["实施单位"],
             r["项目负责人"], r["计划开工日期"], r["计划完工日期"], r["项目状态"], r["受益户数"], r["受益人数"],
             r["受益脱贫户数"], r["受益监测户数"], r["联农带农机制"], r["绩效目标"], r["资产类型"], r["监督电话"],
             r["实际完工日期"], r["验收日期"], r["已拨付资金"], r["已支付资金"])
            for r in sorted(self.projects, key=lambda r: r["项目编号"])
        ]  # fmt: skip
        assets = [
            (a["项目编号"], a["资产名称"], a["资产类型"], a["原值"], a["确权对象"], a["确权日期"], a["移交日期"],
             a["运营方式"], a["年收益"], a["处置日期"], a["处置方式"])
            for a in sorted(self.assets, key=lambda a: (a["项目编号"], a["资产名称"]))
        ]  # fmt: skip
        return {
            "行政区划": regions,
            "户信息": [h.row() for h in self.households],
            "人员信息": persons,
            "学校": [s.row() for s in self.schools],
            "学生": [s.row() for s in students],
            "资助发放": sorted(self.payments, key=lambda r: (r[0], r[3] != SPRING, r[1])),
            "辍学学生": [
                (d.student.number, d.found, d.reason, d.status, d.reported, d.approved, d.assessed)
                for d in dropouts
            ],
            "劝返记录": [(d.student.number, *p) for d in dropouts for p in d.persuasions],
            "送教记录": [(d.student.number, *v) for d in dropouts for v in d.visits],
            "监测帮扶": procedures,
            "帮扶措施": measures,
            "项目": projects,
            "项目资产": assets,
            "公益岗位": [
                (p.id_number, post, s, e, sub, n) for p, post, s, e, sub, n, _ in self.jobs
            ],
            "小额信贷": [
                (h.hid, a, lent, due, ren, od)
                for h, a, lent, due, ren, od, _ in sorted(
                    self.loans, key=lambda x: (x[0].hid, x[2])
                )
            ],
        }

    def write(self, out_dir: Path) -> dict[str, int]:
        out_dir.mkdir(parents=True, exist_ok=True)
        rows = self.sheet_rows()
        for filename, names in WORKBOOKS:
            write_workbook(out_dir / filename, {n: rows[n] for n in names})
        return {name: len(r) for name, r in rows.items()}


def generate_example(out_dir: str | Path) -> dict:
    """Write the example county's workbooks into out_dir; return counts per sheet and the boundary cases."""
    example = Example()
    counts = example.write(Path(out_dir))
    return {"counts": counts, "cases": example.cases(), "example": example}
