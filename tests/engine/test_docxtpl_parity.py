"""Parity with docxtpl on the features its own test suite exercises (issue 18).

Each template is built here, mirroring the tags and context of one docxtpl test template
(tests/templates/*_tpl.docx in docxtpl's repository, named in each test), then rendered by
docxtpl and by reportgen. What is compared is what a reader of the document sees: the text of
every paragraph in body order, table cell texts, merges (w:gridSpan / w:vMerge), cell shading,
pictures (where, how large, which picture), header/footer text, footnotes, endnotes and the
document properties. Where docxtpl needs objects of its own (InlineImage, new_subdoc,
replace_media), the context is built once per engine with equivalent values.
docs/templates.md "与 docxtpl 的对照" lists every docxtpl test.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import jinja2
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Inches, Mm
from docx_helpers import build_docx
from docxtpl import DocxTemplate, InlineImage
from lxml import etree
from PIL import Image as PILImage

from reportgen.engine import WordTemplate, write_print_file
from reportgen.engine.media import Image
from reportgen.engine.ooxml import cell, para, row, run, table
from reportgen.engine.subdoc import Subdoc
from reportgen.errors import TemplateError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
PKG_REL = "{" + PKG_REL_NS + "}Relationship"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT_W = "application/vnd.openxmlformats-officedocument.wordprocessingml."
# core properties a reader sees (Word's 文件 → 信息); dates and revision are bookkeeping
CORE_SHOWN = ("title", "subject", "creator", "keywords", "description", "language", "identifier")


def _text(p) -> str:
    out = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr"):
        out.append(el.text or "" if el.tag == W + "t" else "\t" if el.tag == W + "tab" else "\n")
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _block(el):
    if el.tag == W + "p":
        pics = len(list(el.iter(A_BLIP)))
        return ("p", _text(el), pics) if pics else ("p", _text(el))
    rows = []
    for tr in el.findall(W + "tr"):
        cells = []
        for tc in tr.findall(W + "tc"):
            pr = tc.find(W + "tcPr")
            span = pr.find(W + "gridSpan") if pr is not None else None
            vm = pr.find(W + "vMerge") if pr is not None else None
            shd = pr.find(W + "shd") if pr is not None else None
            cells.append(
                (
                    tuple(_block(c) for c in tc if c.tag in (W + "p", W + "tbl")),
                    span.get(W + "val") if span is not None else None,
                    (vm.get(W + "val") or "continue") if vm is not None else None,
                    shd.get(W + "fill") if shd is not None else None,
                )
            )
        rows.append(tuple(cells))
    return ("tbl", tuple(rows))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def _pictures(zf: zipfile.ZipFile, part: str) -> tuple[tuple[int, int, str], ...]:
    """(cx, cy, which picture) of every drawing of a part, in order: its size on the page
    (wp:extent) and the digest of the media part its relationship shows."""
    folder, base = part.rsplit("/", 1)
    rels_name = f"{folder}/_rels/{base}.rels"
    targets = {}
    if rels_name in zf.namelist():
        for rel in etree.fromstring(zf.read(rels_name)).iter(PKG_REL):
            target = rel.get("Target")
            name = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            targets[rel.get("Id")] = posixpath.normpath(name)
    out = []
    for d in etree.fromstring(zf.read(part)).iter(WP + "inline", WP + "anchor"):
        ext = d.find(WP + "extent")
        blip = next(d.iter(A_BLIP), None)
        shown = "?" if blip is None else digest(zf.read(targets[blip.get(R_EMBED)]))
        out.append((int(ext.get("cx")), int(ext.get("cy")), shown))
    return tuple(out)


def _notes(root) -> tuple[tuple[int, str], ...]:
    return tuple(
        (int(n.get(W + "id")), _text(n)) for n in root if n.get(W + "type") in (None, "normal")
    )


def signature(path: Path) -> dict:
    """Body blocks (empty paragraphs left out), the text of each header/footer, the pictures of
    each part, the footnotes and endnotes, and the core document properties."""
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        body = etree.fromstring(zf.read("word/document.xml")).find(W + "body")
        hf, pictures, notes = {}, {}, {}
        for name in names:
            if re.fullmatch(r"word/(header|footer)\d*\.xml", name):
                root = etree.fromstring(zf.read(name))
                hf[name] = tuple(t for t in map(_text, root.iter(W + "p")) if t)
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
                if found := _pictures(zf, name):
                    pictures[name] = found
            if name in ("word/footnotes.xml", "word/endnotes.xml"):
                notes[name] = _notes(etree.fromstring(zf.read(name)))
        core = etree.fromstring(zf.read("docProps/core.xml"))
        props = {
            etree.QName(el).localname: el.text
            for el in core
            if etree.QName(el).localname in CORE_SHOWN and el.text
        }
    blocks = [_block(c) for c in body if c.tag in (W + "p", W + "tbl")]
    return {
        "body": [b for b in blocks if b != ("p", "")],
        "hf": hf,
        "pictures": pictures,
        "notes": notes,
        "props": props,
    }


def compare(
    tmp_path: Path,
    src: Path,
    ctx: dict,
    theirs: bool = True,
    *,
    their_ctx: Callable[[DocxTemplate], dict] | None = None,
    prepare: Callable[[DocxTemplate], None] | None = None,
    jinja_env: jinja2.Environment | None = None,
    pictures: dict | None = None,
) -> tuple[dict | None, dict]:
    """Render the template `src` with docxtpl and with reportgen; the two signatures.
    `their_ctx` builds docxtpl's context from its template object (InlineImage, new_subdoc);
    `prepare` is called before docxtpl renders (replace_pic, replace_media); `pictures` are
    reportgen's template pictures replaced by name."""
    out_theirs, ours = tmp_path / "docxtpl.docx", tmp_path / "reportgen.docx"
    if theirs:
        tpl = DocxTemplate(str(src))
        if prepare is not None:
            prepare(tpl)
        tpl.render(their_ctx(tpl) if their_ctx else ctx, jinja_env)
        tpl.save(str(out_theirs))
    write_print_file(WordTemplate(src), [ctx], ours, pictures=pictures)
    return (signature(out_theirs) if theirs else None), signature(ours)


def render_both(
    tmp_path: Path, body: str, ctx: dict, theirs: bool = True, **parts
) -> tuple[dict | None, dict]:
    src = build_docx(tmp_path / "tpl.docx", body, **parts)
    return compare(tmp_path, src, ctx, theirs)


# ------------------------------------------------------------------ templates with more parts
def amend(
    path: Path,
    *,
    files: dict[str, str | bytes] | None = None,
    rels: dict[str, list[tuple[str, str, str]]] | None = None,
    overrides: dict[str, str] | None = None,
    title: str | None = None,
) -> Path:
    """A built template with parts added or replaced (`files`), relationships added
    (part -> [(id, type, target)]), content types declared (part name -> type) and the core
    title set."""
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    entries.update(files or {})
    entries = {  # the XML parts as text, media as bytes
        n: d.decode() if isinstance(d, bytes) and n.endswith((".xml", ".rels")) else d
        for n, d in entries.items()
    }
    for part, items in (rels or {}).items():
        folder, base = part.rsplit("/", 1)
        name = f"{folder}/_rels/{base}.rels"
        empty = f'<Relationships xmlns="{PKG_REL_NS}"></Relationships>'
        extra = "".join(
            f'<Relationship Id="{i}" Type="{REL}{t}" Target="{target}"/>' for i, t, target in items
        )
        entries[name] = entries.get(name, empty).replace(
            "</Relationships>", extra + "</Relationships>"
        )
    extra = "".join(
        f'<Override PartName="/{n}" ContentType="{t}"/>' for n, t in (overrides or {}).items()
    )
    entries["[Content_Types].xml"] = entries["[Content_Types].xml"].replace(
        "</Types>", extra + "</Types>"
    )
    if title is not None:
        entries["docProps/core.xml"] = entries["docProps/core.xml"].replace(
            "<dc:title></dc:title>", f"<dc:title>{title}</dc:title>"
        )
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def notes_part(kind: str, notes: dict[int, str]) -> str:
    """footnotes.xml / endnotes.xml as Word writes it: the two separators, then the notes."""
    seps = "".join(
        f'<w:{kind} w:type="{t}" w:id="{i}"><w:p><w:r><w:{s}/></w:r></w:p></w:{kind}>'
        for t, i, s in (
            ("separator", -1, "separator"),
            ("continuationSeparator", 0, "continuationSeparator"),
        )
    )
    body = "".join(
        f'<w:{kind} w:id="{n}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:{kind}Ref/></w:r><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:{kind}>'
        for n, text in notes.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:{kind}s xmlns:w="{W[1:-1]}">{seps}{body}</w:{kind}s>'
    )


def note_ref(kind: str, n: int) -> str:
    return (
        f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Reference w:id="{n}"/>'
        "</w:r>"
    )


EMU_PER_MM = 36000


def picture(w: int, h: int, color: str, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (w, h), color).save(out, fmt)
    return out.getvalue()


def drawing(rid: str, docpr: int, name: str, descr: str, file: str, extent, xfrm=None) -> str:
    """A run holding an inline picture as Word writes it: 选择窗格 name, 替换文字 descr, the
    original file name in pic:cNvPr, the box on the page (wp:extent) and the picture's own
    transform (a:xfrm), which Word may leave different from the box."""
    (cx, cy), (xx, xy) = extent, xfrm or extent
    return (
        '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{docpr}" name="{name}" descr="{descr}"/>'
        '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="{file}"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch>'
        '</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/>'
        f'<a:ext cx="{xx}" cy="{xy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        "</pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )


def tc(text: str, width: int = 2000, **kw) -> str:
    return cell(text, width, **kw)


ITEMS = [
    {"desc": "Python interpreters", "qty": 2, "price": "FREE"},
    {"desc": "Django projects", "qty": 5403, "price": "FREE"},
    {"desc": "Guido", "qty": 1, "price": "100,000,000.00"},
]


def test_order_row_loop_and_paragraph_if(tmp_path):
    """order_tpl.docx: {%tr for %} rows, {%p if %} paragraphs, {{ }} in text."""
    body = "".join(
        [
            para("Dear {{ customer_name }},"),
            table(
                [
                    row([tc("Description"), tc("Qty"), tc("Price")]),
                    row([tc("{%tr for i in items %}", 6000, span=3)]),
                    row([tc("{{ i.desc }}"), tc("{{ i.qty }}"), tc("{{ i.price }}")]),
                    row([tc("{%tr endfor %}", 6000, span=3)]),
                    row([tc("Total", 4000, span=2), tc("{{ total_price }}")]),
                ],
                [2000, 2000, 2000],
            ),
            para("{%p if in_europe %}"),
            para("Delivery in Europe"),
            para("{%p endif %}"),
            para("{%p if is_paid %}"),
            para("Paid, thank you"),
            para("{%p endif %}"),
            para("{{ company_name }}"),
        ]
    )
    ctx = {
        "customer_name": "Eric",
        "items": ITEMS,
        "in_europe": True,
        "is_paid": False,
        "company_name": "The World Wide company",
        "total_price": "100,000,000.00",
    }
    theirs, ours = render_both(tmp_path, body, ctx)
    assert ours == theirs
    assert ours["body"][1][1][3][0][0] == (("p", "Guido"),)  # the third item's row


def test_nested_for_paragraphs(tmp_path):
    """nested_for_tpl.docx: a {%p for %} inside a {%p for %}, and an inline for in a paragraph."""
    body = "".join(
        [
            para("{%p for dish in dishes %}"),
            para(
                "{{ dish.name }}: {% for i in dish.ingredients %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}"
            ),
            para("{%p for i in dish.ingredients %}"),
            para("- {{ i }}"),
            para("{%p endfor %}"),
            para("{%p endfor %}"),
        ]
    )
    ctx = {
        "dishes": [
            {"name": "Pizza", "ingredients": ["bread", "tomato"]},
            {"name": "Apple pie", "ingredients": ["flour", "apples", "quince jelly"]},
        ]
    }
    theirs, ours = render_both(tmp_path, body, ctx)
    assert ours == theirs
    assert ("p", "Apple pie: flour, apples, quince jelly") in ours["body"]


def test_header_footer_tags(tmp_path):
    """header_footer_tpl.docx: tags in the header and footer as well as the body."""
    theirs, ours = render_both(
        tmp_path,
        para("{{ title }}"),
        {
            "title": "Header and footer test",
            "company_name": "The World Wide company",
            "date": "2016-03-17",
        },
        header="{{ company_name }}",
        footer=para("Printed on {{ date }}"),
    )
    assert ours == theirs
    assert sorted(ours["hf"].values()) == [("Printed on 2016-03-17",), ("The World Wide company",)]


def _comments_body() -> str:
    return "".join(
        [
            para("This paragraph stays"),
            para("{#p this paragraph is removed #}"),
            table(
                [
                    row([tc("{#tr this row is removed, with all its cells #}"), tc("Removed too")]),
                    row(
                        [tc("Visible cell"), tc("{#tc this cell is removed #}"), tc("Visible too")]
                    ),
                ],
                [2000, 2000, 2000],
            ),
            para("So does this one {# an inline comment #}"),
        ]
    )


def test_comment_tags_remove_paragraph_row_and_cell(tmp_path):
    """comments_tpl.docx: {#p #}, {#tr #}, {#tc #} remove their paragraph, row, cell."""
    theirs, ours = render_both(tmp_path, _comments_body(), {})
    assert ours == theirs
    assert ours["body"] == [
        ("p", "This paragraph stays"),
        (
            "tbl",
            (
                (
                    ((("p", "Visible cell"),), None, None, None),
                    ((("p", "Visible too"),), None, None, None),
                ),
            ),
        ),
        ("p", "So does this one"),
    ]


def test_comment_tag_text_is_not_reported_as_lost(tmp_path):
    """A {%tr %} row with other text is refused (the text would be lost); a {#tr #} row is meant to go."""
    body = table(
        [row([tc("{%tr if x %}"), tc("text that would be lost")]), row([tc("{%tr endif %}")])],
        [2000, 2000],
    )
    with pytest.raises(TemplateError, match="会丢失"):
        WordTemplate(build_docx(tmp_path / "a.docx", body))
    body = table(
        [row([tc("{#tr old row #}"), tc("text to remove")]), row([tc("kept")])], [2000, 2000]
    )
    tpl = WordTemplate(build_docx(tmp_path / "b.docx", body))
    assert tpl.lost_text == []


def test_escaped_braces_print_as_typed(tmp_path):
    """escape_tpl.docx / richtext_paragraph_tpl.docx: {_{ }_} and {_% %_} print {{ }} and {% %}."""
    body = "".join(
        [
            para("Write {_{ name }_} for a variable, {_%p if x %_} for a paragraph condition"),
            para("Hello {{ name }}"),
        ]
    )
    theirs, ours = render_both(tmp_path, body, {"name": "Eric"})
    assert ours == theirs
    assert ours["body"][0] == (
        "p",
        "Write {{ name }} for a variable, {%p if x %} for a paragraph condition",
    )


def test_cellbg_in_row_loop(tmp_path):
    """cellbg_tpl.docx: {% cellbg a.bg %} sets each repeated cell's background."""
    body = table(
        [
            row([tc("Date"), tc("Type")]),
            row([tc("{%tr for a in alerts %}", 4000, span=2)]),
            row([tc("{{ a.date }}"), tc("{% cellbg a.bg %}{{ a.type }}")]),
            row([tc("{%tr endfor %}", 4000, span=2)]),
            row([tc("{% cellbg 'FF0000' %}static"), tc("end")]),
        ],
        [2000, 2000],
    )
    ctx = {
        "alerts": [
            {"date": "2015-03-10", "type": "CRITICAL", "bg": "FF0000"},
            {"date": "2015-03-11", "type": "WARNING", "bg": "FFDD00"},
        ]
    }
    theirs, ours = render_both(tmp_path, body, ctx)
    assert ours == theirs
    rows = ours["body"][0][1]
    assert [r[1][3] for r in rows[1:3]] == ["FF0000", "FFDD00"]
    assert [c[3] for c in rows[3]] == ["FF0000", None]
    assert rows[1][1][0] == (("p", "CRITICAL"),)


def test_colspan_with_column_loop(tmp_path):
    """dynamic_table_tpl.docx: {% colspan col_labels|count %} over a {%tc for %} header row."""
    body = table(
        [
            row([tc("Color"), tc("{% colspan col_labels|count %}Type of thing")]),
            row([tc("{%tc for col in col_labels %}"), tc("{{ col }}"), tc("{%tc endfor %}")]),
        ],
        [2000, 2000, 2000],
    )
    ctx = {"col_labels": ["fruit", "vegetable", "stone"]}
    theirs, ours = render_both(tmp_path, body, ctx)
    assert ours == theirs
    assert ours["body"][0][1][0][1] == ((("p", "Type of thing"),), "3", None, None)


def test_vertical_merge_in_row_loop(tmp_path):
    """vertical_merge_tpl.docx: {% vm %} merges a repeated cell over all rows of the loop."""
    body = table(
        [
            row([tc("Category"), tc("Description")]),
            row([tc("{%tr for i in items %}", 4000, span=2)]),
            row([tc("{% vm %}{{ category }}"), tc("{{ i.desc }}")]),
            row([tc("{%tr endfor %}", 4000, span=2)]),
        ],
        [2000, 2000],
    )
    theirs, ours = render_both(tmp_path, body, {"items": ITEMS, "category": "Book"})
    assert ours == theirs
    first_col = [r[0] for r in ours["body"][0][1][1:]]
    assert [(c[0], c[2]) for c in first_col] == [
        ((("p", "Book"),), "restart"),
        ((("p", ""),), "continue"),
        ((("p", ""),), "continue"),
    ]


def test_horizontal_merge_in_column_loop(tmp_path):
    """horizontal_merge_tpl.docx: {% hm %} keeps one cell spanning all columns of a {%tc for %}."""
    body = table(
        [
            row([tc("{%tc for x in [1, 2, 3] %}"), tc("{% hm %}Header 2"), tc("{%tc endfor %}")]),
            row(
                [tc("{%tc for x in [1, 2, 3] %}"), tc("{% hm %}Wide", span=2), tc("{%tc endfor %}")]
            ),
            row([tc("{%tc for x in [1, 2, 3] %}"), tc("{{ x }}"), tc("{%tc endfor %}")]),
        ],
        [2000, 2000, 2000],
    )
    theirs, ours = render_both(tmp_path, body, {})
    assert ours == theirs
    rows = ours["body"][0][1]
    assert [(c[0], c[1]) for c in rows[0]] == [((("p", "Header 2"),), "3")]
    assert [(c[0], c[1]) for c in rows[1]] == [((("p", "Wide"),), "6")]
    assert len(rows[2]) == 3


def test_paragraph_merging(tmp_path):
    """merge_paragraph_tpl.docx: `{%-` joins a tag's paragraph to the one before, `-%}` to the one
    after, as in docxtpl; with the condition false the text between goes too."""
    body = "".join(
        [
            para("My house is located"),
            para("{%- if living_in_town -%}"),
            para("in urban area"),
            para("{%- endif -%}"),
            para("and I love it."),
        ]
    )
    for living, text in (
        (True, "My house is locatedin urban areaand I love it."),
        (False, "My house is locatedand I love it."),
    ):
        theirs, ours = render_both(tmp_path, body, {"living_in_town": living})
        assert theirs["body"] == [("p", text)]
        assert ours == theirs


def test_paragraph_merging_inside_a_paragraph_and_a_cell(tmp_path):
    """`{%- -%}` within one paragraph keeps the text beside the tags; in a table cell the merged
    paragraphs stay in their cell, and the document is well-formed. docxtpl loses text and
    writes a corrupt file here, so only our result is checked."""
    body = para("甲{%- if x -%}乙{%- endif -%}丙") + table(
        [
            row(
                [
                    cell(
                        [
                            para("前"),
                            para("{%- for i in items -%}"),
                            para("{{ i }}"),
                            para("{%- endfor -%}"),
                        ],
                        3000,
                    )
                ]
            )
        ],
        [3000],
    )
    theirs, ours = render_both(tmp_path, body, {"x": True, "items": ["一", "二"]}, theirs=False)
    # docxtpl's patterns take "丙" and everything up to the cell's text away (a corrupt file)
    assert ours["body"][0] == ("p", "甲乙丙")
    assert ours["body"][1] == (
        "tbl",
        ((((("p", "前一二"),), None, None, None),),),
    )


def test_merge_tag_outside_a_loop_is_reported(tmp_path):
    """{% vm %} needs the {%tr for %} repeating its row: just inside one it renders (above), in a
    plain row `templates check` points at it and rendering is refused, instead of failing on the
    record with an undefined `loop`."""
    from reportgen.engine import check_template

    body = table(
        [row([tc("Category"), tc("Description")]), row([tc("{% vm %}{{ category }}"), tc("x")])],
        [2000, 2000],
    )
    path = build_docx(tmp_path / "vm.docx", body)
    issues = check_template(path)
    # line 4: the two paragraphs and the end of the first row come before it
    assert [(i.part, i.line) for i in issues] == [("正文", 4)]
    assert "{% vm %}（纵向合并）" in issues[0].message
    with pytest.raises(TemplateError, match="标签用错了地方"):
        WordTemplate(path)
    inside = table(
        [
            row([tc("{%tr for i in items %}", 4000, span=2)]),
            row([tc("{% vm %}{{ category }}"), tc("x")]),
            row([tc("{%tr endfor %}", 4000, span=2)]),
        ],
        [2000, 2000],
    )
    assert check_template(build_docx(tmp_path / "ok.docx", inside)) == []


# ------------------------------------------------------------------ notes and properties
def test_footnotes(tmp_path):
    """footnotes_tpl.docx: a tag in a footnote; the endnotes part holds only its separators."""
    src = build_docx(
        tmp_path / "tpl.docx",
        para([run("Some text with a footnote"), note_ref("footnote", 1)])
        + para([run("A second one, with no tag"), note_ref("footnote", 2)]),
    )
    amend(
        src,
        files={
            "word/footnotes.xml": notes_part(
                "footnote",
                {1: " And in the footnote there’s {{ a_jinja_variable }}", 2: "A plain note"},
            ),
            "word/endnotes.xml": notes_part("endnote", {}),
        },
        rels={
            "word/document.xml": [
                ("rIdFn", "footnotes", "footnotes.xml"),
                ("rIdEn", "endnotes", "endnotes.xml"),
            ]
        },
        overrides={
            "word/footnotes.xml": CT_W + "footnotes+xml",
            "word/endnotes.xml": CT_W + "endnotes+xml",
        },
    )
    theirs, ours = compare(tmp_path, src, {"a_jinja_variable": "A Jinja variable!"})
    assert ours == theirs
    assert ours["notes"] == {
        "word/footnotes.xml": (
            (1, "And in the footnote there’s A Jinja variable!"),
            (2, "A plain note"),
        ),
        "word/endnotes.xml": (),
    }


def test_endnote_tags_are_filled_where_docxtpl_leaves_them(tmp_path):
    """Beyond docxtpl's tests: docxtpl renders footnotes only, so a tag in an endnote stays as
    typed; reportgen fills endnotes as it fills footnotes. Everything else is the same."""
    src = build_docx(tmp_path / "tpl.docx", para([run("Some text"), note_ref("endnote", 1)]))
    amend(
        src,
        files={"word/endnotes.xml": notes_part("endnote", {1: "Endnote: {{ a_jinja_variable }}"})},
        rels={"word/document.xml": [("rIdEn", "endnotes", "endnotes.xml")]},
        overrides={"word/endnotes.xml": CT_W + "endnotes+xml"},
    )
    theirs, ours = compare(tmp_path, src, {"a_jinja_variable": "A Jinja variable!"})
    assert theirs["notes"] == {"word/endnotes.xml": ((1, "Endnote: {{ a_jinja_variable }}"),)}
    assert ours["notes"] == {"word/endnotes.xml": ((1, "Endnote: A Jinja variable!"),)}
    assert {**ours, "notes": None} == {**theirs, "notes": None}


def test_doc_properties(tmp_path):
    """doc_properties_tpl.docx: {{ test }} in the title property, the header and the body; the
    escaped {_{ test }_} prints as typed."""
    body = "".join(
        [
            para("{{ test }}"),
            para(
                "The 2 {_{ test }_} above comes from the document properties "
                "(on LibreOffice : Files → properties → title)"
            ),
            para("The {_{ test }_} below is just a normal body text :"),
            para("{{ test }}"),
        ]
    )
    src = amend(build_docx(tmp_path / "tpl.docx", body, header="{{ test }}"), title="{{ test }}")
    theirs, ours = compare(tmp_path, src, {"test": "HelloWorld"})
    assert ours == theirs
    assert ours["props"] == {"title": "HelloWorld", "creator": "reportgen"}
    assert list(ours["hf"].values()) == [("HelloWorld",)]
    assert ours["body"][1] == (
        "p",
        "The 2 {{ test }} above comes from the document properties "
        "(on LibreOffice : Files → properties → title)",
    )


# ------------------------------------------------------------------ pictures
# Pictures of the sizes docxtpl's tests use (pixels), drawn here: python_logo.png, python.png
# (the same size as dummy_pic_for_header.png), python_jpeg.jpg, the five framework logos.
LOGO = picture(600, 600, "gold")
PYTHON = picture(540, 200, "navy")
DUMMY = picture(540, 200, "gray")
JPEG = picture(500, 376, "green", "JPEG")
FRAMEWORKS = [
    ("The web framework for perfectionists with deadlines", picture(200, 69, "darkgreen")),
    (
        "Zope is a leading Open Source Application Server and Content Management Framework",
        picture(240, 76, "blue"),
    ),
    (
        "Pyramid is a lightweight Python web framework aimed at taking small web apps into big "
        "web apps.",
        picture(220, 51, "purple"),
    ),
    (
        "Bottle is a fast, simple and lightweight WSGI micro web-framework for Python",
        picture(200, 70, "teal"),
    ),
    (
        "Tornado is a Python web framework and asynchronous networking library.",
        picture(200, 50, "brown"),
    ),
]


def test_inline_image(tmp_path):
    """inline_image_tpl.docx: a picture alone in a paragraph, twice; inside a sentence; with both
    sides forced (30 × 60 mm, not its ratio); one per row of a {%tr for %} (height 10 mm).
    docxtpl: InlineImage(tpl, …, width=Mm(20)) rendered with an autoescaping Jinja environment;
    reportgen: Image(…, width_mm=20)."""
    body = "".join(
        [
            para("Text zone :"),
            para("{{ myimage }}"),
            para("Cool !"),
            para("{{ myimage }}"),
            para("Inline image : {{ myimage }} -> you can write just after"),
            para("Image with a forced ratio : {{ myimageratio }}"),
            para("In a table :"),
            table(
                [
                    row([tc("Image", 3000), tc("Description", 5000)]),
                    row([tc("{%tr for f in frameworks %}", 8000, span=2)]),
                    row([tc("{{ f.image }}", 3000), tc("{{ f.desc }}", 5000)]),
                    row([tc("{%tr endfor %}", 8000, span=2)]),
                ],
                [3000, 5000],
            ),
        ]
    )
    ours_ctx = {
        "myimage": Image(LOGO, width_mm=20),
        "myimageratio": Image(JPEG, width_mm=30, height_mm=60),
        "frameworks": [
            {"image": Image(data, height_mm=10), "desc": desc} for desc, data in FRAMEWORKS
        ],
    }

    def their_ctx(tpl: DocxTemplate) -> dict:
        return {
            "myimage": InlineImage(tpl, io.BytesIO(LOGO), width=Mm(20)),
            "myimageratio": InlineImage(tpl, io.BytesIO(JPEG), width=Mm(30), height=Mm(60)),
            "frameworks": [
                {"image": InlineImage(tpl, io.BytesIO(data), height=Mm(10)), "desc": desc}
                for desc, data in FRAMEWORKS
            ],
        }

    src = build_docx(tmp_path / "tpl.docx", body)
    theirs, ours = compare(
        tmp_path, src, ours_ctx, their_ctx=their_ctx, jinja_env=jinja2.Environment(autoescape=True)
    )
    assert ours == theirs
    mm20, mm10 = 20 * EMU_PER_MM, 10 * EMU_PER_MM
    logos = [(200, 69), (240, 76), (220, 51), (200, 70), (200, 50)]  # the frameworks' pixels
    assert ours["pictures"]["word/document.xml"] == (
        *[(mm20, mm20, digest(LOGO))] * 3,
        (30 * EMU_PER_MM, 60 * EMU_PER_MM, digest(JPEG)),
        *[
            (round(mm10 * w / h), mm10, digest(data))
            for (w, h), (_, data) in zip(logos, FRAMEWORKS, strict=True)
        ],
    )
    assert ours["body"][4] == ("p", "Inline image : -> you can write just after", 1)


def test_header_footer_inline_image(tmp_path):
    """header_footer_inline_image_tpl.docx: a picture among text in the header (height 10 mm),
    and three more from a {%p for %} in the body."""
    body = "".join(
        [
            para("Inline image in header/footer"),
            para("3 more inline images in the body to check they are all here (see #372) :"),
            para("{%p for img in images%}"),
            para("{{ img }} "),
            para("{%p endfor %}"),
        ]
    )
    src = build_docx(
        tmp_path / "tpl.docx",
        body,
        header="Here is an inline image in the header : {{inline_image}}",
    )
    django = FRAMEWORKS[0][1]
    ours_ctx = {
        "inline_image": Image(django, height_mm=10),
        "images": [Image(PYTHON, height_mm=10)] * 3,
    }

    def their_ctx(tpl: DocxTemplate) -> dict:
        return {
            "inline_image": InlineImage(tpl, io.BytesIO(django), height=Mm(10)),
            "images": [InlineImage(tpl, io.BytesIO(PYTHON), height=Mm(10)) for _ in range(3)],
        }

    theirs, ours = compare(tmp_path, src, ours_ctx, their_ctx=their_ctx)
    assert ours == theirs
    mm10 = 10 * EMU_PER_MM
    assert ours["pictures"] == {
        "word/document.xml": ((round(mm10 * 540 / 200), mm10, digest(PYTHON)),) * 3,
        "word/header1.xml": ((round(mm10 * 200 / 69), mm10, digest(django)),),
    }
    assert ours["hf"] == {"word/header1.xml": ("Here is an inline image in the header :",)}


MEDIAS = para("Medias replacement") + para(
    "Note: for images, the aspect ratio will be the same as the replaced image"
)


def _picture_template(
    tmp_path: Path, body: str, part: str, paragraphs: list[str], media: bytes
) -> Path:
    """A template with `body`, and `paragraphs` added to the body or making up the header
    (`part`); one of them holds a picture whose relationship rIdPic shows `media`."""
    header = None if part == "word/document.xml" else "HEADER"
    src = build_docx(
        tmp_path / "tpl.docx", body + ("" if header else "".join(paragraphs)), header=header
    )
    files: dict[str, str | bytes] = {"word/media/image1.png": media}
    if header:
        with zipfile.ZipFile(src) as zf:
            xml = zf.read(part).decode()
        files[part] = re.sub(r"<w:p>.*HEADER.*?</w:p>", "".join(paragraphs), xml, flags=re.S)
    return amend(src, files=files, rels={part: [("rIdPic", "image", "media/image1.png")]})


def test_header_footer_image(tmp_path):
    """header_footer_image_tpl.docx: a placeholder picture in the header is replaced.
    docxtpl: replace_media(the placeholder's bytes, the new picture's bytes), found by checksum;
    reportgen: pictures={"dummy_pic_for_header.png": …}, found by the picture's 替换文字 or
    file name. The new picture has the placeholder's aspect ratio, so it keeps its box in both
    (Word left wp:extent and a:xfrm a few EMU apart, as in docxtpl's template). The pictures are
    given as bytes, as header_footer_image_file_obj.py gives them (file objects)."""
    pic = drawing(
        "rIdPic",
        2,
        "Image 1",
        "dummy_pic_for_header.png",
        "dummy_pic_for_header.png",
        (1485900, 550334),
        (1502264, 556395),
    )
    src = _picture_template(
        tmp_path,
        MEDIAS,
        "word/header1.xml",
        [
            para([run("Here is a picture in the header : "), pic]),
            para("My company is : {{mycompany}}"),
        ],
        DUMMY,
    )
    theirs, ours = compare(
        tmp_path,
        src,
        {"mycompany": "The World Wide company"},
        prepare=lambda tpl: tpl.replace_media(io.BytesIO(DUMMY), io.BytesIO(PYTHON)),
        pictures={"dummy_pic_for_header.png": PYTHON},
    )
    assert ours == theirs
    assert ours["pictures"] == {"word/header1.xml": ((1485900, 550334, digest(PYTHON)),)}
    assert ours["hf"] == {
        "word/header1.xml": (
            "Here is a picture in the header :",
            "My company is : The World Wide company",
        )
    }


def test_replace_picture_fits_the_box_where_docxtpl_stretches(tmp_path):
    """replace_picture_tpl.docx: replace_pic("python_logo.png", python.png) on a 600 × 600
    picture shown 150 × 150 mm. Different on purpose: docxtpl keeps the square box and stretches
    the 540 × 200 picture into it; reportgen (pictures={"python_logo.png": …}, the same name)
    fits it in the box keeping its aspect ratio (150 × 55.6 mm). Everything else is the same."""
    pic = drawing("rIdPic", 1, "Image 0", "python_logo.png", "python_logo.png", (5715000, 5715000))
    src = _picture_template(
        tmp_path, MEDIAS, "word/document.xml", [para([run("Picture to replace : "), pic])], LOGO
    )
    theirs, ours = compare(
        tmp_path,
        src,
        {},
        prepare=lambda tpl: tpl.replace_pic("python_logo.png", io.BytesIO(PYTHON)),
        pictures={"python_logo.png": PYTHON},
    )
    assert theirs["pictures"] == {"word/document.xml": ((5715000, 5715000, digest(PYTHON)),)}
    assert ours["pictures"] == {
        "word/document.xml": ((5715000, round(5715000 * 200 / 540), digest(PYTHON)),)
    }
    assert {**ours, "pictures": None} == {**theirs, "pictures": None}
    assert ours["body"][-1] == ("p", "Picture to replace :", 1)


# ------------------------------------------------------------------ sub-documents
def _with_dynamic_style(d) -> None:
    style = d.styles.add_style("dynamic", WD_STYLE_TYPE.CHARACTER)
    style.font.bold = True


def _fill_subdoc(sd) -> None:
    """subdoc.py's calls, on a docxtpl sub-document or a python-docx Document alike."""
    sd.add_paragraph("This is a sub-document inserted into a bigger one")
    p = sd.add_paragraph("It has been ")
    p.add_run("dynamically").style = "dynamic"
    p.add_run(" generated with python by using ")
    p.add_run("python-docx").italic = True
    p.add_run(" library")
    sd.add_heading("Heading, level 1", level=1)
    sd.add_paragraph("This is an Intense quote", style="Intense Quote")
    sd.add_paragraph("A picture :")
    sd.add_picture(io.BytesIO(LOGO), width=Inches(1.25))
    sd.add_paragraph("A Table :")
    grid = sd.add_table(rows=1, cols=3)
    for c, text in zip(grid.rows[0].cells, ("Qty", "Id", "Desc"), strict=True):
        c.text = text
    for item in ((1, 101, "Spam"), (2, 42, "Eggs"), (3, 631, "Spam,spam, eggs, and ham")):
        for c, value in zip(grid.add_row().cells, item, strict=True):
            c.text = str(value)


def _styles_used(path: Path) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(text, paragraph style name, (run text, character style name) …) of every body paragraph
    with text: the formatting a reader sees comes from these (no w:pStyle is the default
    paragraph style, as python-docx resolves it)."""
    d = docx.Document(str(path))
    return [
        (p.text, p.style.name, tuple((r.text, getattr(r.style, "name", None)) for r in p.runs))
        for p in d.paragraphs
        if p.text.strip()
    ]


def test_subdoc(tmp_path):
    """subdoc_tpl.docx: {{p mysubdoc }} replaced by a document built with python-docx (a
    character style, a heading, a quote, a picture 1.25 in wide, a table). docxtpl: the calls on
    tpl.new_subdoc(); reportgen: the same calls on a python-docx document, given as
    Subdoc(its bytes). Both templates define the style `dynamic`, as docxtpl's template does."""
    d = docx.Document()
    _with_dynamic_style(d)
    for text in ("My sub-document :", "{{p mysubdoc}}", "That’s it !"):
        d.add_paragraph(text)
    src = tmp_path / "tpl.docx"
    d.save(str(src))
    sub = docx.Document()
    _with_dynamic_style(sub)
    _fill_subdoc(sub)
    buf = io.BytesIO()
    sub.save(buf)

    def their_ctx(tpl: DocxTemplate) -> dict:
        sd = tpl.new_subdoc()
        _fill_subdoc(sd)
        return {"mysubdoc": sd}

    theirs, ours = compare(tmp_path, src, {"mysubdoc": Subdoc(buf.getvalue())}, their_ctx=their_ctx)
    assert ours == theirs
    assert ours["pictures"] == {"word/document.xml": ((1143000, 1143000, digest(LOGO)),)}
    assert ours["body"][0:3] == [
        ("p", "My sub-document :"),
        ("p", "This is a sub-document inserted into a bigger one"),
        ("p", "It has been dynamically generated with python by using python-docx library"),
    ]
    assert _styles_used(tmp_path / "reportgen.docx") == _styles_used(tmp_path / "docxtpl.docx")
    assert _styles_used(tmp_path / "reportgen.docx")[2:5] == [
        (
            "It has been dynamically generated with python by using python-docx library",
            "Normal",
            (
                ("It has been ", "Default Paragraph Font"),
                ("dynamically", "dynamic"),
                (" generated with python by using ", "Default Paragraph Font"),
                ("python-docx", "Default Paragraph Font"),
                (" library", "Default Paragraph Font"),
            ),
        ),
        ("Heading, level 1", "Heading 1", (("Heading, level 1", "Default Paragraph Font"),)),
        (
            "This is an Intense quote",
            "Intense Quote",
            (("This is an Intense quote", "Default Paragraph Font"),),
        ),
    ]


def _merge_attachment(path: Path) -> Path:
    """merge_docx_subdoc.docx's content (an output of inline_image): pictures alone, inside a
    sentence, with a forced ratio, and in a table."""
    d = docx.Document()
    d.add_paragraph("Text zone :")
    d.add_picture(io.BytesIO(LOGO), width=Mm(20))
    d.add_paragraph("Cool !")
    p = d.add_paragraph("Inline image : ")
    p.add_run().add_picture(io.BytesIO(LOGO), width=Mm(20))
    p.add_run(" -> you can write just after")
    p = d.add_paragraph("Image with a forced ratio : ")
    p.add_run().add_picture(io.BytesIO(JPEG), width=Mm(30), height=Mm(60))
    d.add_paragraph("In a table :")
    grid = d.add_table(rows=1, cols=2)
    grid.rows[0].cells[0].text, grid.rows[0].cells[1].text = "Image", "Description"
    for desc, data in FRAMEWORKS:
        cells = grid.add_row().cells
        cells[0].paragraphs[0].add_run().add_picture(io.BytesIO(data), height=Mm(10))
        cells[1].text = desc
    d.save(str(path))
    return path


def test_merge_docx(tmp_path):
    """merge_docx_master_tpl.docx: {{p mysubdoc }} between two lines, replaced by a whole .docx
    file holding pictures (alone, in a sentence, in a table); a picture in the header.
    docxtpl: tpl.new_subdoc(path) (docxcompose); reportgen: Subdoc(path).

    Text, tables, pictures and header are the same. Different on purpose (docs/templates.md,
    子文档): the attachment's default text keeps the attachment's own look in reportgen, under a
    style "附件正文" (python-docx's Normal is not the template's 仿宋 with its first-line
    indent); docxtpl gives it the template's Normal."""
    attachment = _merge_attachment(tmp_path / "merge_docx_subdoc.docx")
    line = "_____________________________________________"
    body = "".join(
        [
            para("Merge a whole docx file as a subdoc"),
            para("Between the 2 lines, there will be the subdoc : "),
            para(line),
            para("{{p mysubdoc}}"),
            para(line),
            para("Here is the end of the master document."),
        ]
    )
    django = FRAMEWORKS[0][1]
    logo = drawing("rIdPic", 1, "officeArt object", "", "image1.png", (1043478, 360000))
    src = _picture_template(
        tmp_path,
        body,
        "word/header1.xml",
        [para([run("Here is an inline image in the header : "), logo])],
        django,
    )
    theirs, ours = compare(
        tmp_path,
        src,
        {"mysubdoc": Subdoc(attachment)},
        their_ctx=lambda tpl: {"mysubdoc": tpl.new_subdoc(str(attachment))},
    )
    assert ours == theirs
    assert len(ours["pictures"]["word/document.xml"]) == 8
    assert ours["pictures"]["word/header1.xml"] == ((1043478, 360000, digest(django)),)
    # the attachment's pictures were numbered 1…8 like the header's: Word wants them unique
    with zipfile.ZipFile(tmp_path / "reportgen.docx") as zf:
        ids = [
            el.get("id")
            for part in ("word/document.xml", "word/header1.xml")
            for el in etree.fromstring(zf.read(part)).iter(WP + "docPr")
        ]
    assert len(ids) == len(set(ids)) == 9
    mine = _styles_used(tmp_path / "reportgen.docx")
    docxtpl_styles = _styles_used(tmp_path / "docxtpl.docx")
    inserted = slice(3, 8)  # "Text zone :" … "In a table :", between the two lines
    assert {style for _, style, _ in mine[inserted]} == {"附件正文"}
    assert {style for _, style, _ in docxtpl_styles[inserted]} == {"Normal"}
    assert [(t, "Normal" if s == "附件正文" else s, r) for t, s, r in mine] == docxtpl_styles
    assert [b for b in ours["body"] if b[0] == "p"][2:6] == [
        ("p", line),
        ("p", "Text zone :"),
        ("p", "", 1),
        ("p", "Cool !"),
    ]


def test_escape_richtext_and_listing_objects(tmp_path):
    """escape_tpl.docx / richtext_tpl.docx: docxtpl's own R()/Listing objects reach reportgen as
    XML made by code (their __html__). Their \\a, \\f and \\n mean what they mean in docxtpl (new
    paragraph, page break, line break); other control characters are dropped, so the file parses
    (before, \\f was written raw and Word could not open the document)."""
    from docxtpl import Listing, R

    from reportgen.engine.xmltext import malformed_parts

    body = "".join(
        [
            para("{{r myvar }}"),
            para("{{r nlnp }}"),
            para("{{ mylisting }}"),
            para("{{r page_break }}"),
        ]
    )
    ctx = {
        "myvar": R('"less than" must be escaped : <, this can be done with RichText() or R()'),
        "nlnp": R(
            "Here is a multiple\nlines\nstring\aand some\aother\aparagraphs", color="#ff00ff"
        ),
        "mylisting": Listing("the listing\nwith\nsome\nlines\nand special chars : <>& ..."),
        "page_break": R("\f"),
    }
    theirs, ours = render_both(tmp_path, body, ctx)
    assert ours == theirs
    assert malformed_parts(tmp_path / "reportgen.docx") == []
    with zipfile.ZipFile(tmp_path / "reportgen.docx") as zf:
        xml = zf.read("word/document.xml").decode()
    assert '<w:br w:type="page"/>' in xml and "\f" not in xml and "\a" not in xml
