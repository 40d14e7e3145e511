import json
import pickle
import zipfile

import docx
import pytest
from click.testing import CliRunner
from docx_helpers import build_docx, docx_text, record

from reportgen.cli import cli
from reportgen.engine import (
    RunInfo,
    find_template,
    list_templates,
    make_meta,
    render_batch,
    render_partition,
    safe_filename,
)
from reportgen.engine.ooxml import para
from reportgen.errors import RenderError

META = make_meta("数据来源：2023年9月1日导入（第1次导入）", "2023-09-02")


def _records():
    for school in ("城关一中", "城关二中", "王庄小学"):
        for i in range(3):
            yield record(i, school=school)


def test_one_file_per_group_one_record_per_page(card_template, tmp_path):
    out = tmp_path / "out"
    res = render_batch(
        card_template,
        _records(),
        out,
        file_name="学生资助政策明白卡_{group}",
        group_by="school",
        meta=META,
    )
    names = sorted(p.name for p in out.glob("*.docx"))
    assert names == [
        "学生资助政策明白卡_城关一中.docx",
        "学生资助政策明白卡_城关二中.docx",
        "学生资助政策明白卡_王庄小学.docx",
    ]
    assert res.records == 9 and res.ok
    d = docx.Document(str(out / "学生资助政策明白卡_王庄小学.docx"))
    assert len(d.tables) == 3
    assert "王庄小学学生资助政策明白卡" in docx_text(out / "学生资助政策明白卡_王庄小学.docx")
    assert "数据来源：2023年9月1日导入（第1次导入）；生成日期：2023年9月2日" in docx_text(
        out / "学生资助政策明白卡_王庄小学.docx"
    )


def test_rerun_is_byte_identical_and_overwrites(card_template, tmp_path):
    out = tmp_path / "out"
    render_batch(
        card_template, _records(), out, file_name="卡_{group}", group_by="school", meta=META
    )
    first = {p.name: p.read_bytes() for p in out.glob("*.docx")}
    render_batch(
        card_template, _records(), out, file_name="卡_{group}", group_by="school", meta=META
    )
    second = {p.name: p.read_bytes() for p in out.glob("*.docx")}
    assert first == second
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [*first, "manifest.json"]
    )


def test_failed_record_leaves_no_file_for_its_group(card_template, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "卡_城关二中.docx").write_bytes(b"old output from an earlier run")
    recs = list(_records())
    recs[4] = {**recs[4], "total": "不是数字"}  # 城关二中, second student: daxie raises
    with pytest.raises(RenderError) as err:
        render_batch(
            card_template,
            recs,
            out,
            file_name="卡_{group}",
            group_by="school",
            meta=META,
            label="name",
        )
    assert "学生1" in err.value.message and "不是金额" in err.value.message
    assert err.value.failures == [("学生1", err.value.failures[0][1])]
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        "manifest.json",
        "卡_城关一中.docx",
        "卡_王庄小学.docx",
    ]  # no temp left, stale file gone
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["failures"][0]["group"] == "城关二中"
    assert manifest["summary"] == {"files": 2, "failures": 1}


def test_manifest_content(card_template, tmp_path):
    out = tmp_path / "out"
    run = RunInfo(
        command="reportgen card --school 城关一中",
        options={"pdf": False, "split": "group"},
        import_id=3,
        imported_at="2023-09-01T10:00:00",
    )
    res = render_batch(
        card_template,
        _records(),
        out,
        file_name="卡_{group}",
        group_by="school",
        meta=META,
        run=run,
    )
    m = json.loads((out / "manifest.json").read_text("utf-8"))
    assert list(m) == [
        "command",
        "options",
        "data_import",
        "templates",
        "generated_at",
        "summary",
        "outputs",
        "failures",
    ]
    assert m["command"] == "reportgen card --school 城关一中"
    assert m["data_import"] == {"id": 3, "imported_at": "2023-09-01T10:00:00"}
    assert m["templates"][0]["name"] == "明白卡" and len(m["templates"][0]["sha256"]) == 64
    assert [o["file"] for o in m["outputs"]] == sorted(o["file"] for o in m["outputs"])
    first = m["outputs"][0]
    assert set(first) == {"file", "group", "kind", "records", "size", "sha256"}
    assert first["records"] == 3 and first["kind"] == "docx"
    assert res.manifest_path == out / "manifest.json"


def test_split_per_record_in_group_folders(card_template, tmp_path):
    out = tmp_path / "out"
    render_batch(
        card_template,
        _records(),
        out,
        split="record",
        group_by="school",
        file_name="{group}",
        record_name="{n:03d}_{name}",
        meta=META,
    )
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.docx"))[:3] == [
        "城关一中/001_学生0.docx",
        "城关一中/002_学生1.docx",
        "城关一中/003_学生2.docx",
    ]
    assert len(list(out.rglob("*.docx"))) == 9


def test_zip_output(card_template, tmp_path):
    out = tmp_path / "out"
    res = render_batch(
        card_template,
        _records(),
        out,
        file_name="卡_{group}",
        group_by="school",
        zip_name="明白卡",
        meta=META,
    )
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "明白卡.zip"]
    with zipfile.ZipFile(out / "明白卡.zip") as zf:
        assert sorted(zf.namelist()) == ["卡_城关一中.docx", "卡_城关二中.docx", "卡_王庄小学.docx"]
    assert res.outputs[0].records == 9
    first = (out / "明白卡.zip").read_bytes()
    render_batch(
        card_template,
        _records(),
        out,
        file_name="卡_{group}",
        group_by="school",
        zip_name="明白卡",
        meta=META,
    )
    assert (out / "明白卡.zip").read_bytes() == first


def test_same_display_name_never_overwrites(card_template, tmp_path):
    recs = [record(1, school="王庄村", code="1"), record(2, school="王庄村", code="2")]
    render_batch(
        card_template,
        recs,
        tmp_path,
        group_by="code",
        file_name=lambda g, ctx: ctx["school"],
        meta=META,
    )
    assert sorted(p.name for p in tmp_path.glob("*.docx")) == ["王庄村.docx", "王庄村_2.docx"]


def test_unsorted_groups_are_refused(card_template, tmp_path):
    recs = [record(1, school="甲"), record(2, school="乙"), record(3, school="甲")]
    with pytest.raises(ValueError, match="没有按分组排序"):
        render_batch(card_template, recs, tmp_path, group_by="school", meta=META)


def test_progress_callback(card_template, tmp_path):
    seen = []
    render_batch(
        card_template, _records(), tmp_path, group_by="school", meta=META, progress=seen.append
    )
    assert sum(seen) == 9


def test_render_partition_is_picklable_and_reports(card_template, tmp_path):
    args = (
        str(card_template),
        [{**record(i), "_meta": META} for i in range(3)],
        str(tmp_path / "p1.docx"),
        {"group": "城关一中", "label": "name"},
    )
    pickle.dumps(args)
    entry = render_partition(*args)
    pickle.dumps(entry)
    assert entry["records"] == 3 and entry["failures"] == [] and len(entry["sha256"]) == 64
    bad = [{**record(1), "_meta": META}, {**record(2), "items": 5, "_meta": META}]
    entry = render_partition(str(card_template), bad, str(tmp_path / "p2.docx"), {"label": "name"})
    assert entry["records"] == 0 and entry["failures"][0]["record"] == "学生2"
    assert not (tmp_path / "p2.docx").exists()


def test_safe_filename():
    assert safe_filename('城关/一中:"初三"*?') == "城关_一中__初三___"
    assert safe_filename("CON") == "_CON"
    assert safe_filename("  王庄村. ") == "王庄村"
    assert safe_filename("") == "未命名"


def test_workspace_template_overrides_builtin(tmp_path):
    ws = tmp_path / "ws"
    assert find_template("公文", workspace=ws).source == "builtin"
    build_docx(ws / "templates" / "docx" / "公文.docx", para("本地版本：{{ title }}"))
    ref = find_template("公文", workspace=ws)
    assert ref.source == "workspace" and ref.overrides
    listed = {(r.name, r.kind): r for r in list_templates(ws)}
    assert listed[("公文", "docx")].label == "工作目录（覆盖内置）"
    assert listed[("名单", "xlsx")].source == "builtin"
    render_batch("公文", [{"title": "测试"}], tmp_path / "out", file_name="x", workspace=ws)
    assert "本地版本：测试" in docx_text(tmp_path / "out" / "x.docx")


def test_files_directly_in_templates_folder(tmp_path):
    build_docx(tmp_path / "templates" / "通知.docx", para("{{ a }}"))
    assert find_template("通知", workspace=tmp_path).path == tmp_path / "templates" / "通知.docx"


def test_builtin_official_template_renders(tmp_path):
    from reportgen.engine.builtin_specs import OFFICIAL_SAMPLE

    res = render_batch("公文", [OFFICIAL_SAMPLE], tmp_path, file_name="公示", meta=META)
    text = docx_text(tmp_path / "公示.docx")
    assert "王庄村2023年度衔接资金项目公示" in text and "2023年9月1日" in text
    assert "序号 | 项目名称" in text
    assert res.ok


def test_cli_templates_commands(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["-C", str(tmp_path), "templates", "list"])
    assert result.exit_code == 0, result.output
    assert "公文" in result.output and "内置" in result.output
    result = runner.invoke(cli, ["-C", str(tmp_path), "templates", "export", "公文"])
    assert result.exit_code == 0, result.output
    exported = tmp_path / "templates" / "docx" / "公文.docx"
    assert exported.exists()
    result = runner.invoke(cli, ["-C", str(tmp_path), "templates", "list"])
    assert "工作目录（覆盖内置）" in result.output
    result = runner.invoke(cli, ["-C", str(tmp_path), "templates", "check", str(exported)])
    assert result.exit_code == 0 and "检查通过" in result.output
    bad = build_docx(tmp_path / "公文2.docx", para("{{ titel }}") + para("{% for x in y %}"))
    result = runner.invoke(
        cli, ["-C", str(tmp_path), "templates", "check", str(bad), "--as", "公文"]
    )
    assert result.exit_code == 6
    assert "第" in result.output and "行" in result.output and "endfor" in result.output
    bad2 = build_docx(tmp_path / "公文3.docx", para("{{ titel }}"))
    result = runner.invoke(
        cli, ["-C", str(tmp_path), "templates", "check", str(bad2), "--as", "公文"]
    )
    assert result.exit_code == 6 and "未知变量“titel”" in result.output


def test_cli_doctor(tmp_path, monkeypatch):
    from importlib import metadata

    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "doctor"])
    assert result.exit_code == 0
    assert (
        "LibreOffice" in result.output and "中文字体" in result.output and "数据库" in result.output
    )
    from reportgen import workers
    from reportgen.workers import default_workers

    assert f"本机可用 {default_workers()} 个 CPU 核" in result.output
    how = "fork" if workers.forks_here() else "spawn"
    assert f"工作进程以 {how} 方式启动" in result.output
    assert f"Dask distributed {metadata.version('distributed')}（可用 --cluster）" in result.output

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    monkeypatch.setattr(workers, "START_METHOD", "spawn")  # as on Windows
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "doctor"])
    assert result.exit_code == 0
    assert "工作进程以 spawn 方式启动（每个先导入约 0.6 秒，小数据时单进程）" in result.output
    assert (
        "Dask distributed 未安装（可选，用于 --cluster：pip install 'reportgen[cluster]'）"
        in result.output
    )


def test_check_reports_an_unknown_top_level_variable_once(tmp_path):
    import zipfile

    import reportgen.documents  # noqa: F401  (declares the card's variables)
    from reportgen.engine import check_template
    from reportgen.paths import builtin_templates_dir

    src = builtin_templates_dir() / "docx" / "学生资助政策明白卡.docx"
    bad = tmp_path / "学生资助政策明白卡.docx"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(bad, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "word/document.xml":
                data = data.decode().replace("{{ name }}", "{{ student_nmae }}", 1).encode()
            out.writestr(name, data)
    issues = check_template(bad)
    assert [i.message for i in issues] == ["未知变量“student_nmae”：这类文书不提供这个变量"]
