"""Rules of 工作落实 beyond monitoring (seed 第三部分): 公益岗位, 小额信贷, assistance projects."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa

from reportgen.dates import cn_date
from reportgen.rules import Finding, rule
from reportgen.rules.context import RuleContext


def add_years(day: dt.date, years: int) -> dt.date:
    """The same date `years` later (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# ------------------------------------------------------------------------------ 公益岗位
@rule("J-TERM", entity="person")
def job_term(ctx: RuleContext) -> Iterator[Finding]:
    years = int(ctx.policy.value("employment.welfare_job_max_years"))
    for job in ctx.welfare_jobs():
        end = job.end_on or ctx.as_of
        limit = add_years(job.start_on, years)
        if end > limit:
            until = f"至{cn_date(job.end_on)}" if job.end_on else f"截至{cn_date(ctx.as_of)}仍在岗"
            yield ctx.person_finding("J-TERM", ctx.persons.get(job.id_number), job.id_number,
                                     f"“{job.post_name}”{cn_date(job.start_on)}起{until}，超过{years}年（应于{cn_date(limit)}前退岗）")  # fmt: skip


@rule("J-PLACEMENTS", entity="person")
def job_placements(ctx: RuleContext) -> Iterator[Finding]:
    limit = int(ctx.policy.value("employment.welfare_job_max_placements"))
    for job in ctx.welfare_jobs():
        if job.placements is not None and job.placements > limit:
            yield ctx.person_finding("J-PLACEMENTS", ctx.persons.get(job.id_number), job.id_number,
                                     f"“{job.post_name}”为第{job.placements}次安置（不超过{limit}次）")  # fmt: skip


@rule("J-TWO-POSTS", entity="person")
def job_two_posts(ctx: RuleContext) -> Iterator[Finding]:
    limit = int(ctx.policy.value("employment.welfare_job_max_posts_per_person"))
    active: dict[str, list] = defaultdict(list)
    for job in ctx.welfare_jobs():
        if job.start_on <= ctx.as_of and (job.end_on is None or job.end_on >= ctx.as_of):
            active[job.id_number].append(job)
    for id_number, jobs in sorted(active.items()):
        if len(jobs) > limit:
            names = "、".join(f"“{j.post_name}”" for j in sorted(jobs, key=lambda j: j.start_on))
            yield ctx.person_finding(
                "J-TWO-POSTS",
                ctx.persons.get(id_number),
                id_number,
                f"截至{cn_date(ctx.as_of)}同时在岗{len(jobs)}个：{names}",
            )


# ------------------------------------------------------------------------------ 小额信贷
def _loan_finding(ctx: RuleContext, rule_id: str, loan, detail: str) -> Finding:
    # a loan's household exists (the import checks the reference)
    return ctx.household_finding(rule_id, ctx.households[loan.household_id], detail)


@rule("J-SUBSIDY", entity="person")
def job_subsidy(ctx: RuleContext) -> Iterator[Finding]:
    """A post held on the as-of date whose 月补贴 is below the pack's share of the local monthly
    minimum wage (三.四.(二).6: 不低于当地最低工资标准的50%); a blank 月补贴 is not judged."""
    wage = Decimal(str(ctx.policy.value("employment.local_minimum_wage_monthly")))
    share = Decimal(str(ctx.policy.value("employment.welfare_subsidy_min_share")))
    floor = (wage * share).quantize(Decimal("0.01"))
    for job in ctx.welfare_jobs():
        held = job.start_on <= ctx.as_of and (job.end_on is None or job.end_on >= ctx.as_of)
        if held and job.monthly_subsidy is not None and job.monthly_subsidy < floor:
            yield ctx.person_finding(
                "J-SUBSIDY",
                ctx.persons.get(job.id_number),
                job.id_number,
                f"“{job.post_name}”月补贴{job.monthly_subsidy:,.0f}元，低于当地最低工资标准{wage:,.0f}元的"
                f"{share * 100:.0f}%（{floor:,.0f}元）",
            )


# ------------------------------------------------------------------------------ projects
def project_finding(ctx: RuleContext, rule_id: str, p, detail: str) -> Finding:
    villages = ctx.project_villages.get(p.project_no, [])
    first = ctx.place(villages[0]) if villages else ctx.place(None)
    place = "、".join(ctx.place(v).label for v in villages)
    return Finding(rule_id, ctx.rule_title(rule_id), "project", p.project_no, p.name, None, place, detail,
                   first.township_code, villages[0] if villages else "")  # fmt: skip


@rule("P-LINKAGE", entity="project")
def project_linkage(ctx: RuleContext) -> Iterator[Finding]:
    for p in ctx.projects():
        if p.asset_type != "经营性":
            continue
        missing = [
            label
            for label, value in (
                ("联农带农机制", p.farmer_linkage),
                ("绩效目标", p.performance_goal),
            )
            if not value
        ]
        if missing:
            yield project_finding(ctx, "P-LINKAGE", p, f"经营性项目，缺{'、'.join(missing)}")


@rule("P-NO-PUBLICITY", entity="project")
def project_publicity(ctx: RuleContext) -> Iterator[Finding]:
    from reportgen.dataset.schema import notice_items, notices

    with ctx.dataset.engine.connect() as conn:
        published = {
            r[0]
            for r in conn.execute(
                sa.select(notice_items.c.item_key).join(notices, notices.c.id == notice_items.c.notice_id)
                .where(notices.c.kind.in_(("project", "project-result")), notices.c.period_start <= ctx.as_of)
            )
        }  # fmt: skip
    for p in ctx.projects():
        started = p.planned_start is not None and p.planned_start <= ctx.as_of
        if started and p.project_no not in published:
            yield project_finding(
                ctx,
                "P-NO-PUBLICITY",
                p,
                f"计划{cn_date(p.planned_start)}开工，{p.status or '状态未填'}，无项目公示记录",
            )
