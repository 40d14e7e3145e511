"""雨露计划助学补助公示 (seed 三.四.(二).7; DOMAIN §3 学生资助): one notice per village, in the
official-document layout, listing the students of the village's households paid the 雨露计划
补助 in a term or a school year, from the 资助发放 sheet; a list workbook for posting online.

The pack names the item (`[[student_aid]]` with id `yulu`, its `name` is what 资助发放 says) and
words the notice (texts `[yulu_notice]`). A student is placed in a village through their household
(student 证件号码 = a person's 证件号码 in 户籍人口); a paid student who cannot be placed is in no
village's notice, and the list workbook and the screen say so. A student whose household is neither
脱贫户 nor being monitored is printed as paid (the notice shows what was paid), and flagged for
review in the workbook, since the seed gives the 补助 to 脱贫家庭（含监测帮扶对象家庭）.

Public notices protect personal information: no ID number or phone is put in the context, and the
privacy check over the rendered text refuses a notice that still shows one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from reportgen.dataset.schema import TABLES
from reportgen.dataset.store import household_flag_exprs
from reportgen.documents.aid_notice import NoticePeriod
from reportgen.documents.common import DocumentRun, StepOutput, yuan
from reportgen.documents.kind import DocumentKind, KindResult, Part
from reportgen.documents.notices import issuer_of
from reportgen.documents.privacy import DEFAULT_HEALTH_TERMS, privacy_check
from reportgen.documents.runner import make_documents
from reportgen.engine import (
    Column,
    OutputEntry,
    Sheet,
    cndate,
    declare_template,
    safe_filename,
    write_table_workbook,
)
from reportgen.engine.builtin_specs import OFFICIAL_SAMPLE
from reportgen.engine.official_table import fit_table
from reportgen.errors import ConfigError
from reportgen.places import Place, county_place, villages_under

TEMPLATE = "雨露计划补助公示"
ITEM_ID = "yulu"  # the pack's [[student_aid]] id of the 雨露计划 item
declare_template(
    TEMPLATE,
    "docx",
    sample=OFFICIAL_SAMPLE,
    description="雨露计划助学补助公示：公文格式，每村一份，表格列出受助学生",
)

COLUMNS = ["序号", "学生姓名", "户主", "就读学校", "学段年级", "补助学期", "补助金额（元）"]
LIST_COLUMNS = [
    Column("乡镇", 10), Column("村", 10), Column("学生姓名", 10), Column("户主", 10),
    Column("就读学校", 28), Column("学段年级", 14), Column("补助学期", 26),
    Column("补助金额（元）", 14, "money"), Column("户类别", 14), Column("备注", 36),
]  # fmt: skip
UNPLACED_COLUMNS = [
    Column("学籍号", 14), Column("学生姓名", 10), Column("就读学校", 28), Column("补助学期", 26),
    Column("补助金额（元）", 14, "money"), Column("说明", 48),
]  # fmt: skip
UNPLACED_NOTE = "学生证件号码在户籍人口中找不到，不知属于哪个村，未列入任何村的公示"


@dataclass(frozen=True)
class Paid:
    """One student's 雨露计划 payments in the period (a row of a village's notice)."""

    student_no: str
    name: str
    school: str
    stage_grade: str
    terms: str
    amount: Decimal
    head: str
    category: str
    eligible_family: bool  # 脱贫户 or being monitored


@dataclass(frozen=True)
class YuluJob:
    place: Place  # a village, a township or the county
    period: NoticePeriod
    start: dt.date  # the first day of the 公示
    days: int

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)


def item_name(policy) -> str:
    """What 资助发放 calls the 雨露计划 item: the pack's `[[student_aid]]` with id yulu."""
    for item in policy.student_aid:
        if item.get("id") == ITEM_ID:
            return str(item["name"])
    raise ConfigError(
        f'政策包 {policy.name} 的 [[student_aid]] 中没有 id = "{ITEM_ID}" 的雨露计划项目，无法生成雨露计划补助公示'
    )


def _payments(run: DocumentRun, job: YuluJob, village_codes: list[str] | None):
    """(village code or None, Paid) of every student paid the item in the period, in village,
    school, name order; village None: the student's household is not in the data. `village_codes`
    None: every student, placed or not."""
    pay, st, schools = TABLES["aid_payments"], TABLES["students"], TABLES["schools"]
    persons, hh = TABLES["persons"], TABLES["households"]
    flags = household_flag_exprs(hh)
    query = (
        sa.select(
            pay.c.student_no, pay.c.term, pay.c.amount, st.c.name, st.c.stage, st.c.grade,
            schools.c.name.label("school"), hh.c.village_code, hh.c.head_name, hh.c.category,
            hh.c.monitor_type, sa.or_(flags["former_poor"], flags["monitored"]).label("eligible"),
        )
        .select_from(pay.join(st, st.c.student_no == pay.c.student_no)
                     .join(schools, schools.c.school_code == st.c.school_code)
                     .outerjoin(persons, persons.c.id_number == st.c.id_number)
                     .outerjoin(hh, hh.c.household_id == persons.c.household_id))
        .where(pay.c.item == item_name(run.policy), pay.c.term.in_(job.period.terms))
        .order_by(hh.c.village_code, schools.c.name, st.c.name, pay.c.student_no, pay.c.term)
    )  # fmt: skip
    if village_codes is not None:
        query = query.where(hh.c.village_code.in_(village_codes))
    by_student: dict[str, list[sa.Row]] = {}
    with run.dataset.engine.connect() as conn:
        for row in conn.execute(query):
            by_student.setdefault(row.student_no, []).append(row)
    out = []
    for rows in by_student.values():
        r = rows[0]
        terms = [t for t in job.period.terms if any(x.term == t for x in rows)]
        category = (r.category or "") + (f"（{r.monitor_type}）" if r.monitor_type else "")
        out.append((r.village_code, Paid(
            r.student_no, r.name, r.school, f"{r.stage or ''}{r.grade or ''}", "、".join(terms),
            sum((Decimal(x.amount) for x in rows), Decimal(0)), r.head_name or "", category,
            bool(r.eligible),
        )))  # fmt: skip
    return out


def _villages(run: DocumentRun, place: Place) -> list[Place]:
    return [place] if place.level == "村" else villages_under(run.dataset, place)


class YuluNoticeKind(DocumentKind):
    """One notice file per village with paid students (villages in the county's order), in
    partitions of one township's villages; one list workbook for the batch."""

    name = "yulu-notice"
    title = "雨露计划助学补助公示"
    template = TEMPLATE
    per_record = True
    summary_rows = ("paid",)

    def check(self, run: DocumentRun, job: YuluJob) -> None:
        item_name(run.policy)
        if job.days < int(run.policy.value("monitoring.publicity_min_days")):
            raise ConfigError(
                run.policy.text("notices.messages.days_too_short", label=self.title, days=job.days)
            )

    def plan(self, run: DocumentRun, job: YuluJob, workers: int = 1) -> list[Part]:
        villages = _villages(run, job.place)
        counts: dict[str, int] = {}
        for code, _ in _payments(run, job, [v.code for v in villages]):
            counts[code] = counts.get(code, 0) + 1
        by_township: dict[str, list[Place]] = {}
        for v in villages:
            if v.code in counts:
                by_township.setdefault(v.parent_code or "", []).append(v)
        return [
            Part(tuple(vs), "", len(vs), vs[0].township,
                 record_stems=tuple(self.stem(v, job) for v in vs))
            for vs in by_township.values()
        ]  # fmt: skip

    @staticmethod
    def stem(village: Place, job: YuluJob) -> str:
        return f"{village.file_label}_雨露计划助学补助公示_{cndate(job.start)}"

    def records(self, run: DocumentRun, job: YuluJob, part: Part):
        villages: tuple[Place, ...] = part.key
        paid: dict[str, list[Paid]] = {}
        for code, p in _payments(run, job, [v.code for v in villages]):
            paid.setdefault(code, []).append(p)
        for v in villages:
            yield v, paid.get(v.code, [])

    def context(self, run: DocumentRun, job: YuluJob, record) -> dict[str, Any]:
        village, paid = record
        total = sum((p.amount for p in paid), Decimal(0))
        issuer = issuer_of(run.settings, village)
        supervision = "、".join(
            x for x in (str(run.policy.value("projects.supervision_hotline")),
                        run.settings.values["hotlines.supervision"]) if x
        )  # fmt: skip
        period_text = f"{cndate(job.start)}至{cndate(job.end)}（{job.days}天）"
        place = f"{village.township}{village.name}"
        return {
            "title": f"{place}雨露计划助学补助公示",
            "doc_number": "",
            "letterhead": None,
            "recipient": "全体村（居）民",
            "paragraphs": [
                run.policy.text(
                    "yulu_notice.body",
                    place=place,
                    period=job.period.label,
                    count=len(paid),
                    total=yuan(total),
                )
            ],  # fmt: skip
            # the school's name wraps; names, grades, terms and amounts stay whole
            "table": fit_table(
                "雨露计划助学补助名单",
                COLUMNS,
                [
                    [str(i), p.name, p.head, p.school, p.stage_grade, p.terms, yuan(p.amount)]
                    for i, p in enumerate(paid, start=1)
                ]
                + [["合计", "", "", "", "", "", yuan(total)]],
                wrap={COLUMNS.index("就读学校")},
            ),  # fmt: skip
            "closing": [
                f"公示期：{period_text}。",
                f"公示期内如有异议，请向{issuer}反映，或拨打监督电话：{supervision}。",
            ],
            "issuer": issuer,
            "date": job.start,
            "name": place,
        }

    def rows(self, run, job, record, ctx) -> dict[str, list]:
        village, paid = record
        out_of_scope = run.policy.text("yulu_notice.out_of_scope")
        return {
            "paid": [[village.township, village.name, p.name, p.head, p.school, p.stage_grade,
                      p.terms, float(p.amount), p.category,
                      "" if p.eligible_family else out_of_scope] for p in paid]
        }  # fmt: skip

    def tally(self, record, ctx) -> dict[str, int]:
        village, paid = record
        return {
            "villages": 1,
            "students": len(paid),
            "out_of_scope": sum(1 for p in paid if not p.eligible_family),
        }

    def write_summary(self, run, job: YuluJob, rows, result: KindResult) -> list[OutputEntry]:
        """The list for posting online, and the paid students no village's notice has."""
        unplaced = [p for code, p in _payments(run, job, None) if code is None]
        result.counts["unplaced"] = len(unplaced)
        label = f"{job.place.file_label}{job.period.label}"
        path = run.out_dir / f"{safe_filename(f'雨露计划助学补助公示名单_{label}')}.xlsx"
        period_text = f"公示期：{cndate(job.start)}至{cndate(job.end)}"
        write_table_workbook(
            path,
            [
                Sheet("公示名单", LIST_COLUMNS, rows["paid"], title=f"{label}雨露计划助学补助公示名单",
                      note=period_text, landscape=True),
                Sheet("未对应到村", UNPLACED_COLUMNS,
                      [[p.student_no, p.name, p.school, p.terms, float(p.amount), UNPLACED_NOTE]
                       for p in unplaced],
                      title=f"{job.period.label}已发放雨露计划助学补助但未对应到村的学生"),
            ],
            footer=run.meta(public=True, day=job.start)["footnote"],
        )  # fmt: skip
        return [run.entry(path, len(rows["paid"]))]

    def inspect(self, run: DocumentRun, job: YuluJob):
        """The privacy check over each rendered notice (documents/privacy.py)."""
        values = run.settings.values
        offices = [n for n in [*values["hotlines.office_numbers"], values["hotlines.supervision"],
                               str(run.policy.value("projects.supervision_hotline"))] if n]  # fmt: skip
        return privacy_check(offices, values["privacy.health_terms"] or DEFAULT_HEALTH_TERMS)

    def meta(self, run: DocumentRun, job: YuluJob) -> dict[str, Any]:
        # a notice dated its first day says the data as of that day at the latest (DOMAIN §4)
        return run.meta(public=True, day=job.start)

    def label(self, ctx: dict[str, Any]) -> str:
        return ctx["title"]


KIND = YuluNoticeKind()


def yulu_job(run: DocumentRun, place: Place, *, term: str | None, year: int | None,
             start: dt.date, days: int | None) -> YuluJob:  # fmt: skip
    """The job of the command's options: the period as for 告知书 (--year, --term, or the latest
    term with 雨露计划 payments), the 公示 days by default the pack's minimum."""
    if term and year is not None:
        raise ConfigError("--term 和 --year 只能给出一个")
    if year is not None:
        period = NoticePeriod.of_year(year)
    elif term:
        period = NoticePeriod.of_term(term)
    else:
        period = NoticePeriod.of_term(_latest_term(run))
    minimum = int(run.policy.value("monitoring.publicity_min_days"))
    return YuluJob(place, period, start, days if days is not None else minimum)


def _latest_term(run: DocumentRun) -> str:
    from reportgen.aid.terms import is_term, parse_term

    pay = TABLES["aid_payments"]
    with run.dataset.engine.connect() as conn:
        terms = conn.execute(
            sa.select(pay.c.term).where(pay.c.item == item_name(run.policy)).distinct()
        ).scalars()
        valid = [t for t in terms if is_term(t)]
    if not valid:
        raise ConfigError(
            f"资助发放中没有“{item_name(run.policy)}”的记录（或学期写法不是“2023年秋季学期”这样），无法生成雨露计划补助公示"
        )
    return max(valid, key=parse_term)


@dataclass
class YuluResult:
    outputs: list[OutputEntry]
    period: NoticePeriod
    villages: int = 0
    students: int = 0
    out_of_scope: int = 0  # paid, household neither 脱贫户 nor monitored
    unplaced: int = 0  # paid, household not in the data: in no village's notice


def make_yulu_notices(run: DocumentRun, job: YuluJob, *, pdf: bool = False, zip_name: str | None = None,
                      progress=None, workers: int = 1) -> YuluResult:  # fmt: skip
    got = make_documents(KIND, run, job, pdf=pdf, zip_name=zip_name, progress=progress,
                         workers=workers)  # fmt: skip
    c = got.counts
    return YuluResult(got.outputs, job.period, c.get("villages", 0), c.get("students", 0),
                      c.get("out_of_scope", 0), c.get("unplaced", 0))  # fmt: skip


def demo(run: DocumentRun) -> StepOutput:
    """The demo: the county's villages, school year 2023—2024, 公示 from 2023-10-09."""
    job = yulu_job(run, county_place(run.dataset), term=None, year=2023,
                   start=dt.date(2023, 10, 9), days=None)  # fmt: skip
    got = make_yulu_notices(run, job)
    notes = []
    if got.unplaced:
        notes.append(
            f"{got.unplaced} 名已发放的学生未对应到村，未列入公示（见公示名单“未对应到村”）"
        )
    if got.out_of_scope:
        notes.append(
            f"{got.out_of_scope} 名学生的户类别不在雨露计划范围，已在公示名单“备注”列标出待核实"
        )
    return StepOutput(got.outputs, notes)
