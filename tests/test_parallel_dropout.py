"""reportgen dropout --workers: the archives in chunks of students; the process pool writes the same
files (same bytes, same de-duplicated names) and manifest as one process, and a bad record fails
only that student's archive."""

from types import SimpleNamespace

import pytest
from builders import bad_template, full_county, make_id, write_xlsx
from test_parallel import files, manifest

from reportgen.documents.dropout_archive import CHUNK_MAX, CHUNK_MIN, chunk_size

ARGS = ("dropout", "--county", "--as-of", "2023-10-01")


@pytest.fixture
def dropout_ws(run, workspace, monkeypatch):
    """Four dropout cases; G003 and g003 differ only in case, so their archives are named _2.
    Chunks of one student (the parent plans them), so that four cases make four partitions."""
    from reportgen.documents import dropout_archive

    monkeypatch.setattr(dropout_archive, "CHUNK_MIN", 1)
    monkeypatch.setenv("REPORTGEN_TODAY", "2023-10-08")
    (workspace / "reportgen.toml").write_text(
        '[county]\nname = "青山县"\n[offices]\neducation = "青山县教育局"\n', encoding="utf-8"
    )
    full_county(workspace / "in")
    write_xlsx(
        workspace / "in" / "更多.xlsx",
        {"学生": [["学籍号", "姓名", "证件号码", "学校代码", "学段", "年级", "班级"],
                  ["G003", "王小刚", make_id("20100303", 73), "S01", "初中", "八年级", "2班"],
                  ["g003", "王小刚", make_id("20100404", 74), "S01", "初中", "八年级", "2班"]],
         "辍学学生": [["学籍号", "发现日期", "辍学原因", "当前状态"],
                   ["G002", "2023-09-06", "外出务工", "劝返中"],
                   ["G003", "2023-09-07", "厌学", "劝返中"],
                   ["g003", "2023-09-08", "厌学", "已复学"]]},
    )  # fmt: skip
    result = run("import", "in")
    assert result.exit_code == 0, result.output
    return workspace


def test_pool_writes_the_same_bytes_as_one_process(run, dropout_ws, pools):
    one = run(*ARGS, "--workers", "1", "--out", "one")
    two = run(*ARGS, "--workers", "2", "--out", "two")
    assert one.exit_code == 0, one.output
    assert two.exit_code == 0, two.output
    assert pools == [2]  # --workers 1 ran in this process, --workers 2 in a pool of two
    assert "已生成 4 名辍学学生的控辍保学档案" in two.output
    assert one.output.replace("/one/", "/two/") == two.output
    a, b = files(dropout_ws / "one"), files(dropout_ws / "two")
    assert a == b
    names = sorted(name for name in a if name.endswith(".docx"))
    assert len(names) == 4 and "控辍保学档案_城关镇第一初级中学_王小刚_G003.docx" in names
    assert any(n.lower() == "控辍保学档案_城关镇第一初级中学_王小刚_g003_2.docx" for n in names)
    assert "控辍保学台账_青山县_2023年10月1日.xlsx" in a
    assert manifest(dropout_ws / "one") == manifest(dropout_ws / "two")


def test_a_bad_record_fails_only_its_archive(run, dropout_ws):
    bad_template(dropout_ws, "控辍保学档案", "李小红")
    outs = {}
    for workers in ("1", "2"):
        result = run(*ARGS, "--workers", workers, "--out", workers)
        assert result.exit_code == 7, result.output
        assert "李小红（学籍号 G002）" in result.stderr
        outs[workers] = result.stderr
        folder = dropout_ws / workers
        archives = sorted(p.name for p in folder.glob("*.docx"))
        assert len(archives) == 3 and not [n for n in archives if "李小红" in n]
        assert (folder / "控辍保学台账_青山县_2023年10月1日.xlsx").is_file()
    assert outs["1"] == outs["2"]
    assert files(dropout_ws / "1") == files(dropout_ws / "2")
    assert manifest(dropout_ws / "1") == manifest(dropout_ws / "2")


def test_zip_one_student_and_a_small_batch_run_in_this_process(run, dropout_ws, pools, monkeypatch):
    for extra in (("--county", "--zip"), ("--student", "G001")):
        result = run("dropout", *extra, "--as-of", "2023-10-01", "--workers", "2")
        assert result.exit_code == 0, result.output
    from reportgen.documents import dropout_archive

    monkeypatch.setattr(dropout_archive, "CHUNK_MIN", 2)  # four students: two chunks
    assert run(*ARGS, "--workers", "2", "--out", "two").exit_code == 0
    monkeypatch.setattr(dropout_archive, "CHUNK_MIN", 3)  # fewer than 2×3: one process
    assert run(*ARGS, "--workers", "2", "--out", "one").exit_code == 0
    assert pools == [2]
    assert (dropout_ws / "输出" / "控辍保学" / "控辍保学档案_青山县.zip").is_file()
    assert files(dropout_ws / "one") == files(dropout_ws / "two")


def test_chunks_and_names(monkeypatch):
    from reportgen.documents import dropout_archive
    from reportgen.documents.runner import name_plan

    # up to four chunks a worker, at least CHUNK_MIN students each (fewer: one chunk), at most CHUNK_MAX
    assert (CHUNK_MIN, CHUNK_MAX) == (500, 1000)
    sizes = [chunk_size(n, 2) for n in (1, 999, 1000, 1999, 2000, 4000, 6000, 10**6)]
    assert sizes == [1, 999, 500, 667, 500, 500, 750, 1000]
    assert chunk_size(6000, 1) == 1000
    from click.testing import CliRunner

    from reportgen.cli import cli

    shown = " ".join(CliRunner().invoke(cli, ["dropout", "--help"]).output.split())
    assert f"每批 {CHUNK_MIN}～{CHUNK_MAX} 人" in shown and f"不足 {2 * CHUNK_MIN} 名学生" in shown
    cases = [
        SimpleNamespace(school="一中", name="王小刚", student_no=no)
        for no in ("G003", "g003", "G003_2", "a/b", "a:b")
    ]
    monkeypatch.setattr(dropout_archive, "selected_cases", lambda *args: cases)
    monkeypatch.setattr(dropout_archive, "CHUNK_MIN", 2)  # five students: chunks of 2, 2, 1
    monkeypatch.setattr(dropout_archive, "CHUNK_MAX", 2)
    job = dropout_archive.DropoutJob(dropout_archive.CaseSelection("一中"), None)
    plan = name_plan(dropout_archive.KIND.plan(SimpleNamespace(dataset=None), job, 2))
    assert [(p.key, p.record_files) for p in plan] == [
        (("G003", "g003"), ("控辍保学档案_一中_王小刚_G003.docx", "控辍保学档案_一中_王小刚_g003_2.docx")),
        (("G003_2", "a/b"), ("控辍保学档案_一中_王小刚_G003_2_2.docx", "控辍保学档案_一中_王小刚_a_b.docx")),
        (("a:b",), ("控辍保学档案_一中_王小刚_a_b_2.docx",)),
    ]  # fmt: skip


@pytest.mark.soffice
def test_pdf_in_the_workers(run, dropout_ws, backend):
    if backend != "sqlite":
        pytest.skip("PDF conversion does not depend on the database")
    result = run(*ARGS, "--workers", "2", "--pdf", "--out", "p")
    assert result.exit_code == 0, result.output
    folder = dropout_ws / "p"
    docx = sorted(p.stem for p in folder.glob("*.docx"))
    assert len(docx) == 4 and sorted(p.stem for p in folder.glob("*.pdf")) == docx
    outputs = __import__("json").loads((folder / "manifest.json").read_text(encoding="utf-8"))[
        "outputs"
    ]
    kinds = [o["kind"] for o in outputs]
    assert kinds.count("pdf") == 4 and kinds.count("docx") == 4 and kinds[0] == "xlsx"
    # each archive's PDF follows its .docx in the manifest, as in one process
    for a, b in zip(outputs[1::2], outputs[2::2], strict=True):
        assert (a["kind"], b["kind"]) == ("docx", "pdf")
        assert a["file"].rsplit(".", 1)[0] == b["file"].rsplit(".", 1)[0]
