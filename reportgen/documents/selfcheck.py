"""季度自查报告 (DOMAIN §4.6): every rule run for a county or township as of a quarter's last day,
as a GB/T 9704 report — 一、基本情况 (the seed's 第四部分 indicators against their targets, by
township), 二、发现的问题 (grouped as the seed groups its 关注问题, with basis, examples and what
changed since the previous self-check), 三、整改措施 — and an .xlsx problem list with a chart.

The run's findings are stored (check_runs/findings), so the next quarter's report can say what was
fixed. The report is a 上行文 (报告, 文件格式) whose 公文 parts come from `[issuer]`
(documents/issuer.py). It is read outside the office: ID numbers in it are masked, and so are
those in the problem list attached to it unless `ids.selfcheck_list = "完整"`. The body speaks the
policy's words, from the policy pack (texts `[report]` and each rule's): rule codes and section
numbers of the pack's source document stay in the .xlsx.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import sqlalchemy as sa

from reportgen.config import IDS_FULL
from reportgen.dataset.schema import TABLES, check_runs, findings
from reportgen.documents.common import DocumentRun
from reportgen.documents.indicators import (
    HOUSING_RULE,
    WATER_RULE,
    Indicators,
    compute_indicators,
    dropout_text,
    percent,
)
from reportgen.documents.issuer import SELFCHECK, Form, OfficialParts, official_parts
from reportgen.documents.report_blocks import (
    REPORT_SAMPLE,
    Blocks,
    chinese_number,
    cn,
    mask_ids,
    render_report,
    widths,
)
from reportgen.engine import (
    OutputEntry,
    declare_template,
    safe_filename,
    write_manifest,
)
from reportgen.errors import ConfigError
from reportgen.packs import read_toml
from reportgen.rules import Finding, Rule, canonical_id
from reportgen.rules.context import RuleContext
from reportgen.rules.docs import rule_order
from reportgen.rules.runs import (
    Comparison,
    Scope,
    check,
    compare_with_previous,
    select_rules,
    store_run,
)

TEMPLATE = "季度自查报告"
KIND = "selfcheck"
FIX_FILE = "整改措施.toml"  # in the workspace's rules/ folder, beside the county's own rules
EXAMPLES = 3
QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")
UNITS = {"household": "户", "person": "人", "student": "名学生", "project": "个项目",
         "dropout_case": "名学生", "township": "个乡镇"}  # fmt: skip
KEY_LABELS = {"household": "户编号", "person": "证件号码", "student": "学籍号", "project": "项目编号",
              "dropout_case": "学籍号", "township": "区划代码"}  # fmt: skip

declare_template(TEMPLATE, "docx", sample=REPORT_SAMPLE,
                 description="季度自查报告：公文格式，正文为分级标题、段落、表格的序列，末尾落款")  # fmt: skip


# ------------------------------------------------------------------------------------ quarters
@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1–4

    @property
    def label(self) -> str:
        return f"{self.year}年{QUARTER_NAMES[self.number - 1]}"

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        if self.number == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.number + 1, 1) - dt.timedelta(days=1)


_QUARTER = re.compile(r"^(\d{4})\s*[-_ ]?\s*[Qq]\s*([1-4])$")
_QUARTER_CN = re.compile(r"^(\d{4})\s*年\s*第?\s*([1-4一二三四])\s*季度?$")


def parse_quarter(text: str) -> Quarter:
    """`2023Q3` (also `2023-Q3`, `2023q3`, `2023年第三季度`) → Quarter; anything else is a ConfigError."""
    value = (text or "").strip()
    m = _QUARTER.match(value) or _QUARTER_CN.match(value)
    if m is None:
        raise ConfigError(
            f"季度写法不对：{text}。请写成“2023Q3”（年份、字母 Q、季度 1—4），或“2023年第三季度”"
        )
    number = "一二三四".find(m.group(2)) + 1 if m.group(2) in "一二三四" else int(m.group(2))
    return Quarter(int(m.group(1)), number)


# ------------------------------------------------------------------------------------ 整改措施 text
def fix_file(workspace: Path | None) -> Path | None:
    return workspace / "rules" / FIX_FILE if workspace else None


def load_fix_texts(workspace: Path | None) -> dict[str, str]:
    """The county's own 整改措施 text per rule id, from rules/整改措施.toml (absent file: none)."""
    path = fix_file(workspace)
    if path is None or not path.is_file():
        return {}
    data = read_toml(path, "整改措施文件")
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    if bad:
        raise ConfigError(
            f"整改措施文件 {path} 中 {'、'.join(bad)} 的值应为一段文字（用英文双引号括起来）"
        )
    # rule ids as they were (M-IDENT-15) name the same rule as the stable codes (M-IDENT)
    return {canonical_id(k): v.strip() for k, v in data.items() if v.strip()}


def write_fix_texts(workspace: Path, rules: list[Rule], *, policy, overwrite: bool = False) -> Path:
    """Write rules/整改措施.toml with every rule's built-in text, for the county to edit; the
    comments cite each rule's section of `policy`'s source document."""
    path = workspace / "rules" / FIX_FILE
    if path.exists() and not overwrite:
        raise ConfigError(f"{path} 已存在；如要按内置文字重写请加 --force")
    lines = [
        "# 季度自查报告“三、整改措施”中每条规则的文字。",
        "# 改写引号里的文字即可；删去一行则该规则用内置文字。规则编号见 reportgen rules list。",
        "",
    ]
    source = policy.text("source.name")  # the pack's source document, before its section numbers
    for r in rules:
        lines += [f"# {r.title}（{r.group}，{source} {r.seed}）", f"{json.dumps(r.id)} = {json.dumps(r.fix, ensure_ascii=False)}", ""]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------ run ledger
def _store(run: DocumentRun, scope: Scope, as_of: dt.date, label: str, found: list[Finding]) -> int:
    """Store this run, replacing any earlier run of the same scope and quarter: re-running a quarter
    after fixing data (or after a run before the quarter ended) leaves one record of it."""
    with run.dataset.engine.begin() as conn:
        old = [
            r[0]
            for r in conn.execute(
                sa.select(check_runs.c.id).where(
                    check_runs.c.kind == KIND,
                    check_runs.c.scope == scope.code,
                    check_runs.c.label == label,
                )
            )
        ]
        if old:
            conn.execute(findings.delete().where(findings.c.run_id.in_(old)))
            conn.execute(check_runs.delete().where(check_runs.c.id.in_(old)))
    return store_run(run.dataset, KIND, scope, as_of, label, found)


# ------------------------------------------------------------------------------------ the report
@dataclass
class SelfCheck:
    """Everything one report says; the .docx and the .xlsx are written from it."""

    name: str  # 青山县 / 城关镇
    quarter: Quarter
    as_of: dt.date
    rules: list[Rule]
    found: list[Finding]
    comparison: Comparison
    previous: set[tuple[str, str, str]]
    figures: Indicators
    fixes: dict[str, str]
    township_names: dict[str, str] = field(default_factory=dict)
    groups: tuple[str, ...] = ()  # the policy pack's problem groups, in order

    def of_rule(self, rule_id: str) -> list[Finding]:
        return self._by_rule.get(rule_id, [])

    @cached_property
    def _by_rule(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for f in self.found:
            out.setdefault(f.rule, []).append(f)
        return out

    def status(self, f: Finding) -> str:
        if not self.comparison.previous_label:
            return ""
        return "仍未整改" if (f.rule, f.entity, f.key) in self.previous else "新增"


@dataclass
class SelfCheckResult:
    outputs: list[OutputEntry]
    report: SelfCheck
    run_id: int
    docx: Path
    xlsx: Path
    notes: list[str] = field(default_factory=list)  # 公文 parts left blank, one line each


def scope_name(run: DocumentRun, scope: Scope) -> str:
    if scope.place is not None:
        return scope.place.name
    name = run.settings.values.get("county.name")
    if name:
        return name
    regions = TABLES["regions"]
    with run.dataset.engine.connect() as conn:
        found = conn.execute(
            sa.select(regions.c.name).where(regions.c.level == "县").limit(1)
        ).scalar()
    return found or "全县"


def parts_of(run: DocumentRun, scope: Scope, form: Form, period: str) -> OfficialParts:
    """The 公文 parts of `form` for `scope` and `period` (Quarter.key, Month.key): the county's
    from `[issuer]`; a township's (or village's) organ is its name and the office suffix."""
    organ = None
    if scope.place is not None:
        values = run.settings.values
        suffix = values["offices.township_suffix" if scope.place.level == "乡" else "offices.village_suffix"]  # fmt: skip
        organ = scope.place.name + suffix
    return official_parts(run.settings.values, form, dataset=run.dataset, today=run.today, organ=organ,
                          document=f"{form.kind}|{scope.code}|{period}")  # fmt: skip


def make_selfcheck(
    run: DocumentRun,
    scope: Scope,
    quarter: Quarter,
    *,
    pdf: bool = False,
    manifest: bool = True,
    progress=None,
    workers: int = 1,
    full_ids: bool | None = None,
) -> SelfCheckResult:
    """Run every rule for `scope` as of the quarter's last day (today, if the quarter is not over),
    compare with the previous self-check, store the findings, write the report and the list;
    progress(n) as rules finish. `workers` > 1: a county self-check runs its townships in that
    many processes (rules/partition.py), and the list is written by a process of its own while
    this one stores the run and writes the report; the result is the same. `full_ids`: the
    list's ID numbers in full (None: as `ids.selfcheck_list` says)."""
    from reportgen.documents.selfcheck_xlsx import write_problem_list
    from reportgen.workers import beside

    settings = run.settings
    as_of = min(quarter.end, run.today)
    rules = rule_order(
        select_rules(settings.workspace, policy=settings.policy), settings.policy.groups
    )
    ctx = RuleContext(run.dataset, settings.policy, as_of)  # the tables are loaded once for both
    found = check(settings, run.dataset, scope, as_of, ctx=ctx, progress=progress,
                  workers=workers, start=quarter.start)  # fmt: skip
    # Before storing: the run of the same quarter that this one replaces is not "the previous".
    comparison = compare_with_previous(run.dataset, KIND, scope, as_of, quarter.label, found)
    figures = compute_indicators(ctx, scope, quarter.start, as_of, found)
    county = scope_name(run, Scope(None))
    name = scope_name(run, scope) if scope.place else county
    report = SelfCheck(name, quarter, as_of, rules, found, comparison, comparison.keys, figures,
                       {**{r.id: r.fix for r in rules}, **load_fix_texts(settings.workspace)},
                       {code: p.name for code, p in ctx.places.items() if p.code == p.township_code},
                       settings.policy.groups)  # fmt: skip
    del ctx  # the loaded tables are not needed to write the report and the list
    prefix = scope.place.file_label if scope.place else county
    stem = safe_filename(f"{prefix}_{quarter.label}_自查报告")
    parts = parts_of(run, scope, SELFCHECK, quarter.key)
    context = report_context(report, settings.policy, parts, run.today)
    xlsx = run.out_dir / safe_filename(f"{prefix}_{quarter.label}_自查问题清单.xlsx")
    part = xlsx.with_name(f".{xlsx.name}.part")  # renamed once the run is stored
    footer = run.meta()["footnote"]
    if full_ids is None:
        full_ids = settings.values["ids.selfcheck_list"] == IDS_FULL
    try:
        with beside(lambda: write_problem_list(part, report, settings.policy, footer=footer, full_ids=full_ids),
                    fork=workers > 1):  # fmt: skip
            run_id = _store(run, scope, as_of, quarter.label, found)
            outputs, docx, template = render_report(run, TEMPLATE, context, stem, pdf=pdf)
        part.replace(xlsx)
    finally:
        part.unlink(missing_ok=True)
    outputs.append(run.entry(xlsx, len(found)))
    if manifest:
        write_manifest(run.out_dir, run=run.run_info(), outputs=outputs, templates=[template],
                       notes=parts.notes)  # fmt: skip
    return SelfCheckResult(outputs, report, run_id, docx, xlsx, parts.notes)


# ------------------------------------------------------------------------------------ text
def _count(n: int, rule: Rule) -> str:
    return f"{n}{UNITS.get(rule.entity, '个')}"


def example_text(f: Finding) -> str:
    """`城关镇/王庄村 王强（户编号 H0029）：…` with any ID number masked."""
    who = (
        f.name
        if f.entity == "township"
        else f"{f.place} {f.name}（{KEY_LABELS.get(f.entity, '编号')}{f.key}）"
    )
    return mask_ids(f"{who}：{f.detail}")


def _comparison_text(report: SelfCheck, rule: Rule) -> str:
    c = report.comparison
    if not c.previous_label:
        return ""
    return (f"与上次自查（{c.previous_label}）相比：新增{_count(c.new[rule.id], rule)}，"
            f"仍未整改{_count(c.persisting[rule.id], rule)}，已整改{_count(c.resolved[rule.id], rule)}。")  # fmt: skip


def _indicator_rows(report: SelfCheck, policy) -> list[list[str]]:
    """Table 1: each indicator's name and target as the pack words them (texts
    `[report.indicators.*]`), what the data show, and the verdict."""
    fig, total = report.figures, report.figures.total
    target_rate = float(policy.value("health.insurance_rate_min"))
    target_share = float(policy.value("projects.industry_share_min"))
    rate = total.insurance_rate
    share = fig.industry_share
    share_scope = "本县" if report.figures.area_level == "乡镇" else "本乡镇"

    def words(key: str) -> list[str]:
        return [policy.text(f"report.indicators.{key}.{part}") for part in ("name", "target")]

    return [
        [*words("insurance"),
         f"{percent(rate)}（参保{total.insured}人/应参保{total.covered}人）",
         "—" if rate is None else ("达标" if rate >= target_rate else "未达标")],
        [*words("dropout"),
         dropout_text(total),
         "已清零" if not total.dropouts_open else "未清零"],
        [*words("housing"),
         f"C/D级危房或无房未改造{total.housing_problems}户", "已清零" if not total.housing_problems else "未清零"],
        [*words("water"),
         f"饮水不达标{total.water_problems}户", "已清零" if not total.water_problems else "未清零"],
        [*words("industry"),
         f"{percent(share)}（{fig.year}年度{share_scope}项目{fig.projects}个，中央衔接资金{fig.central_funds:,.4f}万元，"
         f"其中产业发展{fig.industry_funds:,.4f}万元）",
         "—" if share is None else ("达标" if share >= target_share else "未达标")],
        [*words("income"),
         (f"工资性收入占{percent(total.wage_share, 1)}、生产经营性收入占{percent(total.business_share, 1)}"
          f"（填报了收入构成的脱贫户{total.income_households}户）") if total.income_households
         else "数据未填人均工资性收入、人均生产经营性收入",
         "—"],
    ]  # fmt: skip


def _area_rows(report: SelfCheck, policy) -> list[list[str]]:
    target = float(policy.value("health.insurance_rate_min"))
    rows = []
    for a in [*report.figures.areas, report.figures.total]:
        rate = a.insurance_rate
        rate_text = percent(rate) + ("\n未达标" if rate is not None and rate < target else "")
        name = "合计" if a is report.figures.total else a.name
        rows.append([name, str(a.monitored), str(a.identified), str(a.eliminated), rate_text,
                     str(a.dropouts_open), str(a.housing_problems), str(a.water_problems)])  # fmt: skip
    return rows


def _same_as_rules(report: SelfCheck) -> str:
    """The table note tying the housing and water columns to the problems of part 二 (by title)."""
    titles = [r.title for rid in (HOUSING_RULE, WATER_RULE) for r in report.rules if r.id == rid]
    if not titles:
        return ""
    return f"住房、饮水安全问题户数与下文{''.join(f'“{t}”' for t in titles)}问题的户数一致。"


def report_context(report: SelfCheck, policy, parts: OfficialParts, today: dt.date) -> dict:
    """The report's template context: 版头, title, 主送机关, body blocks, 落款 and 附注. The body
    cites policy by 文件名称 and 文号 (the policy's [basis]); no rule codes, no section numbers.
    The words that quote policy (opening, subject, table 1) are the pack's texts `[report]`."""
    q, fig, total = report.quarter, report.figures, report.figures.total
    b = Blocks()
    b.p(policy.text("report.opening", name=report.name, as_of=cn(report.as_of)))

    b.h1("一、基本情况")
    period_end = report.as_of
    b.p(f"{report.name}共有{len(fig.areas)}个{fig.area_level}，脱贫户{total.poor_households}户，正在监测的监测对象"
        f"{total.monitored}户{total.monitored_persons}人。{q.label}（{cn(q.start)}至{cn(period_end)}）新识别纳入监测对象"
        f"{total.identified}户，风险消除{total.eliminated}户。")  # fmt: skip
    b.h2("（一）主要指标完成情况")
    b.table(f"表1  {policy.text('report.indicators_caption')}", ["指标", "目标", "完成情况", "结论"],
            _indicator_rows(report, policy), widths([26, 22, 40, 12]), ["left", "left", "left", "center"])  # fmt: skip
    b.h2(f"（二）分{fig.area_level}情况")
    b.table(f"表2  分{fig.area_level}主要指标", [fig.area_level, "正在监测（户）", "本季度新识别（户）", "本季度风险消除（户）",
            "脱贫人口和监测对象参保率", "辍学未清零（人）", "住房安全问题（户）", "饮水安全问题（户）"],
            _area_rows(report, policy), widths([16, 12, 12, 12, 16, 11, 11, 11]),
            after="注：参保率按脱贫户、监测户全部成员计算；辍学按学生所在户的村统计（未关联到户的按学校所在地）。"
                  + _same_as_rules(report))  # fmt: skip

    _problems(b, report, policy)
    _measures(b, report)
    # 附件说明 (GB/T 9704-2012 7.3.4): one attachment, so no number.
    b.p(f"{report.name}{q.label}自查问题清单", lead="附件：")
    b.signature(parts.signature, today)
    b.p(parts.annotation)  # 附注 (7.3.6): one line below the date, two characters in
    # The organ in the title is the one in the 落款. Broken where a reader pauses: a 2号 title
    # line holds about 20 characters.
    subject = f"{q.label}\n{policy.text('report.subject')}"
    title = f"{parts.organ}关于{subject}" if parts.organ else f"关于{report.name}{subject}"
    return {
        "doc_number": "",
        "letterhead": parts.letterhead,
        "title": title,
        "recipient": parts.recipient,
        "blocks": b.items,
    }


def _problems(b: Blocks, report: SelfCheck, policy) -> None:
    b.h1("二、发现的问题")
    c = report.comparison
    hit = [r for r in report.rules if report.of_rule(r.id)]
    serious = sum(len(report.of_rule(r.id)) for r in hit if r.severity == "严重")
    custom = sum(1 for r in report.rules if not r.builtin)
    text = (f"截至{cn(report.as_of)}，对照{len(report.rules)}项自查内容" + (f"（其中本县自定义{custom}项）" if custom else "")
            + f"逐项检查，共发现问题{len(report.found)}个，涉及{len(hit)}项，其中严重问题{serious}个。")  # fmt: skip
    if c.previous_label:
        text += (f"与上次自查（{c.previous_label}）相比，新增{sum(c.new.values())}个，仍未整改{sum(c.persisting.values())}个，"
                 f"已整改{sum(c.resolved.values())}个。")  # fmt: skip
    b.p(text)
    shown = [r for r in report.rules if report.of_rule(r.id) or c.resolved[r.id]]
    if shown:
        rows = [[str(i), r.title, r.group, r.severity, str(len(report.of_rule(r.id))),
                 *([str(c.new[r.id]), str(c.persisting[r.id]), str(c.resolved[r.id])] if c.previous_label else [])]
                for i, r in enumerate(shown, start=1)]  # fmt: skip
        columns = ["序号", "问题", "方面", "程度", "问题数"] + (
            ["新增", "仍未整改", "已整改"] if c.previous_label else []
        )
        shares = [7, 45, 13, 9, 9] + ([9, 9, 9] if c.previous_label else [])
        b.table(
            "表3  发现问题汇总",
            columns,
            rows,
            widths(shares),
            ["center", "left"] + ["center"] * (len(columns) - 2),
        )
    for gi, group in enumerate(report.groups, start=1):
        b.h2(f"（{chinese_number(gi)}）{group}方面")
        in_group = [r for r in report.rules if r.group == group and report.of_rule(r.id)]
        if not in_group:
            b.p("未发现问题。")
        for i, r in enumerate(in_group, start=1):
            items = report.of_rule(r.id)
            examples = "；".join(example_text(f) for f in items[:EXAMPLES])
            more = f"等，共{_count(len(items), r)}" if len(items) > EXAMPLES else ""
            b.p(f"政策依据：{r.basis_text(policy)}。{_comparison_text(report, r)}"
                f"主要有：{examples}{more}。", lead=f"{i}.{r.title}（{_count(len(items), r)}，{r.severity}）。")  # fmt: skip
        fixed = [
            r
            for r in report.rules
            if r.group == group and not report.of_rule(r.id) and c.resolved[r.id]
        ]
        if fixed:
            names = "、".join(f"“{r.title}”{_count(c.resolved[r.id], r)}" for r in fixed)
            b.p(f"上次自查（{c.previous_label}）发现的{names}已全部整改。")


def _measures(b: Blocks, report: SelfCheck) -> None:
    b.h1("三、整改措施")
    hit = [r for r in report.rules if report.of_rule(r.id)]
    if not hit:
        b.p("本次自查未发现问题。继续按季度开展数据自查，发现问题及时整改。")
        return
    b.p(
        "针对自查发现的问题，逐条明确整改措施，建立问题清单（见附件），实行销号管理，下季度自查时逐条核销。"
    )
    for i, r in enumerate(hit, start=1):
        b.p(report.fixes.get(r.id) or r.fix or "逐条核实，限期整改。", lead=f"{i}.{r.title}。")


def demo(run: DocumentRun) -> list[OutputEntry]:
    from reportgen.rules.runs import make_scope

    return make_selfcheck(run, make_scope(run.dataset), parse_quarter("2023Q3")).outputs
