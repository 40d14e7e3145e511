"""One dataset, one story (issue 16; DOMAIN §1, §5): every household, student and project that appears
in more than one document of the example county carries, in each of them, the dates, categories and
amounts of the dataset.

One module fixture runs `reportgen demo` once and adds, in the demo's workspace, what the demo does
not make: every household's 明白纸 (`monitor-sheet --county --all`), the year letters of the school
years 2022 and 2023 (`aid-notice --county --year`), and the monitoring notice of every publicity
period the data record (`notice --village … --date <公示开始日期>`), so that notices, 明白纸 and
letters cover every household and student of the data. The tests read the documents back (openpyxl,
python-docx), turn printed text into values (`2023年9月1日` → date, `1,250` → Decimal) and compare
them with the SQLite database and with each other. A failure lists every disagreement: document,
household / student / project, what is printed and what was expected (the data or the other paper).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import load_workbook
from printed import (
    Disagreements,
    as_date,
    closing_period,
    cn_date,
    docx_blocks,
    masked,
    money,
    paragraphs,
    records,
    small_print,
    table_starting,
    tables,
    text,
    wan,
    workbook_rows,
)

from reportgen.aid.eligibility import eligible_items
from reportgen.aid.students import students_of_school
from reportgen.cli import cli
from reportgen.config import load_settings
from reportgen.dataset import schema
from reportgen.dataset.store import Dataset
from reportgen.dropout import OPEN, Standard, load_cases, standing

TODAY = "2023-10-08"  # the demo's day (reportgen.demo.DEMO_TODAY), for the commands added here
QUARTER = (dt.date(2023, 7, 1), dt.date(2023, 9, 30))  # the demo's self-check: 2023Q3
LEDGER_DAY = dt.date(2023, 10, 1)  # the demo's 控辍保学台账
MONTH = (dt.date(2023, 9, 1), dt.date(2023, 9, 30))  # the demo's monthly list: 2023-09
REPORT = "自查报告/青山县_2023年第三季度_自查报告.docx"
PROBLEM_LIST = "自查报告/青山县_2023年第三季度_自查问题清单.xlsx"
MONTHLY = "月报/青山县_2023年9月_监测对象新增退出名单"  # .docx letter, .xlsx lists
LEDGER = "控辍保学/控辍保学台账_青山县_2023年10月1日.xlsx"
NOTICE_KIND = {"识别纳入": "inclusion", "风险消除": "elimination", "整户无劳动能力认定": "baodi"}
PROJECT_STATUS = {"project": (None, "计划", "实施中"), "project-result": ("已完工", "已验收")}
FUNDS = (("中央", "fund_central"), ("省级", "fund_province"), ("市级", "fund_city"),
         ("县级", "fund_county"), ("整合", "fund_integrated"), ("其他", "fund_other"))  # fmt: skip
CLEARED = ("已复学", "超龄离校", "已销号")
DEFERRED = ("延缓入学", "休学")


# ------------------------------------------------------------------------------- the county
@dataclass
class County:
    out: Path  # the demo's output folder
    workspace: Path
    dataset: Dataset
    demo_output: str
    notice_runs: dict[tuple[str, str, dt.date], str] = field(default_factory=dict)
    all_sheets: Path = Path()
    letters: dict[int, Path] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict)

    def rows(self, table: str) -> list:
        if table not in self._cache:
            t = schema.TABLES.get(table) if table in schema.TABLES else getattr(schema, table)
            with self.dataset.engine.connect() as conn:
                self._cache[table] = list(conn.execute(sa.select(t)))
        return self._cache[table]

    def by(self, table: str, key: str) -> dict:
        return {getattr(r, key): r for r in self.rows(table)}

    def group(self, table: str, key: str) -> dict[str, list]:
        out = defaultdict(list)
        for r in self.rows(table):
            out[getattr(r, key)].append(r)
        return out

    def region(self, code: str):
        return self.by("regions", "code")[code]

    def township_village(self, village_code: str) -> tuple[str, str]:
        v = self.region(village_code)
        return self.region(v.parent_code).name, v.name

    def path_of(self, village_code: str) -> str:
        return "/".join(self.township_village(village_code))

    def villages_of(self, code: str) -> set[str]:
        """The villages of a place (village, township or county)."""
        level = self.region(code).level
        if level == "村":
            return {code}
        return {r.code for r in self.rows("regions") if r.level == "村" and (level == "县" or r.parent_code == code)}  # fmt: skip

    def monitored(self, h) -> bool:
        """DOMAIN §2: 监测户, or a monitoring type while the risk is not eliminated."""
        return (h.category == "监测户" or h.monitor_type is not None) and not h.risk_eliminated

    def risk_union(self, hid: str) -> str:
        """The risk types of all the household's procedures, first found first."""
        seen: list[str] = []
        for p in sorted(
            self.group("monitoring_procedures", "household_id")[hid], key=lambda p: p.found_on
        ):
            seen += [r for r in (p.risk_types or "").split("、") if r and r not in seen]
        return "、".join(seen)

    def student_household(self, student) -> str | None:
        person = self.by("persons", "id_number").get(student.id_number)
        return person.household_id if person else None

    def import_day(self) -> dt.date:
        return max(r.finished_at for r in self.rows("imports")).date()

    def notices(self, *kinds: str) -> list:
        return [n for n in self.rows("notices") if n.kind in kinds]

    def items_of(self, notice_id: int) -> set[str]:
        return {i.item_key for i in self.rows("notice_items") if i.notice_id == notice_id}

    def problems(self) -> dict[str, tuple[str, str, list[dict]]]:
        """Rule code → (sheet, its key column, rows) of the self-check's problem list."""
        path = self.out / PROBLEM_LIST
        return {
            r["规则编号"]: (r["明细工作表"], workbook_rows(path, r["明细工作表"])[2][3], records(path, r["明细工作表"]))
            for r in records(path, "汇总") if r["明细工作表"]
        }  # fmt: skip


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> County:
    root = tmp_path_factory.mktemp("consistency")
    runner = CliRunner(env={"REPORTGEN_DB": None, "REPORTGEN_TODAY": TODAY})

    def run(*args: str, ok: tuple[int, ...] = (0,)) -> str:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code in ok, result.output
        return result.output

    out = root / "demo"
    demo_output = run("-q", "demo", "--out", str(out))
    ws = out / "_示例工作区"
    with pytest.MonkeyPatch.context() as mp:  # the demo's own SQLite file, as the CLI runs saw it
        mp.delenv("REPORTGEN_DB", raising=False)
        county = County(out, ws, Dataset.open(load_settings(ws).db_url), demo_output)
    county.all_sheets = root / "明白纸_全部"
    run("-C", str(ws), "monitor-sheet", "--county", "--all", "--workers", "1", "--out", str(county.all_sheets))  # fmt: skip
    for year in (2022, 2023):
        county.letters[year] = root / f"告知书_{year}"
        run("-C", str(ws), "aid-notice", "--county", "--year", str(year), "--workers", "1",
            "--out", str(county.letters[year]))  # fmt: skip
    # The monitoring notice of every publicity period the data record (the demo made those of
    # 2023-09-01); one recording a period under 5 days is refused (exit 7), its message kept.
    village = {h.household_id: h.village_code for h in county.rows("households")}
    periods = {(village[p.household_id], p.kind, p.publicity_start) for p in county.rows("monitoring_procedures")
               if p.publicity_start is not None and p.publicity_start != dt.date(2023, 9, 1)}  # fmt: skip
    for code, kind, start in sorted(periods):
        county.notice_runs[(code, kind, start)] = run(
            "-C", str(ws), "notice", "--village", code, "--kind", NOTICE_KIND[kind],
            "--date", start.isoformat(), "--out", str(root / "公示"), ok=(0, 7))  # fmt: skip
    county._cache.clear()  # the notices wrote their records
    yield county
    county.dataset.dispose()


PUBLICITY_TEXT = re.compile(r"(?:识别纳入|风险消除|整户无劳动能力认定)?公示(\d{4}年\d{1,2}月\d{1,2}日)至(\d{4}年\d{1,2}月\d{1,2}日)")  # fmt: skip
STEP_FIELD = {"风险发现": "found_on", "入户核实": "verified_on", "公示开始": "publicity_start",
              "公示结束": "publicity_end", "乡级审核": "township_reviewed_on",
              "县级审批": "county_approved_on", "公告": "announced_on", "系统录入": "entered_on",
              "帮扶计划": "plan_on"}  # fmt: skip
STEP_TEXT = re.compile(rf"({'|'.join(STEP_FIELD)})(\d{{4}}年\d{{1,2}}月\d{{1,2}}日)")


def procedure_dates(detail: str) -> tuple[str | None, dict[str, dt.date]]:
    """The procedure kind and the procedure dates a problem's text names ('截至…' is no step)."""
    kind = next((k for k in NOTICE_KIND if k in detail), None)
    named = {STEP_FIELD[label]: cn_date(day) for label, day in STEP_TEXT.findall(detail)}
    for start, end in PUBLICITY_TEXT.findall(detail):
        named |= {"publicity_start": cn_date(start), "publicity_end": cn_date(end)}
    return kind, named


def period_text(start: dt.date, end: dt.date) -> str:
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日（共{(end - start).days + 1}天）"  # fmt: skip


# ------------------------------------------------------------------------------- 1. monitoring notices
def test_monitoring_notices_print_the_households_and_periods_of_the_data(county):
    """Each listed household's 户主, 家庭人口, 监测类型 (待认定 before approval), 风险类型 and date,
    and the notice's 公示期, are the household's and those of the procedure whose recorded period
    it is; the rows are the households recorded for the notice; the .xlsx prints the same table.
    Every recorded period of at least 5 days is on its notice, a shorter one on none."""
    bad = Disagreements()
    households = county.by("households", "household_id")
    members = Counter(p.household_id for p in county.rows("persons"))
    procedures = county.group("monitoring_procedures", "household_id")
    listed: set[tuple[str, str]] = set()
    issued = county.notices(*NOTICE_KIND.values())
    assert len(issued) >= 20, "the fixture should have issued the notice of every recorded period"
    for n in issued:
        path = Path(n.file)
        kind = next(k for k, v in NOTICE_KIND.items() if v == n.kind)
        start, end, days = closing_period(path, "公示期")
        same = bad.about(path.name, "公示期")
        same("start–end (notice record)", (start, end), (n.period_start, n.period_end))
        same("days", days, (end - start).days + 1)
        (printed,) = tables(path)
        # a line break in a cell is layout (a two-line header, 2023年 / 9月1日), not data
        table = [[c.replace("\n", "") for c in r] for r in printed]
        rows = {r[table[0].index("户主")]: dict(zip(table[0], r)) for r in table[1:]}
        assert len(rows) == len(table) - 1, f"{path.name}: two households with one 户主 name"
        same(".xlsx rows", [[text(v) for v in r["_cells"]] for r in records(path.with_suffix(".xlsx"))], table[1:])  # fmt: skip
        same(".xlsx 公示期", workbook_rows(path.with_suffix(".xlsx"))[1][0].split("；")[0], f"公示期：{period_text(start, end)}")  # fmt: skip
        keys = county.items_of(n.id)
        same("户主 (notice_items)", sorted(rows), sorted(households[k].head_name for k in keys))
        for key in keys:
            h, row = households[key], rows.get(households[key].head_name)
            procs = [
                p for p in procedures[key] if p.kind == kind and p.publicity_start == n.period_start
            ]
            same = bad.about(path.name, f"{key} {h.head_name}")
            if row is None or not same(f"{kind} procedures with this 公示开始日期", len(procs), 1):
                continue
            p = procs[0]
            listed.add((key, kind))
            same("公示结束日期", n.period_end, p.publicity_end)
            same("家庭人口", row["家庭人口"], f"{members[key]}人")
            # 识别纳入: the type exists only from the county's approval; as of the notice's day.
            decided = p.county_approved_on is not None and p.county_approved_on <= n.period_start
            expected_type = (
                (h.monitor_type if decided and h.monitor_type else "待认定")
                if kind == "识别纳入"
                else h.monitor_type or "—"
            )
            same("监测类型", row["监测类型"], expected_type)
            same("风险类型", row["风险类型"], p.risk_types or "—")
            date_head = table[0][-1]
            day = {"风险发现日期": p.found_on, "入户核查日期": p.verified_on or p.found_on}[
                date_head
            ]
            same(date_head, as_date(row[date_head]), day)
    for p in county.rows("monitoring_procedures"):
        if p.publicity_start and p.publicity_end:
            long_enough = (p.publicity_end - p.publicity_start).days + 1 >= 5
            bad.same("notices", f"{p.household_id} {p.kind} {p.publicity_start}", "on a notice",
                     (p.household_id, p.kind) in listed, long_enough)  # fmt: skip
    bad.check()


def test_refused_notices_and_the_problem_list_tell_the_same_publicity(county):
    """A recorded period under 5 days: the notice of that day is refused naming the household and the
    recorded dates (the demo's own: H0204 王永刚 9月1日至9月4日), and the problem list's 公示 finding
    prints the same dates; a procedure past the village stage without dates is on no notice and
    listed as having none."""
    bad = Disagreements()
    households = county.by("households", "household_id")
    _, _, rows = county.problems()["M-PUBLICITY"]
    findings = {r["_cells"][3]: r["问题说明"] for r in rows}
    noticed = {k for n in county.notices(*NOTICE_KIND.values()) for k in county.items_of(n.id)}
    short = []
    for p in county.rows("monitoring_procedures"):
        h = households[p.household_id]
        who = f"{p.household_id} {h.head_name}"
        same = bad.about("problem list 公示少于5天", who)
        if p.publicity_start and p.publicity_end:
            if (p.publicity_end - p.publicity_start).days + 1 >= 5:
                continue
            short.append(p.household_id)
            said = f"{who} {period_text(p.publicity_start, p.publicity_end)}"
            output = county.notice_runs.get(
                (h.village_code, p.kind, p.publicity_start), county.demo_output
            )
            if said not in output:
                bad.add(
                    f"notice of {p.publicity_start} · {who}: the refusal does not say {said!r}:\n{output}"
                )
            kind, named = procedure_dates(findings.get(p.household_id, ""))
            same("公示期", (kind, named.get("publicity_start"), named.get("publicity_end")),
                 (p.kind, p.publicity_start, p.publicity_end))  # fmt: skip
            same("on a notice", p.household_id in noticed, False)
        elif p.county_approved_on or p.township_reviewed_on:
            same("没有公示起止日期", "没有公示起止日期" in findings.get(p.household_id, ""), True)
            same("on a notice", p.household_id in noticed, False)
    assert "H0204" in short, "the example county records H0204's 4-day publicity (DOMAIN §5)"
    assert "H0204 王永刚 2023年9月1日至2023年9月4日（共4天）" in county.demo_output
    bad.check()


# ------------------------------------------------------------------------------- 2. the problem list
def test_problem_list_names_and_dates_are_the_data(county):
    """Every row of every rule's sheet names its household / student / person / project as the data
    do (名称, 户编号, 乡镇/村, masked ID), every procedure date its text names (风险发现, 公示, 县级审批,
    系统录入 …) is that procedure's date, and a household also on a monitoring notice shows the
    notice's publicity dates."""
    bad = Disagreements()
    households = county.by("households", "household_id")
    students = county.by("students", "student_no")
    schools = county.by("schools", "school_code")
    projects = county.by("projects", "project_no")
    persons = county.group("persons", "household_id")
    procedures = county.group("monitoring_procedures", "household_id")
    places = county.group("project_places", "project_no")
    noticed = {(k, n.kind): (n.period_start, n.period_end)
               for n in county.notices(*NOTICE_KIND.values()) for k in county.items_of(n.id)}  # fmt: skip
    dated = 0
    for rule, (_, key_head, rows) in county.problems().items():
        for r in rows:
            # a household's sheet has its 户编号 once, as the key; the others have a 户编号 column
            hid = r["_cells"][3] if key_head == "户编号" else r["户编号"]
            key, name, where, detail = r["_cells"][3], r["名称"], r["地点/学校"], r["问题说明"]
            same = bad.about(f"problem list {rule}", f"{key} {name}")
            if key_head == "户编号":
                h = households[key]
                same(
                    "户主/户编号/乡镇村",
                    (name, hid, where),
                    (h.head_name, key, county.path_of(h.village_code)),
                )
                kind, named = procedure_dates(detail)
                if not named:
                    continue
                dated += 1
                if not any(all(getattr(p, f) == d for f, d in named.items()) for p in procedures[key] if kind in (None, p.kind)):  # fmt: skip
                    bad.add(f"problem list {rule} · {key} {name}: dates {named} are no {kind or ''} procedure's: "
                            f"{[(p.kind, p.found_on, p.publicity_start, p.county_approved_on) for p in procedures[key]]}")  # fmt: skip
                if "publicity_start" in named and (key, NOTICE_KIND[kind]) in noticed:
                    same("公示期 (notice)", (named["publicity_start"], named["publicity_end"]), noticed[(key, NOTICE_KIND[kind])])  # fmt: skip
            elif key_head == "学籍号":
                s = students[key]
                same("姓名/学校/户编号", (name, where, hid), (s.name, schools[s.school_code].name, county.student_household(s)))  # fmt: skip
            elif key_head == "证件号码":
                # two members may share a name (the example county has two 杨鹏 in one household):
                # the masked 证件号码 tells which one the row means
                named = [p for p in persons[hid] if p.name == name]
                same("a person of the household with this name", bool(named), True)
                same("证件号码 (masked) of one of them", key in {masked(p.id_number) for p in named}, True)
            elif key_head == "项目编号":
                p = projects[key]
                same("项目名称/实施地点", (name, where), (p.name, "、".join(county.path_of(pp.village_code) for pp in places[key])))  # fmt: skip
    assert dated >= 6, "the example county's procedure findings should have been compared"
    bad.check()


def test_report_and_problem_list_quote_the_same_findings(county):
    """The report's 发现问题汇总 counts are the problem list's (汇总 sheet and the rows of each rule's
    sheet), and each finding the report quotes (名称（户编号…）：…) is the problem list's text."""
    bad = Disagreements()
    report = county.out / REPORT
    problems = county.problems()
    summary = {r["问题"]: r for r in records(county.out / PROBLEM_LIST, "汇总")}
    for row in table_starting(report, "序号", "问题")[1:]:
        title, count, rule = row[1], int(row[-1]), summary[row[1]]["规则编号"]
        bad.same("report 表3", title, "问题数 (汇总 sheet)", count, summary[title]["问题数"])
        if rule in problems:
            bad.same(
                "report 表3", title, "问题数 (rows of its sheet)", count, len(problems[rule][2])
            )
    quoted = 0
    titles = {r["规则编号"]: title for title, r in summary.items()}
    for rule, (_, key_head, rows) in problems.items():
        section = next(
            (p for p in paragraphs(report) if re.match(rf"\d+\.{re.escape(titles[rule])}（", p)), ""
        )
        for r in rows:
            mark = f"{r['名称']}（{key_head}{r['_cells'][3]}）："
            if mark in section:
                quoted += 1
                said = section.split(mark, 1)[1]
                if not said.startswith(r["问题说明"]):
                    bad.add(
                        f"report · {rule} {r['_cells'][3]}: says {said[:80]!r}, the list {r['问题说明']!r}"
                    )
    assert quoted >= 20
    bad.check()


# ------------------------------------------------------------------------------- 3. 明白纸
BLANK_LINE = re.compile(r"^＿+$")


def card_facts(table: list[list[str]]) -> dict[str, str]:
    """The 明白卡's 家庭基本情况 table as label → value (a merged value cell repeats itself)."""
    facts = {}
    for row in table:
        facts[row[0]] = row[1]
        if len(row) == 4 and row[2] != row[1]:
            facts[row[2]] = row[3]
    return {k: ("" if BLANK_LINE.match(v) else v) for k, v in facts.items()}


def household_pages(path: Path) -> list[tuple[str, str, dict]]:
    """(户编号, 'card' | 'paper', facts) in print order: a monitored household's 明白卡 (its facts,
    members and measures tables) or another household's one-page 申报政策明白纸 (its head line)."""
    pages: list[tuple[str, str, dict]] = []
    blocks = docx_blocks(path)
    for i, (kind, block) in enumerate(blocks):
        if kind == "p" and (m := re.fullmatch(r"(\S+村)　户主：(\S+)　户编号：(\S+)", block)):
            pages.append((m.group(3), "paper", {"村": m.group(1), "户主": m.group(2)}))
        elif kind == "t" and block[0][0] == "户主":
            facts: dict = card_facts(block)
            following = []
            for k, b in blocks[i + 1 :]:
                if k == "t" and b[0][0] == "户主" or k == "p" and b.startswith("防止返贫监测"):
                    break  # the next page
                following += [b] if k == "t" else []
            facts["_members"] = next((t[1:] for t in following if t[0][0] == "姓名"), [])
            facts["_measures"] = next((t[1:] for t in following if t[0][:2] == ["序号", "措施类别"]), [])  # fmt: skip
            pages.append((facts["户编号"], "card", facts))
    return pages


def rosters(folder: Path) -> dict[str, dict]:
    """户编号 → roster row, over every village roster in the folder."""
    return {r["户编号"]: r | {"_file": p.name}
            for p in sorted(folder.glob("防止返贫监测明白纸名单_*.xlsx")) for r in records(p)}  # fmt: skip


def test_monitor_sheets_and_rosters_show_the_households_of_the_data(county):
    """Roster and 明白卡 of each household: 户主, 户类型, 监测类型, 风险类型, dates, 帮扶责任人, members and
    measures are the data's; the demo's sheets are for the monitored households, `--all` for every
    household; a monitored household gets the 明白卡, a 脱贫户 not monitored its 脱贫人口明白卡 and the
    申报政策明白纸, the others the one-page 申报政策明白纸."""
    bad = Disagreements()
    households = county.by("households", "household_id")
    persons = county.group("persons", "household_id")
    measures = county.group("measures", "household_id")
    procedures = county.group("monitoring_procedures", "household_id")
    monitored = {k for k, h in households.items() if county.monitored(h)}
    cards = monitored | {k for k, h in households.items() if h.category == "脱贫户"}
    for folder, expected in (
        (county.out / "防止返贫监测明白纸", monitored),
        (county.all_sheets, set(households)),
    ):
        roster = rosters(folder)
        bad.same(folder.name, "roster", "households", sorted(roster), sorted(expected))
        for hid, r in roster.items():
            h = households[hid]
            same = bad.about(f"{folder.name}/{r['_file']}", f"{hid} {h.head_name}")
            same("户主/户类型/监测类型", (r["户主"], r["户类型"], r["监测类型"] or None), (h.head_name, h.category, h.monitor_type))  # fmt: skip
            same("风险类型", r["风险类型"] or "", county.risk_union(hid))
            same("帮扶责任人", r["帮扶责任人"] or None, h.helper_name)
            same(
                "帮扶措施数/页数",
                (r["帮扶措施数"], r["页数"]),
                (len(measures[hid]), 2 if hid in cards else 1),
            )
        printed = []
        for path in sorted(folder.glob("防止返贫监测明白纸_*.docx")):
            for hid, kind, facts in household_pages(path):
                h = households[hid]
                same = bad.about(f"{folder.name}/{path.name}", f"{hid} {h.head_name}")
                if kind == "paper" and printed and printed[-1] == hid:  # a 脱贫户's card, then its paper
                    same("pages", "card+paper", "card+paper" if hid in cards and hid not in monitored else "?")
                    same("村", facts["村"], "".join(county.township_village(h.village_code)))
                    continue
                printed.append(hid)
                same("page", kind, "card" if hid in cards else "paper")
                same("户主", facts["户主"], h.head_name)
                if kind == "paper":
                    same("村", facts["村"], "".join(county.township_village(h.village_code)))
                    continue
                latest = {p.kind: p for p in sorted(procedures[hid], key=lambda p: p.found_on)}
                identified, eliminated = latest.get("识别纳入"), latest.get("风险消除")
                same(
                    "户类型",
                    facts["户类型"],
                    h.category + (f"（{h.monitor_type}）" if h.monitor_type else ""),
                )
                same("家庭人口", facts["家庭人口"], f"{len(persons[hid])}人")
                same("风险类型", facts["风险类型"],
                     county.risk_union(hid) or ("" if hid in monitored else "—（未纳入监测）"))  # fmt: skip
                same(
                    "风险发现日期",
                    as_date(facts["风险发现日期"]),
                    identified and identified.found_on,
                )
                same(
                    "县级审批纳入",
                    as_date(facts["县级审批纳入"]),
                    identified and identified.county_approved_on,
                )
                same(
                    "风险消除日期",
                    as_date(facts["风险消除日期"]),
                    eliminated and eliminated.county_approved_on,
                )
                same("帮扶责任人/电话/单位", (facts["帮扶责任人"], facts["联系电话"], facts["工作单位"]),
                     (text(h.helper_name), text(h.helper_phone), text(h.helper_unit)))  # fmt: skip
                same("家庭成员", sorted((m[0], m[1], m[3], m[4]) for m in facts["_members"]),
                     sorted((p.name, p.relation, masked(p.id_number), p.labor_skill or "＿＿＿＿＿＿＿＿") for p in persons[hid]))  # fmt: skip
                same("帮扶措施", sorted((m[1], m[2], as_date(m[3])) for m in facts["_measures"]),
                     sorted((m.category, m.content, m.done_on) for m in measures[hid]))  # fmt: skip
        bad.same(folder.name, ".docx", "households in roster order", printed, list(roster))
    bad.check()


def test_a_household_shows_one_type_and_risk_on_notice_明白纸_and_monthly_list(county):
    """A household on a monitoring notice and on the 明白纸 roster: the notice's 监测类型 is the
    roster's (待认定 only where the roster has no type yet), its 风险类型 are among the roster's (the
    roster lists the risks of all the household's procedures, the notice that procedure's). A
    household on the monthly list shows the roster's 户主 and type and the 明白卡's 县级审批纳入 date."""
    bad = Disagreements()
    roster = rosters(county.all_sheets)
    for n in county.notices(*NOTICE_KIND.values()):
        (table,) = tables(Path(n.file))
        rows = {r[table[0].index("户主")]: dict(zip(table[0], r)) for r in table[1:]}
        for hid in county.items_of(n.id):
            r = roster[hid]
            row, same = rows[r["户主"]], bad.about(Path(n.file).name, f"{hid} {r['户主']}")
            if row["监测类型"] == "待认定":
                # the notice speaks as of its day, before the county's approval; the roster as of
                # today: the type it shows (if any) was decided by an approval after the notice
                approved = [p.county_approved_on
                            for p in county.group("monitoring_procedures", "household_id")[hid]
                            if p.kind == "识别纳入" and p.publicity_start == n.period_start]  # fmt: skip
                if r["监测类型"]:
                    same("approval after the notice (待认定 on it, a type on the roster)",
                         all(a is not None and a > n.period_start for a in approved), True)  # fmt: skip
            elif row["监测类型"] != "—":
                same("监测类型 (明白纸 roster)", row["监测类型"], r["监测类型"])
            roster_risks = set((r["风险类型"] or "").split("、"))
            same(
                "风险类型 not on the 明白纸 roster",
                set(row["风险类型"].split("、")) - roster_risks - {"—"},
                set(),
            )
    cards = {hid: facts for p in county.all_sheets.glob("防止返贫监测明白纸_*.docx")
             for hid, kind, facts in household_pages(p) if kind == "card"}  # fmt: skip
    for r in records(county.out / f"{MONTHLY}.xlsx", "新增监测对象"):
        hid = r["户编号"]
        same = bad.about("monthly 新增监测对象", f"{hid} {r['户主']}")
        same("户主/监测类型 (明白纸 roster)", (r["户主"], r["监测类型"]), (roster[hid]["户主"], roster[hid]["监测类型"]))  # fmt: skip
        if same("has a 明白卡", hid in cards, True):
            same(
                "县级审批日期 (明白卡)",
                as_date(r["县级审批日期"]),
                as_date(cards[hid]["县级审批纳入"]),
            )
    bad.check()


# ------------------------------------------------------------------------------- 4. monthly list
def test_monthly_lists_are_the_months_approvals_and_changes(county):
    """The 2023年9月 lists: newly included = 识别纳入 approved by the county in September, removed =
    风险消除 approved in September, 低保/特困 = the month's recorded 兜底类型 changes; each household
    with its 乡镇/村, 户主, 监测类型, the procedure's 风险类型 and 县级审批日期, and every member with
    the full ID (departmental list) or masked (letter). The letter's counts, its 本月指标 sheet, the
    quarterly report and the data agree on 正在监测."""
    bad = Disagreements()
    households = county.by("households", "household_id")
    persons = county.group("persons", "household_id")
    first, last = MONTH

    def approved(kind: str) -> dict:
        return {p.household_id: p for p in county.rows("monitoring_procedures")
                if p.kind == kind and p.county_approved_on and first <= p.county_approved_on <= last}  # fmt: skip

    def people(hids) -> int:
        return sum(len(persons[h]) for h in hids)

    changed = {c.household_id: None for c in county.rows("household_changes")
               if c.field == "baodi_type" and first <= c.changed_at.date() <= last}  # fmt: skip
    lists = {
        "新增监测对象": approved("识别纳入"),
        "风险消除": approved("风险消除"),
        "低保特困变化": changed,
    }
    assert lists["新增监测对象"], "the example county includes households in September 2023"
    for sheet, expected in lists.items():
        by_household = defaultdict(list)
        for r in records(county.out / f"{MONTHLY}.xlsx", sheet):
            by_household[r["户编号"]].append(r)
        bad.same(f"monthly {sheet}", "list", "households", sorted(by_household), sorted(expected))
        for hid, rows in by_household.items():
            h, p = households[hid], expected.get(hid)
            same = bad.about(f"monthly {sheet}", f"{hid} {h.head_name}")
            for r in rows:
                same("乡镇/村/户主", (r["乡镇"], r["村"], r["户主"]), (*county.township_village(h.village_code), h.head_name))  # fmt: skip
                if p is not None:
                    same("监测类型/风险类型/县级审批日期", (r["监测类型"] or None, r["风险类型"], as_date(r["县级审批日期"])),
                         (h.monitor_type, p.risk_types, p.county_approved_on))  # fmt: skip
            same("members", sorted((r["姓名"], r["与户主关系"], r["证件号码"], r["参加基本医保"]) for r in rows),
                 sorted((m.name, m.relation, m.id_number, {True: "是", False: "否"}.get(m.medical_insured, "")) for m in persons[hid]))  # fmt: skip
    letter = county.out / f"{MONTHLY}.docx"
    table = table_starting(letter, "序号")
    included = lists["新增监测对象"]
    for row in table[1:]:
        head, hid, size = row[2].split("\n")
        h, p = households[hid], included[hid]
        same = bad.about("monthly letter 附件1", f"{hid} {h.head_name}")
        same("乡镇\\n村", row[1], "\n".join(county.township_village(h.village_code)))
        same("户主/人口", (head, size), (h.head_name, f"{len(persons[hid])}人"))
        same("监测类型/风险类型/县级审批日期", (row[3], row[4], as_date(row[5].replace("\n", ""))), (h.monitor_type, p.risk_types, p.county_approved_on))  # fmt: skip
        same("members (masked)", sorted(row[6].split("\n")), sorted(f"{m.name}（{m.relation}）{masked(m.id_number)}" for m in persons[hid]))  # fmt: skip
    bad.same("monthly letter 附件1", "list", "households", sorted(r[2].split("\n")[1] for r in table[1:]), sorted(included))  # fmt: skip
    body = "\n".join(paragraphs(letter))
    m = re.search(r"新识别纳入监测对象(\d+)户(\d+)人，风险消除(\d+)户(\d+)人", body)
    bad.same("monthly letter", "正文", "新增/风险消除 户·人", tuple(map(int, m.groups())),
             (len(included), people(included), len(lists["风险消除"]), people(lists["风险消除"])))  # fmt: skip
    monitored = [k for k, h in households.items() if county.monitored(h)]
    m = re.search(r"正在监测的监测对象(\d+)户(\d+)人", body)
    bad.same("monthly letter", "正文", "正在监测 户·人", tuple(map(int, m.groups())), (len(monitored), people(monitored)))  # fmt: skip
    figures = {r["指标"]: r["数值"] for r in records(county.out / f"{MONTHLY}.xlsx", "本月指标")}
    bad.same("monthly 本月指标", "正在监测", "户·人", (figures["正在监测的监测对象（户）"], figures["正在监测的监测对象（人）"]),
             (len(monitored), people(monitored)))  # fmt: skip
    towns = table_starting(county.out / REPORT, "乡镇", "正在监测（户）")
    bad.same("report 表2", "合计", "正在监测（户）", int(towns[-1][1]), len(monitored))
    bad.check()


def test_report_counts_the_quarters_procedures_of_the_data(county):
    """The report's 分乡镇 table: 正在监测, 本季度新识别 and 本季度风险消除 per township are the data's
    (识别纳入 / 风险消除 approved by the county in 2023年7月1日–9月30日)."""
    bad = Disagreements()
    households = county.by("households", "household_id")

    def in_quarter(kind: str, of_town: set[str]) -> int:
        return len({p.household_id for p in county.rows("monitoring_procedures")
                    if p.household_id in of_town and p.kind == kind and p.county_approved_on
                    and QUARTER[0] <= p.county_approved_on <= QUARTER[1]})  # fmt: skip

    for row in table_starting(county.out / REPORT, "乡镇", "正在监测（户）")[1:-1]:
        town = row[0]
        of_town = {
            k for k, h in households.items() if county.township_village(h.village_code)[0] == town
        }
        bad.same("report 表2", town, "正在监测/本季度新识别/本季度风险消除（户）", tuple(map(int, row[1:4])),
                 (sum(county.monitored(households[k]) for k in of_town), in_quarter("识别纳入", of_town),
                  in_quarter("风险消除", of_town)))  # fmt: skip
    bad.check()


# ------------------------------------------------------------------------------- 5. students
TERM = re.compile(r"^\d{4}年[秋春]季学期$")


def year_letters(folder: Path) -> dict[str, dict]:
    """学籍号 → what its 温馨告知书 prints: name, school/class, [(term, item, amount, paid on)], the
    table's 学年合计 and (where the template says it) the sentence's 本学年合计金额."""
    letters: dict[str, dict] = {}
    for path in sorted(folder.glob("学生受助情况温馨告知书_*.docx")):
        current: dict | None = None
        for kind, block in docx_blocks(path):
            if kind == "p" and (m := re.search(r"您的孩子(\S+?)（(\S+?)，学籍号 (\S+?)）", block)):
                current = letters.setdefault(m.group(3), {"name": m.group(1), "where": m.group(2), "file": path.name, "paid": []})  # fmt: skip
            elif kind == "p" and current and (m := re.match(r"本学年合计金额：([\d,.]+)元", block)):
                current["sentence_total"] = money(m.group(1))
            elif kind == "t" and current and block[0][:3] == ["序号", "资助项目", "金额（元）"]:
                term = None
                for row in block[1:]:
                    if TERM.match(row[0]) and len(set(row)) == 1:
                        term = row[0]
                    elif row[0].isdigit():
                        current["paid"].append((term, row[1], money(row[2]), as_date(row[3])))
                    elif row[0] == "学年合计":
                        current["table_total"] = money(row[2])
    return letters


def test_year_letters_and_summaries_print_the_payments_of_the_school_year(county):
    """Each student's 温馨告知书 of a school year lists exactly the data's payments of its two terms
    (term, item, amount, 发放日期) and their total; the county summary prints the same sums per term;
    every student paid in the year has a letter, nobody else does. School years 2022 and 2023, and
    the demo's 2023年秋季学期 summary."""
    bad = Disagreements()
    students = county.by("students", "student_no")
    schools = county.by("schools", "school_code")
    payments = county.group("aid_payments", "student_no")
    for year, folder in county.letters.items():
        terms = (f"{year}年秋季学期", f"{year + 1}年春季学期")
        paid = {no: [p for p in ps if p.term in terms] for no, ps in payments.items()}
        paid = {no: ps for no, ps in paid.items() if ps}
        assert paid, f"the example county pays aid in {terms}"
        letters = year_letters(folder)
        bad.same(folder.name, "letters", "students", sorted(letters), sorted(paid))
        for no, letter in letters.items():
            s, total = students[no], sum(p.amount for p in paid.get(no, []))
            same = bad.about(f"{folder.name}/{letter['file']}", f"{no} {s.name}")
            same("姓名/学校年级班级", (letter["name"], letter["where"]), (s.name, f"{schools[s.school_code].name}{s.grade}{text(s.class_name)}"))  # fmt: skip
            same("payments", sorted(letter["paid"]), sorted((p.term, p.item, p.amount, p.paid_on) for p in paid.get(no, [])))  # fmt: skip
            same("学年合计", letter.get("table_total"), total)
            if "sentence_total" in letter:
                same("本学年合计金额", letter["sentence_total"], total)
        summary = folder / f"学生受助情况汇总_全县_{year}—{year + 1}学年.xlsx"
        rows = records(summary, "受助学生")
        bad.same(
            summary.name, "受助学生", "students", sorted(r["学籍号"] for r in rows), sorted(paid)
        )
        for r in rows:
            ps = paid.get(r["学籍号"], [])
            bad.same(summary.name, f"{r['学籍号']} {r['姓名']}", "per term, 合计",
                     [money(r[f"{t}（元）"] or 0) for t in terms] + [money(r["合计（元）"])],
                     [sum(p.amount for p in ps if p.term == t) for t in terms] + [sum(p.amount for p in ps)])  # fmt: skip
    summary = county.out / "学生受助情况温馨告知书" / "学生受助情况汇总_全县_2023年秋季学期.xlsx"
    autumn = {
        no: sum(p.amount for p in ps if p.term == "2023年秋季学期") for no, ps in payments.items()
    }
    autumn = {no: v for no, v in autumn.items() if v}
    rows = records(summary, "受助学生")
    bad.same(
        summary.name, "受助学生", "students", sorted(r["学籍号"] for r in rows), sorted(autumn)
    )
    for r in rows:
        bad.same(
            summary.name,
            f"{r['学籍号']} {r['姓名']}",
            "合计",
            money(r["合计（元）"]),
            autumn.get(r["学籍号"]),
        )
    bad.check()


ROSTER_AMOUNT = re.compile(
    r"([\d,.]+)元/年"
)  # 国家助学金（2,000元/年）, 免学费（按学校学费标准（1,600元/年））


def card_rosters(county: County) -> dict[str, dict]:
    """学籍号 → card roster row with its items parsed: {item: amount per year}."""
    out = {}
    for path in sorted((county.out / "学生资助明白卡").glob("学生资助明白卡名单_*.xlsx")):
        for r in records(path, "明白卡名单"):
            parts = [] if r["可能享受的资助"] == "暂无" else r["可能享受的资助"].split("、")
            found = {part.split("（")[0]: ROSTER_AMOUNT.search(part) for part in parts}
            items = {name: m and money(m.group(1)) for name, m in found.items()}
            out[r["学籍号"]] = r | {"_items": items, "_file": path.name}
    return out


def test_cards_rosters_and_eligibility_agree(county):
    """Each student's 明白卡 marks the items and 预计每年合计 its school's roster lists, and both are the
    eligibility the data give (the one definition, reportgen.aid.eligibility); every student has a
    card and a roster row."""
    bad = Disagreements()
    policy = load_settings(county.workspace).policy
    roster = card_rosters(county)
    bad.same(
        "card rosters",
        "students",
        "all students",
        sorted(roster),
        sorted(county.by("students", "student_no")),
    )
    cards: dict[str, dict] = {}
    for path in sorted((county.out / "学生资助明白卡").glob("学生资助政策明白卡_*.docx")):
        current: dict | None = None
        for p in paragraphs(path):
            if m := re.search(r"学籍号：(\S+)", p):
                current = cards.setdefault(m.group(1), {"items": {}, "total": Decimal(0), "file": path.name})  # fmt: skip
            elif current is not None and (m := re.match(r"✔ (.+?)：\D*([\d,.]+)元/年", p)):
                current["items"][m.group(1)] = money(m.group(2))
            elif current is not None and (m := re.match(r"预计每年合计：([\d,.]+)元", p)):
                current["total"] = money(m.group(1))
    bad.same("cards", "students", "all students", sorted(cards), sorted(roster))
    for school in county.rows("schools"):
        for s in students_of_school(county.dataset, school.school_code):
            items = {i.name: i.amount for i in eligible_items(s, policy)}
            total = sum((a for a in items.values() if a), Decimal(0))
            r, card = (
                roster[s.student_no],
                cards.get(s.student_no, {"items": {}, "total": None, "file": "?"}),
            )
            bad.same(r["_file"], f"{s.student_no} {s.name}", "可能享受的资助/预计年资助金额",
                     (r["_items"], money(r["预计年资助金额（元）"])), (items, total))  # fmt: skip
            bad.same(card["file"], f"{s.student_no} {s.name}", "✔ items/预计每年合计", (card["items"], card["total"]),
                     ({k: v for k, v in items.items() if v is not None}, total))  # fmt: skip
    bad.check()


def test_unpaid_students_are_the_same_in_the_aid_summary_and_the_self_check(county):
    """应享未享 of school year 2023—2024: the aid summary's sheet (aid-notice --year 2023, as of 10月8日)
    and the self-check's A-UNPAID sheet (2023Q3, as of 9月30日, whose school year is 2023—2024) list
    the same students with the same items, at the card roster's 预计年资助金额. The as-of dates
    differ; no payment is dated between them (asserted), so the lists must be equal — a student paid
    in between would be on the self-check's list only."""
    bad = Disagreements()
    between = [p for p in county.rows("aid_payments") if p.paid_on and QUARTER[1] < p.paid_on <= dt.date.fromisoformat(TODAY)]  # fmt: skip
    assert not between, "a payment between the two as-of dates: assert the subset relation instead"
    summary = records(county.letters[2023] / "学生受助情况汇总_全县_2023—2024学年.xlsx", "应享未享")
    _, _, unpaid = county.problems()["A-UNPAID"]
    roster = card_rosters(county)
    payments = county.group("aid_payments", "student_no")
    assert summary, "the example county has an 应享未享 student in 2023—2024"
    bad.same("应享未享", "students", "aid summary vs problem list", sorted(r["学籍号"] for r in summary), sorted(r["_cells"][3] for r in unpaid))  # fmt: skip
    details = {r["_cells"][3]: r["问题说明"] for r in unpaid}
    for r in summary:
        no, items = r["学籍号"], sorted(r["应享资助项目"].split("、"))
        same = bad.about("aid summary 应享未享", f"{no} {r['姓名']}")
        same("items/应享金额 (card roster)", (items, money(r["应享金额（元/年）"])),
             (sorted(roster[no]["_items"]), money(roster[no]["预计年资助金额（元）"])))  # fmt: skip
        if m := re.match(r"可能符合(.+?)，(\d{4})—\d{4}学年无发放记录", details.get(no, "")):
            same(
                "items/school year (A-UNPAID)",
                (items, m.group(2)),
                (sorted(m.group(1).split("、")), "2023"),
            )
        paid = [(p.term, p.item, p.amount) for p in payments[no] if p.term in ("2023年秋季学期", "2024年春季学期")]  # fmt: skip
        same("payments of 2023—2024 in the data", paid, [])
    bad.check()


# ------------------------------------------------------------------------------- 6. projects
def test_project_notices_list_each_project_where_all_its_places_are(county):
    """DOMAIN §5: a project of the year is on the 项目公示 (planned, under way) or 项目公告 (完工, 验收)
    of every place whose villages include all its 实施地点 — its village (one-village projects), its
    township, the county — and on no other notice; the notice records say the same."""
    bad = Disagreements()
    places = {no: {pp.village_code for pp in pps} for no, pps in county.group("project_places", "project_no").items()}  # fmt: skip
    projects = [
        p for p in county.rows("projects") if p.planned_start and p.planned_start.year == 2023
    ]
    issued = {(n.place_code, n.kind): n for n in county.notices(*PROJECT_STATUS)}
    for place in county.rows("regions"):
        villages = county.villages_of(place.code)
        for kind, statuses in PROJECT_STATUS.items():
            expected = sorted(p.project_no for p in projects if p.status in statuses and places[p.project_no] <= villages)  # fmt: skip
            n = issued.get((place.code, kind))
            if n is None:
                bad.same(
                    f"{place.name} {kind}", "no notice", "projects that belong on it", expected, []
                )
                continue
            same = bad.about(Path(n.file).name, f"{place.name} ({place.code})")
            same(
                "projects",
                [r["项目编号"] for r in records(Path(n.file).with_suffix(".xlsx"))],
                expected,
            )
            same("notice_items", sorted(county.items_of(n.id)), expected)
    bad.check()


def test_project_notices_print_the_funds_dates_and_places_of_the_data(county):
    """Each project row of every project notice, .xlsx and .docx: 项目名称, 类型, 实施地点, funds by
    source and their total (万元), 计划工期 or 完工/验收 and 已拨付/已支付, 实施单位, 受益 are the data's; the
    printed 公示期 / 公告期 is the notice's record."""
    bad = Disagreements()
    projects = county.by("projects", "project_no")
    places = county.group("project_places", "project_no")
    for n in county.notices(*PROJECT_STATUS):
        docx, xlsx = Path(n.file), Path(n.file).with_suffix(".xlsx")
        label = "公告期" if n.kind == "project-result" else "公示期"
        bad.same(docx.name, label, "start–end", closing_period(docx, label)[:2], (n.period_start, n.period_end))  # fmt: skip
        note = workbook_rows(xlsx)[1][0].split("；")[0]
        bad.same(xlsx.name, label, "start–end", tuple(map(cn_date, note.split("至"))), (n.period_start, n.period_end))  # fmt: skip
        county_level = (
            county.region(n.place_code).level == "县"
        )  # names the township too (two 王庄村)
        word = {r[1]: r for r in table_starting(docx, "序号")[1:]}
        for r in records(xlsx):
            p = projects[r["项目编号"]]
            names = sorted("".join(county.township_village(pp.village_code)) if county_level
                           else county.region(pp.village_code).name for pp in places[p.project_no])  # fmt: skip
            funds = {label: wan(getattr(p, col)) for label, col in FUNDS}
            same = bad.about(xlsx.name, f"{p.project_no} {p.name}")
            same("项目名称/类型/实施地点", (r["项目名称"], r["项目类型"], sorted(r["实施地点"].split("、"))), (p.name, p.type, names))  # fmt: skip
            same("funds", {label: wan(r[f"{label}资金（万元）"]) for label, _ in FUNDS}, funds)
            same("合计", wan(r["合计（万元）"]), sum(funds.values()))
            same("实施单位/负责人/受益户数/人数", (r["实施单位"], r["项目负责人"] or None, r["受益户数"], r["受益人数"]),
                 (p.unit, p.leader, p.beneficiary_households, p.beneficiary_persons))  # fmt: skip
            done = {"已拨付": p.funds_allocated, "已支付": p.funds_paid}
            if n.kind == "project":
                same("计划开工/完工", (as_date(r["计划开工"]), as_date(r["计划完工"])), (p.planned_start, p.planned_end))  # fmt: skip
            else:
                same("实际完工/验收", (as_date(r["实际完工日期"]), as_date(r["验收日期"])), (p.actual_end, p.accepted_on))  # fmt: skip
                same("已拨付/已支付", [r[f"{k}（万元）"] and wan(r[f"{k}（万元）"]) for k in done], [v and wan(v) for v in done.values()])  # fmt: skip
            row, same = word.get(p.name), bad.about(docx.name, f"{p.project_no} {p.name}")
            if not same("in the .docx", row is not None, True):
                continue
            lines = [re.fullmatch(r"(\D+?)([\d,.]+)", line) for line in row[5].split("\n")]
            expected = {k: v for k, v in funds.items() if v} | {"合计": sum(funds.values())}
            if n.kind == "project-result":
                expected |= {k: wan(v) for k, v in done.items() if v is not None}
            same("资金（万元）", {m.group(1): wan(m.group(2)) for m in lines if m}, expected)
            same("实施地点", sorted(row[3].split("、")), names)
            if n.kind == "project":
                same(
                    "计划工期",
                    [as_date(x) for x in row[7].split("至")],
                    [p.planned_start, p.planned_end],
                )
    bad.check()


def test_projects_without_notice_and_the_reports_fund_share_are_the_data(county):
    """The problem list's 项目无公示公告记录 are the projects started by 9月30日 that are on no notice; the
    report's 中央衔接资金用于产业发展的比重 counts the year's projects and central funds of the data."""
    bad = Disagreements()
    published = {k for n in county.notices(*PROJECT_STATUS) for k in county.items_of(n.id)}
    unpublished = [p.project_no for p in county.rows("projects")
                   if p.planned_start and p.planned_start <= QUARTER[1] and p.project_no not in published]  # fmt: skip
    _, _, rows = county.problems()["P-NO-PUBLICITY"]
    bad.same("problem list P-NO-PUBLICITY", "projects", "on no notice", sorted(r["_cells"][3] for r in rows), sorted(unpublished))  # fmt: skip
    row = next(r for r in tables(county.out / REPORT)[0] if r[0].startswith("中央衔接资金"))
    m = re.search(
        r"(\d{4})年度本县项目(\d+)个，中央衔接资金([\d,.]+)万元，其中产业发展([\d,.]+)万元", row[2]
    )
    year = [
        p
        for p in county.rows("projects")
        if p.planned_start and p.planned_start.year == int(m.group(1))
    ]
    central = sum(wan(p.fund_central) for p in year)
    industry = sum(wan(p.fund_central) for p in year if p.type == "产业发展")
    same = bad.about("report 表1", "中央衔接资金用于产业发展的比重")
    same("项目个数/中央资金/产业发展", (int(m.group(2)), wan(m.group(3)), wan(m.group(4))), (len(year), central, industry))  # fmt: skip
    same("比重", row[2].split("%")[0], f"{industry / central * 100:.2f}")
    bad.check()


# ------------------------------------------------------------------------------- 7. dropout
def test_dropout_count_is_the_same_in_report_ledger_and_data(county):
    """未清零 (seed 二.一.(二).1③④, DOMAIN §5): 送教上门 and county-approved 休学/延缓入学 (assessed by the
    残联 when on disability grounds) are 有保障, returned and closed cases cleared, every other case
    a dropout. dropout.standing() follows that rule; the report's count and reasons, the ledger's
    rows and the data agree."""
    bad = Disagreements()
    std = Standard.from_policy(load_settings(county.workspace).policy)
    students = county.by("students", "student_no")
    persons = county.by("persons", "id_number")

    def open_by_rule(c, as_of: dt.date) -> bool:
        if c.status in (*CLEARED, "送教上门"):
            return False
        if c.status not in DEFERRED:
            return True
        s = students[c.student_no]
        person = persons.get(s.id_number)
        disabled = "残" in (c.reason or "") or s.disabled or bool(person and (person.health == "残疾" or person.disability_grade))  # fmt: skip
        approved = c.county_approved_on is not None and c.county_approved_on <= as_of
        assessed = c.disability_assessed_on is not None and c.disability_assessed_on <= as_of
        return not approved or (disabled and not assessed)

    for as_of in (QUARTER[1], LEDGER_DAY):
        by_rule = sorted(c.student_no for c in county.rows("dropout_cases") if c.found_on <= as_of and open_by_rule(c, as_of))  # fmt: skip
        by_standing = sorted(c.student_no for c in load_cases(county.dataset, found_by=as_of) if standing(c, as_of, std)[0] == OPEN)  # fmt: skip
        bad.same(f"data as of {as_of}", "未清零", "standing() vs the rule", by_standing, by_rule)
    open_cases = [c for c in load_cases(county.dataset, found_by=QUARTER[1]) if standing(c, QUARTER[1], std)[0] == OPEN]  # fmt: skip
    report = county.out / REPORT
    row = next(r for t in tables(report) for r in t if r[0] == "义务教育阶段失学辍学")
    m = re.match(r"失学辍学(\d+)人（(.+?)）", row[2])
    reasons = Counter(standing(c, QUARTER[1], std)[1] for c in open_cases)
    same = bad.about("report 表1", "义务教育阶段失学辍学")
    same("人数", int(m.group(1)), len(open_cases))
    same(
        "reasons",
        {k: int(v) for k, v in re.findall(r"([^、\d]+)(\d+)人", m.group(2))},
        dict(reasons),
    )
    same("结论", row[3], "未清零" if open_cases else "已清零")
    towns = table_starting(report, "乡镇", "正在监测（户）")
    bad.same("report 表2", "合计", "辍学未清零（人）", int(towns[-1][5]), len(open_cases))
    cases = county.by("dropout_cases", "student_no")
    rows = records(county.out / LEDGER, "台账")
    bad.same("ledger", "台账", "students", sorted(r["学籍号"] for r in rows),
             sorted(c.student_no for c in cases.values() if c.found_on <= LEDGER_DAY))  # fmt: skip
    ledger_open = []
    for r in rows:
        c = cases[r["学籍号"]]
        same = bad.about("ledger", f"{r['学籍号']} {r['姓名']}")
        same("姓名/当前状态", (r["姓名"], r["当前状态"]), (students[c.student_no].name, c.status))
        same("发现/报县/县级批准/残联评估", tuple(as_date(r[k]) for k in ("发现日期", "报县日期", "县级批准日期", "残联评估日期")),
             (c.found_on, c.reported_county_on, c.county_approved_on, c.disability_assessed_on))  # fmt: skip
        unsecured = any(w in (r["问题"] or "") for w in ("未经县级批准", "未经县残联评估认定"))
        if r["当前状态"] not in (*CLEARED, "送教上门") and (
            r["当前状态"] not in DEFERRED or unsecured
        ):
            ledger_open.append(r["学籍号"])
    bad.same("ledger", "劝返中 and unapproved 休学/延缓入学", "students (report's 未清零)", sorted(ledger_open), sorted(c.student_no for c in open_cases))  # fmt: skip
    bad.check()


# ------------------------------------------------------------------------------- 8. small print
PUBLIC = ("学生资助明白卡/学生资助政策明白卡_*.docx", "学生受助情况温馨告知书/学生受助情况温馨告知书_*.docx",
          "防止返贫监测明白纸/防止返贫监测明白纸_*.docx", "公示公告/*.docx", "公示公告/*.xlsx")  # fmt: skip
INTERNAL = ("学生资助明白卡/学生资助明白卡名单_*.xlsx", "学生受助情况温馨告知书/学生受助情况汇总_*.xlsx",
            "防止返贫监测明白纸/防止返贫监测明白纸名单_*.xlsx", "控辍保学/*.xlsx", "控辍保学/*.docx",
            "自查报告/*.docx", "自查报告/*.xlsx", "月报/*.docx", "月报/*.xlsx")  # fmt: skip


def test_public_documents_say_only_the_data_date_internal_ones_name_the_import(county):
    """DOMAIN §4: cards, 告知书, 明白纸 and notices (with the notice's .xlsx, posted online) state the day
    the data are as of — the last import's, or the document's own day when earlier: a notice dated
    9月1日 is not 数据截至10月8日 — and nothing of imports; reports, letters, ledgers and lists name the
    import."""
    bad = Disagreements()
    extra = [county.all_sheets, *county.letters.values()]
    today = dt.date.fromisoformat(TODAY)
    public = {p: today for g in PUBLIC for p in county.out.glob(g)}
    public |= {p: today for f in extra for p in f.glob("*.docx")}
    for n in county.rows("notices"):  # dated (落款) their first day
        public |= {Path(n.file): n.period_start, Path(n.file).with_suffix(".xlsx"): n.period_start}
    internal = {p for g in INTERNAL for p in county.out.glob(g)} | {p for f in extra for p in f.glob("*.xlsx")}  # fmt: skip
    assert len(public) > 60 and len(internal) > 30
    for path, own_day in sorted(public.items()):
        said = small_print(path)
        latest = min(county.import_day(), own_day)
        as_of = re.search(r"数据截至(\d{4}年\d{1,2}月\d{1,2}日)", said)
        if as_of is None or cn_date(as_of.group(1)) > latest:
            bad.add(
                f"{path.name}: public, says {as_of and as_of.group(0)!r}, not 数据截至 a day up to {latest}"
            )
        if found := re.findall(r"[^\n]{0,12}(?:导入|第\d+次)[^\n]{0,12}", said):
            bad.add(f"{path.name}: public, names the import: {found[:2]}")
    for path in sorted(internal):
        if not re.search(r"数据来源：第\d+次导入（", small_print(path)):
            bad.add(f"{path.name}: internal, does not name its import")
    bad.check()


def test_notice_workbook_footer_is_the_notices_small_print(county):
    """Regression: the .xlsx beside a notice (the table posted online) printed the internal
    '数据来源：第1次导入（…）；生成日期：…' footer, and the notice said 数据截至 the day it was made (10月8日)
    though dated 9月1日; both say the notice's own '数据截至…' line, not after the notice's day."""
    for n in (county.notices("inclusion")[0], county.notices("project")[0]):
        docx, xlsx = Path(n.file), Path(n.file).with_suffix(".xlsx")
        footer = load_workbook(xlsx).worksheets[0].oddFooter.left.text
        assert re.fullmatch(r"数据截至\d{4}年\d{1,2}月\d{1,2}日", footer or ""), (xlsx.name, footer)
        assert footer in small_print(docx), (xlsx.name, footer, "is not the .docx's day")
        assert as_date(footer) == min(n.period_start, county.import_day()), (xlsx.name, footer)
