"""reportgen monitor-sheet --workers: the process pool writes the same files (same bytes, QR codes
included) as one process, one village per partition; with --all every household of each village."""

import json
import zipfile
from pathlib import Path

import pytest
from builders import bad_template, full_county, make_id, write_xlsx
from openpyxl import load_workbook
from test_parallel import files, manifest

from reportgen.places import Place


@pytest.fixture
def village_ws(run, workspace, monkeypatch):
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-10-08")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[hotlines]\nmonitoring = "0376-5550110"\n'
        '[monitoring]\nyimatong_url = "https://example.org/yimatong"\n',
        encoding="utf-8",
    )
    full_county(workspace / "in")
    assert run("import", "in").exit_code == 0
    return workspace


def test_pool_writes_the_same_bytes_as_one_process(run, village_ws, monkeypatch):
    from reportgen import workers as pool_module

    pools = []
    real = pool_module.make_executor
    monkeypatch.setattr(pool_module, "make_executor", lambda n: pools.append(n) or real(n))
    args = ("monitor-sheet", "--county", "--all")
    one = run(*args, "--workers", "1", "--out", "one")
    two = run(*args, "--workers", "2", "--out", "two")
    assert one.exit_code == 0, one.output
    assert two.exit_code == 0, two.output
    assert pools == [2]  # --workers 1 ran in this process, --workers 2 in a pool of two
    assert one.output.replace("/one/", "/two/") == two.output
    a, b = files(village_ws / "one"), files(village_ws / "two")
    assert sorted(a) == sorted(b) and a == b
    docx = sorted(name for name in a if name.endswith(".docx"))
    assert docx == [
        "防止返贫监测明白纸_城关镇王庄村.docx",
        "防止返贫监测明白纸_河口乡李湾村.docx",
        "防止返贫监测明白纸_河口乡王庄村.docx",
    ]  # --all: every village with a household, one partition each
    assert sum(name.endswith(".xlsx") for name in a) == 3
    with zipfile.ZipFile(village_ws / "two" / docx[0]) as z:
        assert any(n.startswith("word/media/") for n in z.namelist())  # the QR code image
    assert manifest(village_ws / "one") == manifest(village_ws / "two")


def test_pool_gives_every_household_its_pages_as_one_process(run, village_ws):
    """--all in a village mixing households monitored and not: the same records, pages and
    rosters from the pool as from one process."""
    write_xlsx(
        village_ws / "more.xlsx",
        {"户信息": [["户编号", "村区划代码", "户主姓名", "户主证件号码", "户类型", "监测类型", "风险是否消除"],
                 ["H004", "411599102201", "赵四海", make_id("19700202", 21), "一般农户", "", ""],
                 ["H005", "411599102201", "钱五岭", make_id("19710303", 22), "监测户", "突发严重困难户", "是"],
                 ["H006", "411599101201", "孙六江", make_id("19720404", 23), "脱贫户", "脱贫不稳定户", ""]]},
    )  # fmt: skip
    assert run("import", "more.xlsx").exit_code == 0
    outputs = {}
    for workers in ("1", "2"):
        result = run("monitor-sheet", "--county", "--all", "--workers", workers, "--out", workers)
        assert result.exit_code == 0, result.output
        outputs[workers] = result.output.replace(f"/{workers}/", "/")
    assert outputs["1"] == outputs["2"]
    assert "6 户的防止返贫监测明白纸：正在监测的 2 户每户两页" in outputs["2"]
    assert files(village_ws / "1") == files(village_ws / "2")
    assert manifest(village_ws / "1") == manifest(village_ws / "2")
    pages = {}
    for roster in (village_ws / "2").glob("*.xlsx"):
        for r in load_workbook(roster)["名单"].iter_rows(min_row=3, values_only=True):
            pages[r[0]] = r[5]
    # H002 and H006 monitored, H001 a 脱贫户 (its 脱贫人口明白卡): two pages; H003 一般农户, H004
    # 一般农户, H005 risk eliminated: one
    assert pages == {"H001": 2, "H002": 2, "H003": 1, "H004": 1, "H005": 1, "H006": 2}


def test_a_bad_record_fails_its_village_only(run, village_ws):
    bad_template(village_ws, "防止返贫监测明白纸", "李二河", variable="head")
    outs = {}
    for workers in ("1", "2"):
        result = run("monitor-sheet", "--county", "--all", "--workers", workers, "--out", workers)
        assert result.exit_code == 7, result.output
        assert "李二河（户编号 H002）" in result.stderr
        outs[workers] = result.stderr
        folder = village_ws / workers
        assert sorted(p.name for p in folder.glob("*.docx")) == [
            "防止返贫监测明白纸_城关镇王庄村.docx",
            "防止返贫监测明白纸_河口乡李湾村.docx",
        ]
        assert len(list(folder.glob("*.xlsx"))) == 3  # rosters are still written
    assert outs["1"] == outs["2"]
    assert files(village_ws / "1") == files(village_ws / "2")
    assert manifest(village_ws / "1") == manifest(village_ws / "2")


def test_zip_household_and_one_village_run_in_this_process(run, village_ws, monkeypatch):
    from reportgen import workers as pool_module

    pools = []
    real = pool_module.make_executor
    monkeypatch.setattr(pool_module, "make_executor", lambda n: pools.append(n) or real(n))
    for extra in (("--county", "--all", "--zip"), ("--household", "H002"), ("--county",)):
        result = run("monitor-sheet", *extra, "--workers", "2")
        assert result.exit_code == 0, result.output
    assert pools == []
    assert list((village_ws / "输出" / "防止返贫监测明白纸").glob("*.zip"))


def test_plan_names_files_as_the_single_process_path(run, village_ws):
    from reportgen.config import load_settings
    from reportgen.documents.common import DocumentRun
    from reportgen.documents.monitor_sheet import KIND, SheetJob, select_villages
    from reportgen.documents.runner import name_plan
    from reportgen.engine.batch import unique_name
    from reportgen.workspace import open_dataset

    used: set[str] = set()
    names = [
        unique_name(Path(n), used).as_posix() for n in ("村.docx", "村.docx", "X.docx", "x.docx")
    ]
    assert names == ["村.docx", "村_2.docx", "X.docx", "x_2.docx"]

    settings = load_settings(village_ws)
    dataset = open_dataset(settings)
    try:
        doc = DocumentRun(settings, dataset, village_ws / "o", "", {}, None)
        villages, _ = select_villages(dataset, county=True)

        def plan(villages, include_all):
            return name_plan(KIND.plan(doc, SheetJob(tuple(villages), include_all)))

        # 李湾村 has only a 一般农户: in the plan with --all, not without
        assert [(p.key.code, p.file, p.list_file, p.weight) for p in plan(villages, True)] == [
            ("411599101201", "防止返贫监测明白纸_城关镇王庄村.docx", "防止返贫监测明白纸名单_城关镇王庄村.xlsx", 1),
            ("411599102201", "防止返贫监测明白纸_河口乡王庄村.docx", "防止返贫监测明白纸名单_河口乡王庄村.xlsx", 1),
            ("411599102202", "防止返贫监测明白纸_河口乡李湾村.docx", "防止返贫监测明白纸名单_河口乡李湾村.xlsx", 1),
        ]  # fmt: skip
        assert [p.key.code for p in plan(villages, False)] == ["411599102201"]
        # a village without households takes no name
        twin = Place("411599102209", "王庄村", "村", "411599102", ("青山县", "河口乡", "王庄村"))
        assert len(plan([*villages, twin], True)) == 3
        # the same village twice: the second print file and roster are _2, none overwritten
        same = villages[1]
        last = plan([*villages, same], True)[-1]
        assert (last.file, last.list_file) == (
            "防止返贫监测明白纸_河口乡王庄村_2.docx", "防止返贫监测明白纸名单_河口乡王庄村_2.xlsx"
        )  # fmt: skip
    finally:
        dataset.dispose()


@pytest.mark.soffice
def test_pdf_in_the_workers(run, village_ws, backend):
    if backend != "sqlite":
        pytest.skip("PDF conversion does not depend on the database")
    result = run("monitor-sheet", "--county", "--all", "--workers", "2", "--pdf", "--out", "p")
    assert result.exit_code == 0, result.output
    folder = village_ws / "p"
    pdfs = sorted(p.stem for p in folder.glob("*.pdf"))
    assert pdfs == sorted(p.stem for p in folder.glob("*.docx")) and len(pdfs) == 3
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    kinds = [o["kind"] for o in doc["outputs"]]
    assert kinds == ["docx", "pdf"] * 3 + ["xlsx"] * 3  # as render_batch orders them
