"""reportgen selfcheck --workers: the county's townships in partitions (rules/partition.py). The
report, the problem list (same bytes), the stored run and the manifest are those of one process;
each partition finds exactly its townships' share, the rest (records placed in no township)
included once; rules that need the whole county run in the parent."""

import datetime as dt
import json

import pytest
from builders import db_execute, db_rows
from openpyxl import load_workbook
from test_parallel import files, manifest

from reportgen.config import load_settings
from reportgen.dataset.store import Dataset
from reportgen.documents.report_blocks import mask_ids
from reportgen.rules.context import RuleContext
from reportgen.rules.partition import Part, PartContext, plan_parts
from reportgen.rules.runs import select_rules, sort_findings

AS_OF = dt.date(2023, 9, 30)
# Both stored runs (2023Q2 and 2023Q3) hold a seq 1, 2, …: ties broken by the finding itself, or
# PostgreSQL returns them in any order (each row keeps its seq, so each run's order is compared).
FINDINGS = "SELECT rule, entity, key, name, household, place, detail, township, village, seq FROM findings ORDER BY seq, rule, key, detail"  # fmt: skip


@pytest.fixture
def planted(example, monkeypatch):
    """The example county (test_selfcheck's fixture) plus records that belong to no township: a
    monitored household moved to the county's own code, and a welfare job of one of its members
    (over 3 years: J-TERM). Partitioned although it is far below the size where partitions pay
    (min_weight)."""
    from reportgen.rules import partition

    monkeypatch.setattr(partition, "min_weight", lambda: 0)
    workspace = example
    county = db_rows(workspace, "SELECT code FROM regions WHERE level = '县'")[0][0]
    monitored = db_rows(
        workspace,
        "SELECT household_id FROM households WHERE category = '监测户' ORDER BY household_id",
    )[0][0]
    member = db_rows(
        workspace,
        "SELECT min(id_number) FROM persons WHERE household_id = :h",
        h=monitored,
    )[0][0]
    db_execute(
        workspace,
        f"UPDATE households SET village_code = '{county}' WHERE household_id = '{monitored}'",
        "INSERT INTO welfare_jobs (id_number, post_name, start_on, placements) VALUES "
        f"('{member}', '护林员', '2019-03-01', 1)",
    )
    workspace.joinpath("planted_job").write_text(member)
    return workspace


def _context(workspace, part: Part | None = None):
    settings = load_settings(workspace)
    dataset = Dataset.open(settings.db_url)
    if part is None:
        return RuleContext(dataset, settings.policy, AS_OF), settings
    return PartContext(dataset, settings.policy, AS_OF, part=part), settings


def test_pool_writes_the_same_report_list_and_run_as_one_process(run, planted, pools):
    assert run("selfcheck", "--quarter", "2023Q2", "--workers", "1").exit_code == 0
    one = run("selfcheck", "--quarter", "2023Q3", "--workers", "1", "--out", "one")
    assert one.exit_code == 0, one.output
    stored_one = db_rows(planted, FINDINGS)
    two = run("selfcheck", "--quarter", "2023Q3", "--workers", "2", "--out", "two")
    assert two.exit_code == 0, two.output
    assert pools == [2]  # --workers 1 ran in this process, --workers 2 in a pool of two
    assert one.output.replace("/one/", "/two/") == two.output
    assert "与上次自查（2023年第二季度）相比" in two.output
    a, b = files(planted / "one"), files(planted / "two")
    assert a == b and len(a) == 2  # the report and the problem list, byte for byte
    assert manifest(planted / "one") == manifest(planted / "two")
    assert db_rows(planted, FINDINGS) == stored_one  # the second run replaced the first, equal
    assert db_rows(planted, "SELECT count(*) FROM check_runs WHERE label = '2023年第三季度'") == [
        (1,)
    ]
    # the planted job of no township is in the list once, with no township
    book = load_workbook(next((planted / "two").glob("*.xlsx")), read_only=True)
    terms = [r for r in book["公益岗位在岗超过3年"].iter_rows(min_row=4, values_only=True)]
    assert [r[3] for r in terms if r[1] is None] == [
        mask_ids((planted / "planted_job").read_text())
    ]


def test_the_list_is_written_beside_and_a_failure_leaves_no_list(
    run, planted, monkeypatch, one_thread
):
    """With workers the problem list is written by a process of its own (forked on Linux) while
    the run is stored; if writing it fails, the error is the command's, and no list (finished or
    half-written) and no manifest are left."""
    import os
    import sys

    from reportgen.documents import selfcheck_xlsx

    real = selfcheck_xlsx.write_problem_list

    def recording(path, *args, **kwargs):
        (planted / "writer").write_text(str(os.getpid()), encoding="utf-8")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(selfcheck_xlsx, "write_problem_list", recording)
    result = run("selfcheck", "--quarter", "2023Q3", "--workers", "2", "--out", "ok")
    assert result.exit_code == 0, result.output
    writer = int((planted / "writer").read_text(encoding="utf-8"))
    assert (writer != os.getpid()) == (sys.platform == "linux")  # not this process on Linux
    assert len(list((planted / "ok").glob("*自查问题清单.xlsx"))) == 1

    def failing(path, *args, **kwargs):
        path.write_bytes(b"PK half")  # as a writer that stopped part-way would leave it
        raise OSError(28, "磁盘空间不足")

    monkeypatch.setattr(selfcheck_xlsx, "write_problem_list", failing)
    # the child's OSError comes back as the same error: a full disk is said in Chinese (exit 11)
    failed = run("selfcheck", "--quarter", "2023Q3", "--workers", "2", "--out", "bad")
    assert failed.exit_code == 11, failed.output
    assert "磁盘空间不足。请清理磁盘" in failed.stderr
    assert sorted(p.name for p in (planted / "bad").iterdir()) == [
        "青山县_2023年第三季度_自查报告.docx"
    ]


def test_check_with_workers_lists_the_same_findings(run, planted, pools):
    one = run("check", "--as-of", "2023-09-30", "--json", "--workers", "1")
    two = run("check", "--as-of", "2023-09-30", "--json", "--workers", "2")
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    assert pools == [2]
    found = json.loads(two.stdout)
    assert json.loads(one.stdout) == found and len({f["rule"] for f in found}) >= 25
    only = run("check", "--as-of", "2023-09-30", "--json", "--rule", "J-TERM", "--workers", "2")
    assert json.loads(only.stdout) == [f for f in found if f["rule"] == "J-TERM"]


def test_a_small_county_is_checked_in_this_process(run, planted, pools, monkeypatch):
    from reportgen.rules import partition

    monkeypatch.setattr(partition, "min_weight", lambda: 300_000)  # the planted county: ~2,700
    assert run("selfcheck", "--quarter", "2023Q3", "--workers", "2").exit_code == 0
    assert run("check", "--as-of", "2023-09-30", "--workers", "2").exit_code == 0
    assert pools == []


def test_the_size_from_which_a_county_is_partitioned_follows_how_workers_start(monkeypatch):
    """Forked workers start at once, so even a small county is worth splitting; spawned ones (on
    Windows, with other threads running) and Dask workers cost more to start."""
    from reportgen import workers
    from reportgen.rules.partition import MIN_WEIGHT_FORKED, MIN_WEIGHT_SPAWNED, min_weight

    monkeypatch.setattr(workers, "_single_threaded", lambda: True)
    monkeypatch.setattr(workers, "START_METHOD", "fork")
    assert min_weight() == MIN_WEIGHT_FORKED < MIN_WEIGHT_SPAWNED
    monkeypatch.setattr(workers, "_CLUSTER", {"address": "local", "workers": 2})
    assert min_weight() == MIN_WEIGHT_SPAWNED
    monkeypatch.setattr(workers, "_CLUSTER", {})
    monkeypatch.setattr(workers, "_single_threaded", lambda: False)
    assert min_weight() == MIN_WEIGHT_SPAWNED
    monkeypatch.setattr(workers, "_single_threaded", lambda: True)
    monkeypatch.setattr(workers, "START_METHOD", "spawn")
    assert min_weight() == MIN_WEIGHT_SPAWNED


def test_a_township_self_check_runs_in_this_process(run, planted, pools):
    result = run("selfcheck", "--quarter", "2023Q3", "--township", "城关镇", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert pools == []


@pytest.mark.parametrize("n", [2, 3, 7])
def test_partitions_find_exactly_what_the_whole_county_finds(planted, n):
    whole, settings = _context(planted)
    rules = [r for r in select_rules(settings.workspace) if r.split]
    expected = sort_findings([f for r in rules for f in r.check(whole)], rules)
    assert {f.township for f in expected} >= {""}  # the planted rest is there
    assert len({f.rule for f in expected}) >= 10
    parts = plan_parts(whole, n)
    got = []
    for part in parts:
        ctx, _ = _context(planted, part)
        mine = [f for r in rules for f in r.check(ctx) if ctx.keeps(f)]
        assert len(ctx.households) < len(whole.households)  # it read its share only
        got += mine
    assert len(got) == len(expected)  # nothing twice
    assert sort_findings(got, rules) == expected


def test_plan_covers_each_township_once_and_gives_the_rest_to_the_first(planted):
    ctx, _ = _context(planted)
    townships = {c for c, p in ctx.places.items() if c == p.township_code}
    for n in (1, 2, 3, len(townships) + 5):
        parts = plan_parts(ctx, n)  # min_weight() is 0 here (the fixture)
        assert len(parts) == min(n, len(townships))
        listed = [t for p in parts for t in p.townships]
        assert sorted(listed) == sorted(townships)
        assert [p.rest for p in parts] == [True] + [False] * (len(parts) - 1)


def _user_rules(workspace) -> None:
    """U-COUNT counts every household of the county (not split); U-EACH lists monitored
    households and declares split=True."""
    (workspace / "rules").mkdir(exist_ok=True)
    (workspace / "rules" / "mine.py").write_text(
        "from reportgen.rules import Finding, rule\n"
        '@rule("U-COUNT", "全县户数", seed="一", basis="monitoring", entity="township", group="责任落实")\n'
        "def count(ctx):\n"
        '    yield Finding("U-COUNT", "全县户数", "township", "county", "全县", None, "全县",'
        ' f"{len(ctx.households)}户")\n'
        '@rule("U-EACH", "每个监测户", seed="一", basis="monitoring", entity="household", group="责任落实",'
        " split=True)\n"
        "def each(ctx):\n"
        "    for h in ctx.households.values():\n"
        '        if h.category == "监测户":\n'
        '            yield ctx.household_finding("U-EACH", h, "监测户")\n',
        encoding="utf-8",
    )


def test_a_workspace_rule_that_is_not_split_keeps_the_check_in_one_process(
    run, planted, pools, forget_user_rules
):
    """U-COUNT needs the whole county: the parent would load it all anyway, so no partitions.
    U-EACH (split=True) alone runs in the workers and gives what one process gives."""
    _user_rules(planted)
    total = db_rows(planted, "SELECT count(*) FROM households")[0][0]
    monitored = db_rows(planted, "SELECT count(*) FROM households WHERE category = '监测户'")[0][0]
    one = run("selfcheck", "--quarter", "2023Q3", "--workers", "2", "--out", "one")
    assert one.exit_code == 0, one.output
    assert pools == []
    rows = db_rows(planted, "SELECT rule, detail FROM findings WHERE rule LIKE 'U-%'")
    assert rows.count(("U-COUNT", f"{total}户")) == 1
    assert sum(r[0] == "U-EACH" for r in rows) == monitored > 0
    each = run("check", "--as-of", "2023-09-30", "--json", "--rule", "U-EACH", "--workers", "1")
    split = run("check", "--as-of", "2023-09-30", "--json", "--rule", "U-EACH", "--workers", "2")
    assert pools == [2]  # only the split rule selected: partitions
    assert (
        json.loads(split.stdout) == json.loads(each.stdout)
        and len(json.loads(each.stdout)) == monitored
    )


def test_insurance_counts_match_the_people_covered(planted):
    """H-RATE and the 第四部分 indicator count by one query; it agrees with the per-person rule
    (H-UNINSURED) township by township, and a village of no township counts once for the county."""
    from reportgen.rules.policies import covered_people, insurance_rates

    ctx, _ = _context(planted)
    people = list(covered_people(ctx))
    rates = insurance_rates(ctx)
    assert rates[""] == (sum(1 for _, p in people if p.medical_insured), len(people))
    assert any(ctx.place(h.village_code).township_code == "" for h, _ in people)
    uninsured = {}
    for h, p in people:
        if p.medical_insured is not True:
            town = ctx.place(h.village_code).township_code
            uninsured[town] = uninsured.get(town, 0) + 1
    for town, (insured, covered) in rates.items():
        if town:
            assert covered - insured == uninsured.get(town, 0)


def test_problem_list_cells_keep_awkward_text(tmp_path):
    """The list's bulk rows hold the cells XlsxWriter writes itself (inline strings, as in its
    constant-memory mode): markup, control characters, literal _xHHHH_ text, edge spaces, blanks;
    the same styles as cells written one by one."""
    import xlsxwriter

    from reportgen.documents.selfcheck_xlsx import _Book

    texts = ["a&b<c>d", " 前后空格 ", "响铃\x07字符", "_x0041_ 字面", "普通"]
    rows = [[i, t, t] for i, t in enumerate(texts, 1)] + [[9, None, ""]]
    columns = [("序号", 6), ("文字", 20), ("居中", 10)]
    book = _Book(tmp_path / "x.xlsx", "脚注")
    bulk = book.sheet("甲", "标题", "说明", columns)
    book.rows(bulk, 3, rows, "itc")
    cells = book.sheet("乙", "标题", "说明", columns)
    for r, values in enumerate(rows, start=3):
        book.row(cells, r, values, "itc")
    book.close()
    plain = xlsxwriter.Workbook(str(tmp_path / "y.xlsx"), {"constant_memory": True})
    ws = plain.add_worksheet()
    for r, values in enumerate(rows, start=3):
        for c, v in enumerate(values):
            ws.write_number(r, c, v) if c == 0 else ws.write_string(r, c, v) if v else None
    plain.close()
    wb = load_workbook(tmp_path / "x.xlsx")
    a, b = wb["甲"], wb["乙"]
    got = [[c.value for c in row] for row in a.iter_rows(min_row=4)]
    want = [
        [c.value for c in row]
        for row in load_workbook(tmp_path / "y.xlsx").active.iter_rows(min_row=4)
    ]
    assert got == want
    assert [r[0] for r in got] == [1, 2, 3, 4, 5, 9]
    assert got[1][1] == " 前后空格 " and got[0][1] == "a&b<c>d"
    assert a.dimensions == b.dimensions == "A1:C9"
    for ref in ("A4", "B4", "C4", "B9"):
        assert a[ref].style_id == b[ref].style_id
    assert a["B4"].alignment.wrap_text and a["C4"].alignment.horizontal == "center"
