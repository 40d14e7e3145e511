"""监测对象新增退出名单 (DOMAIN §4.7): the monthly lists the county sends to finance, health and
medical insurance — seed 二.二.(二).5: “县级民政、乡村振兴部门每月将新增、退出困难群众名单抄送同级
财政、卫生健康、医保部门”.

Three lists for a month: households newly included in monitoring (识别纳入 approved by the county
in the month), households whose risk was eliminated (风险消除 approved in the month), and households
whose 低保/特困 status (兜底类型) changed between imports during the month (household_changes).
Each list names every member, because the medical-insurance department adjusts 参保资助 and
医疗救助 per person (seed 二.二.(三).2⑥). Letter and lists are an official document (.docx) and a
workbook (.xlsx, one sheet per list, one row per person).

The letter is a 函 to departments of the same level (信函格式, no 签发人) whose 公文 parts come
from `[issuer]` (documents/issuer.py). Its ID numbers are always masked: it is printed and filed.
The workbook is the departmental list for person-by-person matching (核查比对, 二.二.(二).5): an
internal document between departments, it carries full ID numbers by default
(`ids.monthly_list = "遮挡"` masks them), and the letter says how to keep it (DOMAIN §5).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from reportgen.config import IDS_FULL
from reportgen.dataset.schema import household_changes
from reportgen.documents.common import DocumentRun
from reportgen.documents.indicators import compute_indicators, percent
from reportgen.documents.issuer import MONTHLY, OfficialParts
from reportgen.documents.report_blocks import REPORT_SAMPLE, Blocks, cn, render_report, widths
from reportgen.documents.selfcheck import parts_of, scope_name
from reportgen.engine import (
    Column,
    OutputEntry,
    Sheet,
    declare_template,
    mask_id,
    safe_filename,
    write_manifest,
    write_table_workbook,
)
from reportgen.errors import ConfigError
from reportgen.rules.context import RuleContext
from reportgen.rules.runs import Scope

TEMPLATE = "监测对象新增退出名单"

declare_template(TEMPLATE, "docx", sample=REPORT_SAMPLE,
                 description="监测对象新增退出名单：致财政、卫健、医保部门的函，附件为名单")  # fmt: skip


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        following = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)


_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.]\s*|年\s*)?(\d{1,2})\s*月?$")


def parse_month(text: str) -> Month:
    """`2023-09` (also `2023-9`, `2023/09`, `202309`, `2023年9月`) → Month; anything else is a ConfigError."""
    m = _MONTH.match((text or "").strip())
    if (
        m is None
        or not 1 <= int(m.group(2)) <= 12
        or (len(m.group(2)) == 1 and text.strip().isdigit())
    ):
        raise ConfigError(f"月份写法不对：{text}。请写成“2023-09”（年份-月份）或“2023年9月”")
    return Month(int(m.group(1)), int(m.group(2)))


@dataclass
class Member:
    name: str
    relation: str
    id_number: str
    insured: bool | None


@dataclass
class Listed:
    """One household on a list, with every member (户主 first)."""

    household_id: str
    township: str
    village: str
    head_name: str
    category: str
    monitor_type: str
    risk_types: str
    when: dt.date | None  # 县级审批日期, or the import date of a 兜底 change
    change: str = ""  # 兜底类型 before → after
    members: list[Member] = field(default_factory=list)


@dataclass
class MonthlyResult:
    county: str
    month: Month
    included: list[Listed]
    eliminated: list[Listed]
    baodi: list[Listed]
    outputs: list[OutputEntry]
    docx: object = None
    xlsx: object = None
    notes: list[str] = field(default_factory=list)  # 公文 parts left blank, one line each


def _listed(
    ctx: RuleContext, hid: str, when: dt.date | None, risk_types: str = "", change: str = ""
) -> Listed:
    h = ctx.households[hid]
    place = ctx.place(h.village_code)
    people = sorted(ctx.members.get(hid, []), key=lambda p: p.relation != "户主")
    members = [Member(p.name, p.relation, p.id_number, p.medical_insured) for p in people]
    return Listed(hid, place.township_name, place.name, h.head_name, h.category, h.monitor_type or "", risk_types,
                  when, change, members)  # fmt: skip


def procedures_in(ctx: RuleContext, kind: str, month: Month) -> list[Listed]:
    """Households with a `kind` procedure approved by the county in the month, by village and 户编号."""
    out = []
    for hid, procs in ctx.procedures.items():
        hits = [
            p
            for p in procs
            if p.kind == kind
            and p.county_approved_on
            and month.start <= p.county_approved_on <= month.end
        ]
        if hits and hid in ctx.households:
            out.append(_listed(ctx, hid, hits[-1].county_approved_on, hits[-1].risk_types or ""))
    return sorted(out, key=lambda x: (ctx.households[x.household_id].village_code, x.household_id))


def _baodi_text(value: str | None) -> str:
    return value or "无"


def baodi_changes(ctx: RuleContext, month: Month) -> list[Listed]:
    """Households whose 兜底类型 changed between imports during the month (first value → last value)."""
    start = dt.datetime.combine(month.start, dt.time())
    end = dt.datetime.combine(month.end + dt.timedelta(days=1), dt.time())
    query = (
        sa.select(household_changes)
        .where(household_changes.c.field == "baodi_type", household_changes.c.changed_at >= start,
               household_changes.c.changed_at < end)
        .order_by(household_changes.c.household_id, household_changes.c.changed_at, household_changes.c.id)
    )  # fmt: skip
    with ctx.dataset.engine.connect() as conn:
        rows = list(conn.execute(query))
    first: dict[str, sa.Row] = {}
    last: dict[str, sa.Row] = {}
    for r in rows:
        first.setdefault(r.household_id, r)
        last[r.household_id] = r
    out = []
    for hid, r0 in first.items():
        before, after = r0.old_value, last[hid].new_value
        if before == after or hid not in ctx.households:
            continue
        if not before:
            what = f"新增{after}"
        elif not after:
            what = f"退出{before}"
        else:
            what = f"{before}转为{after}"
        out.append(
            _listed(
                ctx,
                hid,
                last[hid].changed_at.date(),
                change=f"{what}（{_baodi_text(before)}→{_baodi_text(after)}）",
            )
        )
    return sorted(out, key=lambda x: (ctx.households[x.household_id].village_code, x.household_id))


# ------------------------------------------------------------------------------------ documents
def _members_text(x: Listed) -> str:
    return "\n".join(f"{m.name}（{m.relation}）{mask_id(m.id_number)}" for m in x.members)


def _word_rows(items: list[Listed], kind: str) -> list[list[str]]:
    rows = []
    for i, x in enumerate(items, start=1):
        if kind == "baodi":
            middle = [x.category + (f"（{x.monitor_type}）" if x.monitor_type else ""), x.change]
        else:
            middle = [
                x.monitor_type or x.category,
                x.risk_types or "—",
                cn(x.when).replace("年", "年\n", 1) if x.when else "",  # 2023年 / 9月28日: never mid-number
            ]
        rows.append([str(i), f"{x.township}\n{x.village}", f"{x.head_name}\n{x.household_id}\n{len(x.members)}人", *middle,
                     _members_text(x)])  # fmt: skip
    return rows


LISTS = (
    ("included", "新增监测对象名单", "新增监测对象"),
    ("eliminated", "风险消除（退出监测）名单", "风险消除"),
    ("baodi", "低保、特困变化名单", "低保特困变化"),
)


def _snapshot(ctx: RuleContext, month: Month, as_of: dt.date) -> dict:
    figures = compute_indicators(ctx, Scope(None), month.start, min(month.end, as_of))
    counts: dict[str, int] = {}
    for h in ctx.households.values():
        if h.baodi_type:
            counts[h.baodi_type] = counts.get(h.baodi_type, 0) + 1
    return {"figures": figures.total, "baodi": counts}


def letter_context(parts: OfficialParts, month: Month, lists: dict[str, list[Listed]], snap: dict, *,
                   as_of: dt.date, today: dt.date, full_ids: bool, policy) -> dict:  # fmt: skip
    """The letter's template context. The paragraphs that quote policy (the requirement to send
    the lists, with its 文件名称 and 文号, and what each department is asked to do) are the
    policy pack's texts `[monthly]`."""
    total = snap["figures"]
    persons = {k: sum(len(x.members) for x in v) for k, v in lists.items()}
    baodi = "、".join(f"{k}户{v}户" for k, v in sorted(snap["baodi"].items())) or "无低保、特困户"
    b = Blocks()
    b.p(policy.text("monthly.opening", month=month.label))
    b.p(f"{month.label}，全县新识别纳入监测对象{len(lists['included'])}户{persons['included']}人，"
        f"风险消除{len(lists['eliminated'])}户{persons['eliminated']}人，低保、特困变化{len(lists['baodi'])}户"
        f"{persons['baodi']}人。截至{cn(as_of)}，全县正在监测的监测对象{total.monitored}户{total.monitored_persons}人；"
        f"{baodi}；脱贫人口和监测对象基本医保参保率{percent(total.insurance_rate)}"
        f"（参保{total.insured}人/应参保{total.covered}人）。")  # fmt: skip
    b.p(policy.text("monthly.request"))
    if full_ids:
        b.p(
            "随函另送的电子名单含完整身份证号码，仅用于部门间核查比对，请指定专人保管，不得公开或用于其他用途。"
        )
    else:
        b.p(
            f"名单中的身份证号码已作遮挡处理；需逐人核查比对的，请与{parts.self_reference()}联系获取含完整号码的电子名单。"
        )
    titles = [f"{i}.{month.label}{title}" for i, (_, title, _) in enumerate(LISTS, start=1)]
    # 附件说明: later items line up under the first (two characters of indent plus “附件：”).
    b.p(("\n" + "\u3000" * 5).join(titles), lead="附件：")
    b.signature(parts.signature, today)
    b.p(parts.annotation)  # 附注 (GB/T 9704-2012 7.3.6): below the date, two characters in
    procedure = [
        "序号",
        "乡镇\n村",
        "户主\n户编号\n人口",
        "监测类型",
        "风险类型",
        "县级审批日期",
        "家庭成员（关系）证件号码",
    ]
    columns = {"included": procedure, "eliminated": procedure,
               "baodi": ["序号", "乡镇\n村", "户主\n户编号\n人口", "户类型", "变化", "家庭成员（关系）证件号码"]}  # fmt: skip
    # 五号 text; wide enough that 户编号, 12月31日 and “王家乐（子）411***********1759” stay on a line
    # whatever face stands in for 仿宋
    shares = {"included": [5, 11, 11, 9, 8, 13, 43], "eliminated": [5, 11, 11, 9, 8, 13, 43],
              "baodi": [5, 11, 11, 12, 15, 46]}  # fmt: skip
    for i, (key, title, _) in enumerate(LISTS, start=1):
        b.appendix(f"附件{i}", f"{month.label}{title}")
        if lists[key]:
            n = len(columns[key])
            b.table("", columns[key], _word_rows(lists[key], key), widths(shares[key]),
                    ["center"] * (n - 1) + ["left"], after=f"共{len(lists[key])}户{persons[key]}人。", size=10.5)  # fmt: skip
        else:
            b.p("本月无。")
    # The organ in the title is the one in the 落款.
    subject = f"关于抄送{month.label}\n防止返贫监测对象新增、退出名单的函"
    return {
        "doc_number": "",
        "letterhead": parts.letterhead,
        "title": parts.organ + subject,
        "recipient": parts.recipient,
        "blocks": b.items,
    }


def _excel_sheets(
    month: Month, lists: dict[str, list[Listed]], snap: dict, full_ids: bool, organ: str
) -> list[Sheet]:
    show = (lambda v: v) if full_ids else mask_id
    note = (f"{organ}；" if organ else "") + (
        "含完整身份证号码，仅供部门间核查比对，请妥善保管" if full_ids else "身份证号码已遮挡"
    )
    insured = {True: "是", False: "否", None: "未填报"}
    sheets = []
    for key, title, sheet in LISTS:
        extra = ([Column("户类型", 10), Column("兜底类型变化", 26), Column("记录日期", 12, "date")] if key == "baodi"
                 else [Column("监测类型", 14), Column("风险类型", 18), Column("县级审批日期", 13, "date")])  # fmt: skip
        columns = [Column("序号", 6, "int"), Column("户编号", 10), Column("乡镇", 10), Column("村", 10), Column("户主", 10),
                   *extra, Column("姓名", 10), Column("与户主关系", 10), Column("证件号码", 21), Column("参加基本医保", 10)]  # fmt: skip
        rows: list[list[Any]] = []
        for x in lists[key]:
            middle = (
                [x.category, x.change, x.when]
                if key == "baodi"
                else [x.monitor_type or x.category, x.risk_types, x.when]
            )
            for m in x.members:
                rows.append([len(rows) + 1, x.household_id, x.township, x.village, x.head_name, *middle, m.name,
                             m.relation, show(m.id_number), insured[m.insured]])  # fmt: skip
        sheets.append(
            Sheet(sheet, columns, rows, title=f"{month.label}{title}", note=note, landscape=True)
        )
    total = snap["figures"]
    figures = [
        ["本月新识别纳入监测对象（户）", len(lists["included"])],
        ["本月风险消除（户）", len(lists["eliminated"])],
        ["本月低保、特困变化（户）", len(lists["baodi"])],
        ["正在监测的监测对象（户）", total.monitored],
        ["正在监测的监测对象（人）", total.monitored_persons],
        *[[f"{k}（户）", v] for k, v in sorted(snap["baodi"].items())],
        ["脱贫人口和监测对象应参保（人）", total.covered],
        ["脱贫人口和监测对象已参保（人）", total.insured],
        ["脱贫人口和监测对象基本医保参保率", percent(total.insurance_rate)],
    ]
    sheets.append(Sheet("本月指标", [Column("指标", 36), Column("数值", 14, "int")], figures,
                        title=f"{month.label}指标", note=organ))  # fmt: skip
    return sheets


def make_monthly(run: DocumentRun, month: Month, *, full_ids: bool | None = None, pdf: bool = False,
                 manifest: bool = True) -> MonthlyResult:  # fmt: skip
    """The month's letter and lists: `<县>_2023年9月_监测对象新增退出名单.docx` and `.xlsx`.
    `full_ids`: the workbook's ID numbers in full (None: as `ids.monthly_list` says)."""
    settings = run.settings
    if full_ids is None:
        full_ids = settings.values["ids.monthly_list"] == IDS_FULL
    as_of = min(month.end, run.today)
    ctx = RuleContext(run.dataset, settings.policy, as_of)
    county = scope_name(run, Scope(None))
    parts = parts_of(run, Scope(None), MONTHLY, month.key)
    lists = {
        "included": procedures_in(ctx, "识别纳入", month),
        "eliminated": procedures_in(ctx, "风险消除", month),
        "baodi": baodi_changes(ctx, month),
    }
    snap = _snapshot(ctx, month, as_of)
    stem = safe_filename(f"{county}_{month.label}_监测对象新增退出名单")
    context = letter_context(parts, month, lists, snap, as_of=as_of, today=run.today, full_ids=full_ids,
                             policy=settings.policy)  # fmt: skip
    outputs, docx, template = render_report(run, TEMPLATE, context, stem, pdf=pdf)
    xlsx = run.out_dir / f"{stem}.xlsx"
    write_table_workbook(
        xlsx,
        _excel_sheets(month, lists, snap, full_ids, parts.organ),
        footer=run.meta()["footnote"],
    )
    outputs.append(run.entry(xlsx, sum(len(x.members) for v in lists.values() for x in v)))
    if manifest:
        write_manifest(run.out_dir, run=run.run_info(), outputs=outputs, templates=[template],
                       notes=parts.notes)  # fmt: skip
    return MonthlyResult(county, month, lists["included"], lists["eliminated"], lists["baodi"], outputs, docx,
                         xlsx, parts.notes)  # fmt: skip


def demo(run: DocumentRun) -> list[OutputEntry]:
    return make_monthly(run, parse_month("2023-09")).outputs
