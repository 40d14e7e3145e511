"""`reportgen render TEMPLATE DATA --out FILE [--batch]` and a workspace's own filters (filters.py)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.engine import render_batch
from reportgen.engine.builtin_specs import LIST_SAMPLE
from reportgen.engine.ooxml import para

sys.path.insert(0, str(Path(__file__).parent / "engine"))
from docx_helpers import build_docx, document_xml, docx_text  # noqa: E402

PROOF = (
    "兹证明{{ 姓名 }}（编号{{ 编号 }}），身份证号{{ 证件号|mask_id }}，"
    "于{{ 日期|cndate }}领取{{ 金额|daxie }}。"
)
ID = "410102200501011234"


def proof_template(folder: Path, name: str = "证明.docx") -> Path:
    return build_docx(folder / name, para("证明") + para(PROOF) + para("{{ _meta.data_source }}"))


def render(ws: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(ws), "-q", "render", *args])


def write_sheet(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


ONE = {"姓名": "张三", "编号": "0012", "证件号": ID, "日期": "2023-09-01", "金额": 1250}


@pytest.mark.parametrize("data", [ONE, [ONE]], ids=["object", "list-of-one"])
def test_one_record_from_json(tmp_path, data):
    tpl = proof_template(tmp_path)
    (tmp_path / "张三.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    got = render(
        tmp_path, str(tpl), str(tmp_path / "张三.json"), "--out", str(tmp_path / "出.docx")
    )
    assert got.exit_code == 0, got.output
    assert f"已生成：{tmp_path / '出.docx'}（1 条记录）" in got.output
    assert docx_text(tmp_path / "出.docx").split("\n") == [
        "证明",
        "兹证明张三（编号0012），身份证号410***********1234，于2023年9月1日领取壹仟贰佰伍拾元整。",
        "数据来源：张三.json",
    ]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_batch_from_xlsx_one_page_per_record(tmp_path):
    tpl = proof_template(tmp_path)
    data = write_sheet(
        tmp_path / "名单.xlsx",
        [
            ["姓名", "编号", "证件号", "日期", "金额"],
            ["甲", "0001", ID, dt.date(2023, 9, 1), 100],
            [None, None, None, None, None],  # a blank row between records is skipped
            ["乙", "0002", ID, dt.datetime(2023, 9, 2), 200.5],
            ["丙", "0003", ID, dt.date(2023, 9, 3), 2.05],
        ],
    )
    out = tmp_path / "全部.docx"
    got = render(tmp_path, str(tpl), str(data), "--batch", "--out", str(out))
    assert got.exit_code == 0, got.output
    assert "（3 条记录）" in got.output
    lines = docx_text(out).split("\n")
    assert [x for x in lines if x.startswith("兹证明")] == [
        "兹证明甲（编号0001），身份证号410***********1234，于2023年9月1日领取壹佰元整。",
        "兹证明乙（编号0002），身份证号410***********1234，于2023年9月2日领取贰佰元伍角。",
        "兹证明丙（编号0003），身份证号410***********1234，于2023年9月3日领取贰元零伍分。",
    ]
    # three records, each from a new page: two page breaks, no blank page at the end
    assert document_xml(out).count("<w:pageBreakBefore/>") == 2


def test_several_records_without_batch_is_a_usage_error(tmp_path):
    tpl = proof_template(tmp_path)
    data = tmp_path / "两条.json"
    data.write_text(
        json.dumps([ONE, {**ONE, "姓名": "李四"}], ensure_ascii=False), encoding="utf-8"
    )
    got = render(tmp_path, str(tpl), str(data), "--out", str(tmp_path / "出.docx"))
    assert got.exit_code == 2
    assert "数据里有 2 条记录，不加 --batch 只能生成一条记录" in got.output
    assert "请加 --batch" in got.output
    assert not (tmp_path / "出.docx").exists()


def test_bad_json_is_located(tmp_path):
    tpl = proof_template(tmp_path)
    data = tmp_path / "坏.json"
    data.write_text('{"姓名": "张三",\n "金额": 12,,}', encoding="utf-8")
    got = render(tmp_path, str(tpl), str(data), "--out", str(tmp_path / "出.docx"))
    assert got.exit_code == 4
    assert (
        "数据文件 坏.json 不是有效的 JSON：第2行第11列，键名要用英文双引号括起来（或多了一个逗号）"
        in got.output
    )


def test_missing_variable_names_record_and_template_place(tmp_path):
    tpl = proof_template(tmp_path)
    data = tmp_path / "缺.json"
    lacking = {k: v for k, v in ONE.items() if k != "证件号"}
    data.write_text(json.dumps([ONE, lacking], ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "出.docx"
    got = render(tmp_path, str(tpl), str(data), "--batch", "--out", str(out))
    assert got.exit_code == 6
    assert "缺.json 第2条记录：模板变量“证件号”未定义（正文 第2行" in got.output
    assert not out.exists()


def test_output_type_must_match_template(tmp_path):
    tpl = proof_template(tmp_path)
    (tmp_path / "一.json").write_text(json.dumps(ONE, ensure_ascii=False), encoding="utf-8")
    got = render(tmp_path, str(tpl), str(tmp_path / "一.json"), "--out", str(tmp_path / "出.xlsx"))
    assert got.exit_code == 2
    assert "请用 --out 某某.docx" in got.output


def test_gbk_csv_record(tmp_path):
    tpl = proof_template(tmp_path)
    data = tmp_path / "一.csv"
    data.write_bytes(f"姓名,编号,证件号,日期,金额\n王五,0099,{ID},2023-10-01,5\n".encode("gbk"))
    got = render(tmp_path, str(tpl), str(data), "--out", str(tmp_path / "出.docx"))
    assert got.exit_code == 0, got.output
    assert (
        "兹证明王五（编号0099），身份证号410***********1234，于2023年10月1日领取伍元整。"
        in docx_text(tmp_path / "出.docx")
    )


def test_xlsx_template_from_builtin_list(tmp_path):
    data = tmp_path / "名单.json"
    sample = {
        **LIST_SAMPLE,
        "rows": [*LIST_SAMPLE["rows"], {**LIST_SAMPLE["rows"][0], "no": 2, "name": "李四"}],
    }
    data.write_text(json.dumps(sample, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "王庄村名单.xlsx"
    got = render(tmp_path, "名单", str(data), "--out", str(out))
    assert got.exit_code == 0, got.output
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][0] == "名单" and rows[1][0] == "某某村"
    assert rows[3] == (1, "张三", "脱贫户", 1250.0, "2023年9月1日", None)
    assert rows[4] == (2, "李四", "脱贫户", 1250.0, "2023年9月1日", None)
    assert rows[5][3] == "=SUM(D4:D5)"
    assert rows[6][0] == "数据来源：名单.json；生成日期：" + rows[6][0].split("生成日期：")[1]
    # an Excel template makes one workbook: --batch is refused, and says what to do instead
    got = render(tmp_path, "名单", str(data), "--batch", "--out", str(out))
    assert got.exit_code == 2
    assert "Excel 模板一次生成一个工作簿，不能用 --batch" in got.output


# ------------------------------------------------------------------------------ filters.py
SHOUT = 'def shout(value):\n    return f"{value}！"\n\n\nFILTERS = {"喊": shout}\n'


def shout_workspace(ws: Path) -> Path:
    ws.mkdir(parents=True, exist_ok=True)
    (ws / "filters.py").write_text(SHOUT, encoding="utf-8")
    (ws / "一.json").write_text(json.dumps(ONE, ensure_ascii=False), encoding="utf-8")
    build_docx(ws / "templates" / "docx" / "喊话.docx", para("{{ 姓名|喊 }}"))
    return ws


def test_workspace_filter_in_workspace_template(tmp_path):
    ws = shout_workspace(tmp_path / "县")
    got = render(ws, "喊话", str(ws / "一.json"), "--out", str(ws / "出.docx"))
    assert got.exit_code == 0, got.output
    assert docx_text(ws / "出.docx") == "张三！"


def test_workspace_filter_reaches_document_kinds_through_render_batch(tmp_path):
    # document kinds call render_batch(workspace=...): their (overridden) templates see filters.py
    ws = shout_workspace(tmp_path / "县")
    result = render_batch("喊话", [ONE], tmp_path / "out", workspace=ws, manifest=False)
    assert docx_text(result.out_dir / result.outputs[0].file) == "张三！"


def test_second_workspace_does_not_see_first_workspace_filter(tmp_path):
    first = shout_workspace(tmp_path / "甲县")
    second = tmp_path / "乙县"
    second.mkdir()
    # one template outside both workspaces: compiled once, rendered for each
    shared = build_docx(tmp_path / "共用.docx", para("{{ 姓名|喊 }}"))
    got = render(first, str(shared), str(first / "一.json"), "--out", str(first / "出.docx"))
    assert got.exit_code == 0, got.output
    assert docx_text(first / "出.docx") == "张三！"
    got = render(second, str(shared), str(first / "一.json"), "--out", str(second / "出.docx"))
    assert got.exit_code == 6
    assert "一.json：没有名为“喊”的过滤器（本工作目录的 filters.py 里没有定义它）" in got.output
    assert not (second / "出.docx").exists()
    # and a template of the second workspace's own is refused when it is compiled
    build_docx(second / "templates" / "docx" / "喊话.docx", para("{{ 姓名|喊 }}"))
    got = render(second, "喊话", str(first / "一.json"), "--out", str(second / "出.docx"))
    assert got.exit_code == 6
    assert "“喊”的过滤器" in got.output or "没有这个过滤器" in got.output


def test_filter_clashing_with_builtin_is_refused(tmp_path):
    ws = shout_workspace(tmp_path / "县")
    (ws / "filters.py").write_text(
        'def money(value):\n    return "钱"\n\n\nFILTERS = {"money": money}\n', encoding="utf-8"
    )
    got = render(ws, str(proof_template(ws)), str(ws / "一.json"), "--out", str(ws / "出.docx"))
    assert got.exit_code == 3
    assert f"自定义过滤器文件 {ws / 'filters.py'}：过滤器名“money”与内置过滤器重名" in got.output
    assert not (ws / "出.docx").exists()


def test_broken_filters_file_names_file_and_line(tmp_path):
    ws = shout_workspace(tmp_path / "县")
    (ws / "filters.py").write_text("import os\n\nx = 1 / 0\nFILTERS = {}\n", encoding="utf-8")
    got = render(ws, "喊话", str(ws / "一.json"), "--out", str(ws / "出.docx"))
    assert got.exit_code == 3
    assert f"自定义过滤器文件 {ws / 'filters.py'} 第3行无法加载：ZeroDivisionError" in got.output


def test_sheet_header_problems_are_located(tmp_path):
    tpl = proof_template(tmp_path)
    twice = write_sheet(tmp_path / "重复.xlsx", [["姓名", "编号", "姓名"], ["甲", "1", "乙"]])
    got = render(tmp_path, str(tpl), str(twice), "--out", str(tmp_path / "出.docx"))
    assert got.exit_code == 4
    assert "数据文件 重复.xlsx：表头“姓名”重复" in got.output
    assert "重复.xlsx / Sheet / 第1行 / C列: 与A列重名 (姓名)" in got.output
    headless = write_sheet(tmp_path / "无表头.xlsx", [["姓名", None], ["甲", "多出来的"]])
    got = render(tmp_path, str(tpl), str(headless), "--out", str(tmp_path / "出.docx"))
    assert got.exit_code == 4
    assert "无表头.xlsx / Sheet / 第2行 / B列: 这一列没有表头（字段名） (多出来的)" in got.output


def test_templates_check_knows_the_workspace_filters(tmp_path, monkeypatch):
    """A template using the workspace's own filter passes `templates check` in that workspace."""
    from reportgen.engine.check import check_template

    ws = tmp_path / "ws"
    (ws / "templates").mkdir(parents=True)
    (ws / "filters.py").write_text(
        'def _mr(x):\n    return f"{x}先生"\n\nFILTERS = {"先生": _mr}\n', encoding="utf-8"
    )
    from docx import Document

    doc = Document()
    doc.add_paragraph("{{ name|先生 }}")
    doc.save(ws / "templates" / "称呼.docx")
    assert (
        check_template(ws / "templates" / "称呼.docx", workspace=ws, sample={"name": "张三"}) == []
    )
    other = tmp_path / "other"
    other.mkdir()
    issues = check_template(
        ws / "templates" / "称呼.docx", workspace=other, sample={"name": "张三"}
    )
    assert issues and "先生" in str(issues[0])


# ------------------------------------------------------------------------------ pictures, links
def picture_case(tmp_path: Path) -> tuple[Path, Path]:
    """模板/盖章.docx (the picture 印章, a photo and a logo named by file, a link) and
    数据/名单.json with the photos in 数据/照片/."""
    from test_docx_media import picture_bytes, seal_template

    (tmp_path / "模板").mkdir()
    (tmp_path / "数据" / "照片").mkdir(parents=True)
    tpl = seal_template(
        tmp_path / "模板",
        para("{{ 照片|image(width_mm=20) }}{{ '徽标.png'|image(height_mm=10) }}")
        + para('{{ 网址|link("网站") }}'),
    )
    (tmp_path / "模板" / "徽标.png").write_bytes(picture_bytes(40, 20, color="blue"))
    people = [
        {"姓名": "张三", "照片": "照片/张三.png", "网址": "https://example.org/1"},
        {"姓名": "李四", "照片": "照片/李四.png", "网址": "https://example.org/2"},
    ]
    for i, person in enumerate(people):
        (tmp_path / "数据" / person["照片"]).write_bytes(picture_bytes(30 + i, 40))
    data = tmp_path / "数据" / "名单.json"
    data.write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "新章.png").write_bytes(picture_bytes(50, 50, color="green"))
    return tpl, data


def test_render_pictures_from_the_data_folder_links_and_a_replaced_seal(tmp_path, monkeypatch):
    from test_docx_media import hyperlinks, shown_pictures

    tpl, data = picture_case(tmp_path)
    monkeypatch.chdir(tmp_path)  # --picture files are relative to the current folder
    got = render(
        tmp_path, "模板/盖章.docx", "数据/名单.json", "--batch", "--picture", "印章=新章.png",
        "--out", "出.docx",
    )  # fmt: skip
    assert got.exit_code == 0, got.output
    out = tmp_path / "出.docx"
    seal, photo = (tmp_path / "新章.png").read_bytes(), tmp_path / "数据" / "照片"
    logo = (tmp_path / "模板" / "徽标.png").read_bytes()
    assert shown_pictures(out) == [
        seal, (photo / "张三.png").read_bytes(), logo,
        seal, (photo / "李四.png").read_bytes(), logo,
    ]  # fmt: skip
    assert [(t, rel["Target"]) for t, _, rel in hyperlinks(out)] == [
        ("网站", "https://example.org/1"),
        ("网站", "https://example.org/2"),
    ]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--picture", "印章"], 2, "应写成 名称=图片文件"),
        (["--picture", "印章=无此文件.png"], 2, "找不到图片文件：无此文件.png"),
        (
            ["--picture", "公章=新章.png"],
            6,
            "没有名为“公章”的图片。模板“盖章.docx”里的图片：“图片 1（替换文字：印章）”",
        ),
    ],
)
def test_render_picture_option_mistakes(tmp_path, monkeypatch, args, code, words):
    picture_case(tmp_path)
    monkeypatch.chdir(tmp_path)
    got = render(tmp_path, "模板/盖章.docx", "数据/名单.json", "--batch", *args, "--out", "出.docx")
    assert got.exit_code == code
    assert words in got.output
    assert not (tmp_path / "出.docx").exists()


def test_render_refuses_picture_files_outside_the_data_and_template_folders(tmp_path):
    picture_case(tmp_path)
    data = tmp_path / "数据" / "名单.json"
    people = json.loads(data.read_text(encoding="utf-8"))
    people[1]["照片"] = "../新章.png"
    data.write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")
    got = render(
        tmp_path, str(tmp_path / "模板" / "盖章.docx"), str(data), "--batch", "--out",
        str(tmp_path / "出.docx"),
    )  # fmt: skip
    assert got.exit_code == 6
    assert "名单.json 第2条记录：图片“../新章.png”含有“..”" in got.output
    assert not (tmp_path / "出.docx").exists()
