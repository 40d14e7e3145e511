"""Helpers for engine tests: Word templates built from raw XML, the way Word itself splits text."""

from __future__ import annotations

import zipfile
from pathlib import Path

from reportgen.engine import officialdoc as od
from reportgen.engine.ooxml import DocxPackage, para, run

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def build_docx(
    path: Path, body: str, *, header: str | None = None, footer: str | None = None
) -> Path:
    pkg = DocxPackage(
        body,
        "",
        styles=od.styles_xml(),
        font_table=od.font_table_xml(),
        settings=od.settings_xml(even_and_odd=False),
    )
    hdr = pkg.add_header(para(header)) if header else None
    ftr = pkg.add_footer(footer) if footer else None
    pkg.sect_pr = od.sect_pr(header_default=hdr, footer_default=ftr)
    path.parent.mkdir(parents=True, exist_ok=True)
    pkg.save(path)
    return path


# `{{ name }}` as Word stores it after editing: split over three runs, a proofErr, a bookmark,
# bold in the middle, and curly quotes typed by autocorrect inside another tag.
SPLIT_NAME = (
    "<w:p><w:r><w:t>姓名：{</w:t></w:r>"
    '<w:proofErr w:type="spellStart"/>'
    "<w:r><w:rPr><w:b/></w:rPr><w:t>{ na</w:t></w:r>"
    '<w:bookmarkStart w:id="7" w:name="姓名"/>'
    '<w:r><w:t xml:space="preserve">me </w:t></w:r>'
    '<w:bookmarkEnd w:id="7"/><w:proofErr w:type="spellEnd"/>'
    "<w:r><w:t>}}。</w:t></w:r></w:p>"
)
SMART_QUOTES = (
    "<w:p><w:r><w:t>类别：{{ “困难” if poor else ‘</w:t></w:r><w:r><w:t>一般’ }}</w:t></w:r></w:p>"
)


def card_body() -> str:
    """A small card: split tags, a {%p if %}, a {%tr %} table and the meta line."""
    from reportgen.engine.ooxml import cell, row, table

    rows = [
        row([cell("项目", 3000), cell("金额", 3000)], header=True),
        row([cell("{%tr for item in items %}", 6000, span=2)]),
        row([cell("{{ item.name }}", 3000), cell("{{ item.amount|money }}", 3000)]),
        row([cell("{%tr endfor %}", 6000, span=2)]),
    ]
    return "".join(
        [
            para("{{ school }}学生资助政策明白卡", style="a-title"),
            SPLIT_NAME,
            SMART_QUOTES,
            para("{%p if note %}"),
            para("备注：{{ note }}"),
            para("{%p endif %}"),
            table(rows, [3000, 3000]),
            para([run("合计："), run("{{ total|daxie }}", bold=True)]),
            para("{{ _meta.footnote }}", style="a-note"),
        ]
    )


def record(i: int, school: str = "城关一中", **extra) -> dict:
    ctx = {
        "school": school,
        "name": f"学生{i}",
        "poor": i % 2 == 0,
        "note": "需补交材料" if i % 3 == 0 else "",
        "items": [{"name": "国家助学金", "amount": 2000}, {"name": "免学费", "amount": 1250.5}],
        "total": 3250.5,
    }
    ctx.update(extra)
    return ctx


def make_card_template(folder: Path) -> Path:
    return build_docx(
        folder / "明白卡.docx",
        card_body(),
        header="{{ school }} 资助办",
        footer=para("页脚：{{ _meta.generated_on }}"),
    )


def document_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read("word/document.xml").decode("utf-8")


def docx_text(path: Path) -> str:
    import docx

    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for r in t.rows:
            parts.append(" | ".join(c.text for c in r.cells))
    return "\n".join(parts)
