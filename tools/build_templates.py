"""Build the built-in templates under templates/ (deterministic: re-running reproduces the same bytes).

    python tools/build_templates.py

Later document kinds add their templates here, reusing reportgen.engine.officialdoc.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.page import PageMargins

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.engine import officialdoc as od  # noqa: E402
from reportgen.engine.ooxml import DocxPackage, cell, para, row, table  # noqa: E402
from reportgen.engine.xlsx_template import fix_xlsx_timestamps  # noqa: E402


def official_docx(path: Path, title: str = "公文") -> None:
    """公文.docx: the GB/T 9704 base every notice and report template starts from (and a kind that
    prints a 公文 of its own, such as 雨露计划补助公示, starts as a copy under its own name)."""
    width = od.A4_OFFICIAL.text_width_twips
    s = od.STYLE_IDS
    # each column as wide as the data's `table.widths` say (relative units, over the text width);
    # without them the columns share the width equally (engine/docx_repair.fix_dynamic_grids)
    given = "table.widths is defined and table.widths"
    sized = (
        f'<w:tcW w:w="{{% if {given} %}}{{{{ (table.widths[loop.index0] * {width} // (table.widths|sum))|int }}}}'
        f'{{% else %}}0{{% endif %}}" w:type="{{% if {given} %}}dxa{{% else %}}auto{{% endif %}}"/>'
    )
    auto = '<w:tcW w:w="0" w:type="auto"/>'
    # a list too wide for 12 pt comes with `table.small` (engine/official_table.fit_table): 五号
    small = "table.small is defined and table.small"
    th = f"{{% if {small} %}}{s['table_header_small']}{{% else %}}{s['table_header']}{{% endif %}}"
    td = f"{{% if {small} %}}{s['table_small']}{{% else %}}{s['table']}{{% endif %}}"
    hdr = [
        cell([para("{%tc for h in table.columns %}", style=s["table_header"])], 0),
        cell([para("{{ h }}", style=th)], 0).replace(auto, sized),
        cell([para("{%tc endfor %}", style=s["table_header"])], 0),
    ]
    data = [
        cell([para("{%tc for v in r %}", style=s["table"])], 0),
        cell([para("{{ v }}", style=td)], 0).replace(auto, sized),
        cell([para("{%tc endfor %}", style=s["table"])], 0),
    ]
    one = [cell([para("{%tr for r in table.rows %}", style=s["table"])], width, span=3)]
    end = [cell([para("{%tr endfor %}", style=s["table"])], width, span=3)]
    tbl = table(
        [row(hdr, header=True), row(one), row(data), row(end)], [width // 3] * 3, style="a-grid"
    )
    # The number of columns comes from the data: let Word/WPS/LibreOffice size them over the full width.
    tbl = tbl.replace('<w:tblLayout w:type="fixed"/>', "").replace(
        f'<w:tblW w:w="{(width // 3) * 3}" w:type="dxa"/>', '<w:tblW w:w="5000" w:type="pct"/>'
    )
    body = "".join(
        [
            *od.head_paragraphs(),
            para("{%p for text in paragraphs %}"),
            para("{{ text }}"),
            para("{%p endfor %}"),
            para("{%p if table %}"),
            para("{{ table.caption }}", style=s["table_header"]),
            tbl,
            para("{%p endif %}"),
            para("{%p for text in closing %}"),
            # GB/T 9704 7.3.5: 署名 and 成文日期 never stand alone on a page; the closing lines
            # (period, objections, hotline) travel with them.
            para("{{ text }}", ppr_extra="<w:keepNext/>"),
            para("{%p endfor %}"),
            para("", ppr_extra="<w:keepNext/>"),
            para("{{ issuer }}", style=s["signature"]),
            para("{{ date|cndate }}", style=s["date"]),
            para("{{ _meta.footnote }}", style=s["note"]),
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


def list_xlsx(path: Path) -> None:
    """名单.xlsx: title, header, one repeating row, a total row with SUM, small print; A4 portrait."""
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    song = Font(name="宋体", size=11)
    ws.merge_cells("A1:F1")
    ws["A1"] = "{{ title }}"
    ws["A1"].font = Font(name="黑体", size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws["A2"] = "{{ place }}"
    ws["A2"].font = song
    headers = ["序号", "姓名", "类别", "金额（元）", "日期", "备注"]
    widths = [7, 12, 14, 14, 16, 24]
    cells = [
        "{%tr for r in rows %}{{ r.no }}",
        "{{ r.name }}",
        "{{ r.category }}",
        "{{ r.amount }}",
        "{{ r.date|cndate }}",
        "{{ r.note }}",
    ]
    for i, (h, w, c) in enumerate(zip(headers, widths, cells, strict=True), start=1):
        col = ws.cell(row=3, column=i, value=h)
        col.font = Font(name="黑体", size=11)
        col.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        col.border = border
        ws.column_dimensions[col.column_letter].width = w
        data = ws.cell(row=4, column=i, value=c)
        data.font = song
        data.border = border
        data.alignment = Alignment(
            vertical="center", wrap_text=True, horizontal="center" if i in (1, 3, 5) else None
        )
        if i == 4:
            data.number_format = "#,##0.00"
    ws.merge_cells("A5:C5")
    ws["A5"] = "合计"
    ws["A5"].alignment = Alignment(horizontal="center")
    ws["D5"] = "=SUM(D4:D4)"
    ws["D5"].number_format = "#,##0.00"
    for c in "ABCDEF":
        ws[f"{c}5"].border = border
        ws[f"{c}5"].font = Font(name="宋体", size=11, bold=True)
    ws["A6"] = "{{ _meta.footnote }}"
    ws["A6"].font = Font(name="宋体", size=8)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.6, right=0.6, top=0.8, bottom=0.8)
    ws.print_title_rows = "3:3"
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    wb.properties.creator = "reportgen"
    wb.save(path)
    fix_xlsx_timestamps(path)


def main() -> None:
    docx_dir = ROOT / "templates" / "docx"
    xlsx_dir = ROOT / "templates" / "xlsx"
    docx_dir.mkdir(parents=True, exist_ok=True)
    xlsx_dir.mkdir(parents=True, exist_ok=True)
    official_docx(docx_dir / "公文.docx")
    official_docx(docx_dir / "雨露计划补助公示.docx", title="雨露计划补助公示")
    list_xlsx(xlsx_dir / "名单.xlsx")
    for p in sorted([*docx_dir.iterdir(), *xlsx_dir.iterdir()]):
        print(p.relative_to(ROOT))


if __name__ == "__main__":
    main()
