"""Build the report templates (季度自查报告, 监测对象新增退出名单) under templates/docx/.

    python tools/build_report_templates.py      (deterministic: re-running reproduces the same bytes)

Both are GB/T 9704 official documents on the 公文 page and styles (reportgen.engine.officialdoc)
whose body is one loop over `blocks`; each block's `kind` picks the paragraph style: h1 一级标题
(黑体), h2 二级标题 (楷体), p 正文 (仿宋, an optional bold `lead` run), table (caption, header row and
rows, column widths and alignment from the data), note (small print), signature (署名 and 成文日期)
and appendix (附件 label on a new page and its title). A county restyles a kind by editing that
paragraph in Word; the two files are separate so that each report can be overridden on its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.engine import officialdoc as od  # noqa: E402
from reportgen.engine.ooxml import DocxPackage, para, row, run  # noqa: E402

S = od.STYLE_IDS
NO_INDENT = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'


def _cell(paragraphs: str, width: str, *, shade: str | None = None, span: int = 1) -> str:
    """A w:tc whose preferred width is a template expression (twips)."""
    tcpr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        tcpr += f'<w:gridSpan w:val="{span}"/>'
    if shade:
        tcpr += f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>'
    tcpr += '<w:vAlign w:val="center"/>'
    return f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{paragraphs}</w:tc>"


def _loop_cell(tag: str) -> str:
    return _cell(para(tag, style=S["table"]), "0")


def _table() -> str:
    """Columns and rows from the block: `b.columns`, `b.rows`, `b.widths` (twips), `b.align`."""
    width = "{{ b.widths[loop.index0] if b.widths else 0 }}"
    align = "{{ b.align[loop.index0] if b.align else 'center' }}"
    # `b.size`: the table's text size in points (a long list in 五号), else the style's 12 pt
    half = "{{ (b.size * 2)|int if b.size is defined and b.size else 24 }}"
    size = f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'
    header = row(
        [
            _loop_cell("{%tc for h in b.columns %}"),
            _cell(
                para([run("{{ h }}", rpr_extra=size)], style=S["table_header"]),
                width,
                shade="E7EEF7",
            ),
            _loop_cell("{%tc endfor %}"),
        ],
        header=True,
    )
    data_para = f'<w:p><w:pPr><w:pStyle w:val="{S["table"]}"/><w:jc w:val="{align}"/></w:pPr>{run("{{ v }}", rpr_extra=size)}</w:p>'
    data = row(
        [
            _loop_cell("{%tc for v in r %}"),
            _cell(data_para, width),
            _loop_cell("{%tc endfor %}"),
        ]
    )
    start = row([_cell(para("{%tr for r in b.rows %}", style=S["table"]), "0", span=3)])
    end = row([_cell(para("{%tr endfor %}", style=S["table"]), "0", span=3)])
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    tblpr = (
        '<w:tblStyle w:val="a-grid"/><w:tblW w:w="5000" w:type="pct"/><w:jc w:val="center"/>'
        f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
    )
    # Three template columns (loop start, cell, loop end); rebuilt from the rendered rows.
    grid = f'<w:gridCol w:w="{od.A4_OFFICIAL.text_width_twips // 3}"/>' * 3
    return f"<w:tbl><w:tblPr>{tblpr}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{header}{start}{data}{end}</w:tbl>"


def _blocks() -> list[str]:
    lead = [
        run("{%r if b.lead %}"),
        run("{{ b.lead }}", bold=True),
        run("{%r endif %}"),
        run("{{ b.text }}"),
    ]
    return [
        para("{%p for b in blocks %}"),
        para('{%p if b.kind == "h1" %}'),
        para("{{ b.text }}", style=S["h1"]),
        para('{%p elif b.kind == "h2" %}'),
        para("{{ b.text }}", style=S["h2"]),
        para('{%p elif b.kind == "table" %}'),
        para("{%p if b.caption %}"),
        para(
            "{{ b.caption }}",
            style=S["table_header"],
            ppr_extra='<w:spacing w:before="120" w:after="60"/>',
        ),
        para("{%p endif %}"),
        _table(),
        para("{%p if b.after %}"),
        para("{{ b.after }}", style=S["note"]),
        para("{%p endif %}"),
        para('{%p elif b.kind == "note" %}'),
        para("{{ b.text }}", style=S["note"]),
        para('{%p elif b.kind == "signature" %}'),
        para(""),
        para("{{ b.issuer }}", style=S["signature"]),
        para("{{ b.date|cndate }}", style=S["date"]),
        para('{%p elif b.kind == "appendix" %}'),
        para("{{ b.label }}", style=S["h1"], ppr_extra=f"<w:pageBreakBefore/>{NO_INDENT}"),
        para("{{ b.text }}", style=S["title"]),
        para("{%p else %}"),
        para(lead),
        para("{%p endif %}"),
        para("{%p endfor %}"),
    ]


def report_docx(path: Path, title: str) -> None:
    body = "".join(
        [
            *od.head_paragraphs(),
            *_blocks(),
            para("{{ _meta.footnote }}", style=S["note"]),
        ]
    )
    pkg = DocxPackage(
        body,
        "",
        styles=od.styles_xml(),
        font_table=od.font_table_xml(),
        settings=od.settings_xml(),
        title=title,
    )
    odd = pkg.add_footer(od.page_number_footer("right"))
    even = pkg.add_footer(od.page_number_footer("left"))
    pkg.sect_pr = od.sect_pr(footer_default=odd, footer_even=even)
    pkg.save(path)


TEMPLATES = ("季度自查报告", "监测对象新增退出名单")


def main() -> None:
    out = ROOT / "templates" / "docx"
    out.mkdir(parents=True, exist_ok=True)
    for name in TEMPLATES:
        report_docx(out / f"{name}.docx", name)
        print((out / f"{name}.docx").relative_to(ROOT))


if __name__ == "__main__":
    main()
