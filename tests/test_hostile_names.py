"""File names made from data (issue 17): cut by bytes with their extension and a distinguishing
suffix, never a bidi override or zero-width character, whatever the school or village is called."""

from __future__ import annotations

import pytest
from builders import SCHOOLS, STUDENTS, write_xlsx

from reportgen.engine.batch import MAX_NAME_BYTES, safe_filename

LONG = (
    "河南省青山县城关镇第一初级中学暨青山县教育体育局直属九年一贯制实验学校附属寄宿制学校北校区" * 2
)  # 90 chars


def test_long_names_are_cut_by_bytes_and_stay_apart():
    a, b = safe_filename(LONG + "甲"), safe_filename(LONG + "乙")
    assert a != b
    assert len(a.encode()) <= MAX_NAME_BYTES and len(b.encode()) <= MAX_NAME_BYTES
    with_ext = safe_filename(LONG + "_自查问题清单.xlsx")
    assert with_ext.endswith(".xlsx") and len(with_ext.encode()) <= MAX_NAME_BYTES
    assert safe_filename("城关镇第一小学") == "城关镇第一小学"  # short names untouched


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2066", "\u200b", "\u200f", "\ufeff"])
def test_format_characters_never_reach_a_file_name(control):
    assert safe_filename(f"名单{control}xslx.exe") == "名单xslx.exe"


def test_a_school_with_a_very_long_name_gets_its_cards(run, imported, workspace):
    schools = [SCHOOLS[0], [*SCHOOLS[1][:1], LONG + "\u202e", *SCHOOLS[1][2:]]]
    write_xlsx(workspace / "s.xlsx", {"学校": schools, "学生": STUDENTS})
    assert run("import", str(workspace / "s.xlsx")).exit_code == 0
    result = run("card", "--county", "--workers", "1")
    assert result.exit_code == 0, result.output
    files = [p.name for p in (workspace / "输出" / "学生资助明白卡").iterdir()]
    long_ones = [n for n in files if n.startswith("学生资助") and "河南省青山县" in n]
    assert {n.rsplit(".", 1)[1] for n in long_ones} == {"docx", "xlsx"}
    assert all(len(n.encode()) <= 255 and "\u202e" not in n for n in files)
