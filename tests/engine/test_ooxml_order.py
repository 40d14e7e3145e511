"""Word (unlike LibreOffice/WPS) rejects WordprocessingML whose children are out of schema order,
duplicated, or whose package is inconsistent. These tests hold every part we write to that."""

import importlib.util
import posixpath
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx_helpers import build_docx, card_body, record
from lxml import etree

from reportgen.engine import WordTemplate, find_template, make_meta, qr_image, write_print_file
from reportgen.engine import officialdoc as od
from reportgen.engine.docx_writer import add_page_break_before, section_break_sect_pr
from reportgen.engine.ooxml import DocxPackage, cell, para, row, table
from reportgen.engine.ooxml_order import (
    SEQUENCES,
    check_order,
    check_package,
    check_tables,
    normalize,
    ordered_inner,
)

ROOT = Path(__file__).resolve().parents[2]
BUILTIN_DOCX = sorted((ROOT / "templates" / "docx").glob("*.docx"))
META = make_meta("数据来源：2023年9月1日导入（第1次导入）", "2023-09-02")
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECL = f'xmlns:w="{W}"'
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _assert_package_sound(path: Path) -> None:
    """Independent of check_package: well-formed parts, a content type for every part, every
    relationship target present, every part passes check_order."""
    parts = _parts(path)
    trees = {}
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            trees[name] = etree.fromstring(data)  # raises if not well-formed
    ct = trees["[Content_Types].xml"]
    defaults = {d.get("Extension").lower() for d in ct.iter(CT_NS + "Default")}
    overrides = {o.get("PartName") for o in ct.iter(CT_NS + "Override")}
    for name in parts:
        if name == "[Content_Types].xml":
            continue
        assert "/" + name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
    for o in overrides:
        assert o.lstrip("/") in parts, f"Override for missing part {o}"
    for name, tree in trees.items():
        if not name.endswith(".rels"):
            continue
        folder = posixpath.dirname(posixpath.dirname(name))
        for rel in tree.iter(REL):
            if rel.get("TargetMode") == "External":
                continue
            target = posixpath.normpath(posixpath.join(folder, rel.get("Target")))
            assert target in parts, f"{name}: {rel.get('Id')} -> {target}"
    for name, data in parts.items():
        if name.startswith("word/") and name.endswith(".xml"):
            assert check_order(data) == [], name
    assert check_package(path) == []


# -- the checker itself ----------------------------------------------------------------------------


def test_check_order_catches_out_of_order_ppr():
    xml = f'<w:p {NSDECL}><w:pPr><w:jc w:val="center"/><w:ind w:left="1"/></w:pPr></w:p>'
    issues = check_order(xml)
    assert issues == ["w:p/w:pPr: w:ind must come before w:jc"]


def test_check_order_catches_duplicate_ind():
    xml = (
        f'<w:style {NSDECL} w:styleId="x"><w:name w:val="x"/><w:pPr>'
        '<w:ind w:firstLine="0"/><w:ind w:right="1280"/></w:pPr></w:style>'
    )
    assert check_order(xml) == ["w:style[@styleId='x']/w:pPr: duplicate w:ind"]


def test_check_order_catches_page_break_before_in_front():
    xml = f'<w:p {NSDECL}><w:pPr><w:pageBreakBefore/><w:pStyle w:val="a"/></w:pPr></w:p>'
    assert check_order(xml) == ["w:p/w:pPr: w:pStyle must come before w:pageBreakBefore"]


@pytest.mark.parametrize(
    "xml, expected",
    [
        ("<w:rPr><w:sz w:val='2'/><w:b/></w:rPr>", "w:b must come before w:sz"),
        ("<w:sectPr><w:pgMar/><w:pgSz/></w:sectPr>", "w:pgSz must come before w:pgMar"),
        (
            "<w:sectPr><w:pgSz/><w:footerReference/></w:sectPr>",
            "w:footerReference must come before w:pgSz",
        ),
        ("<w:tbl><w:tblGrid/><w:tblPr/></w:tbl>", "w:tblPr must come before w:tblGrid"),
        ("<w:tblPr><w:tblLayout/><w:tblW/></w:tblPr>", "w:tblW must come before w:tblLayout"),
        ("<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>", "w:cantSplit must come before"),
        ("<w:tcPr><w:vAlign/><w:tcW/></w:tcPr>", "w:tcW must come before w:vAlign"),
        ("<w:style><w:basedOn/><w:name/></w:style>", "w:name must come before w:basedOn"),
        ("<w:style><w:rPr/><w:pPr/></w:style>", "w:pPr must come before w:rPr"),
        (
            "<w:settings><w:evenAndOddHeaders/><w:defaultTabStop/></w:settings>",
            "w:defaultTabStop must come before w:evenAndOddHeaders",
        ),
        (
            "<w:docDefaults><w:pPrDefault/><w:rPrDefault/></w:docDefaults>",
            "w:rPrDefault must come before",
        ),
        ("<w:footnotePr><w:numFmt/><w:pos/></w:footnotePr>", "w:pos must come before w:numFmt"),
        ("<w:tblBorders><w:insideH/><w:top/></w:tblBorders>", "w:top must come before"),
        ("<w:tcBorders><w:right/><w:left/></w:tcBorders>", "w:left must come before w:right"),
        ("<w:pBdr><w:bottom/><w:top/></w:pBdr>", "w:top must come before w:bottom"),
        ("<w:p><w:r/><w:pPr/></w:p>", "w:pPr must come before w:r"),
        ("<w:r><w:t/><w:rPr/></w:r>", "w:rPr must come before w:t"),
        ("<w:body><w:sectPr/><w:p/></w:body>", "w:p must come before w:sectPr"),
        ("<w:font w:name='x'><w:pitch/><w:charset/></w:font>", "w:charset must come before"),
        ("<w:tcPr><w:tcW/><w:tcW/></w:tcPr>", "duplicate w:tcW"),
    ],
)
def test_check_order_knows_each_container(xml, expected):
    xml = xml.replace(">", f" {NSDECL}>", 1)  # declare w: on the outer element
    issues = check_order(xml)
    assert len(issues) == 1 and expected in issues[0], issues


def test_unknown_and_extension_children_are_ignored():
    xml = (
        f'<w:rPr {NSDECL} xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml">'
        '<w:b/><w14:ligatures w14:val="all"/><w:futureThing/><w:sz w:val="2"/></w:rPr>'
    )
    assert check_order(xml) == []


def test_repeatable_children_are_not_duplicates():
    xml = (
        f"<w:sectPr {NSDECL}><w:headerReference/><w:footerReference/><w:headerReference/>"
        "<w:pgSz/></w:sectPr>"
    )
    assert check_order(xml) == []
    assert check_order(f"<w:tblGrid {NSDECL}><w:gridCol/><w:gridCol/></w:tblGrid>") == []


def test_sequences_follow_the_standard_where_the_brief_quotes_it():
    ppr = SEQUENCES["pPr"]
    assert ppr.index("pageBreakBefore") == ppr.index("keepLines") + 1
    assert ppr.index("snapToGrid") < ppr.index("spacing") < ppr.index("ind") < ppr.index("jc")
    assert ppr.index("jc") < ppr.index("outlineLvl") < ppr.index("rPr") < ppr.index("sectPr")
    rpr = SEQUENCES["rPr"]
    assert rpr.index("rFonts") < rpr.index("b") < rpr.index("spacing") < rpr.index("sz")
    assert rpr.index("kern") < rpr.index("sz") < rpr.index("lang")


# -- normalize -------------------------------------------------------------------------------------


def test_normalize_sorts_and_merges_duplicate_ind_and_spacing():
    el = etree.fromstring(
        f'<w:pPr {NSDECL} xmlns:x="urn:x"><w:jc w:val="right"/><w:ind w:firstLineChars="0" '
        'w:firstLine="0"/><x:ext/><w:spacing w:before="1"/><w:ind w:right="1280"/>'
        '<w:spacing w:after="2"/><w:pStyle w:val="a"/></w:pPr>'
    )
    assert normalize(el)
    names = [etree.QName(c).localname for c in el]
    assert names == ["pStyle", "spacing", "ind", "ext", "jc"]  # x:ext stays after w:ind
    ind = el.find(f"{{{W}}}ind")
    assert dict(ind.attrib) == {
        f"{{{W}}}firstLineChars": "0",
        f"{{{W}}}firstLine": "0",
        f"{{{W}}}right": "1280",
    }
    spacing = el.find(f"{{{W}}}spacing")
    assert spacing.get(f"{{{W}}}before") == "1" and spacing.get(f"{{{W}}}after") == "2"
    assert check_order(etree.tostring(el)) == []
    assert not normalize(el)  # already in order: nothing to do


def test_normalize_is_stable_for_repeated_children():
    el = etree.fromstring(
        f"<w:p {NSDECL}><w:r><w:t>1</w:t></w:r><w:pPr/><w:r><w:t>2</w:t></w:r></w:p>"
    )
    normalize(el)
    assert [etree.QName(c).localname for c in el] == ["pPr", "r", "r"]
    assert "".join(el.itertext()) == "12"


def test_ordered_inner_for_builders():
    assert ordered_inner("pPr", '<w:jc w:val="left"/><w:keepNext/>') == (
        '<w:keepNext/><w:jc w:val="left"/>'
    )
    inner = '<w:keepNext/><w:jc w:val="left"/>'
    assert ordered_inner("pPr", inner) is inner


# -- what we produce -------------------------------------------------------------------------------


def test_official_styles_and_settings_in_order():
    styles = od.styles_xml().encode()
    assert check_order(styles) == []
    root = etree.fromstring(styles)
    title = root.find(f".//{{{W}}}style[@{{{W}}}styleId='a-title']/{{{W}}}pPr")
    assert [etree.QName(c).localname for c in title] == ["spacing", "ind", "jc", "outlineLvl"]
    for sid in ("a-signature", "a-date"):
        ppr = root.find(f".//{{{W}}}style[@{{{W}}}styleId='{sid}']/{{{W}}}pPr")
        inds = ppr.findall(f"{{{W}}}ind")
        assert len(inds) == 1
        assert {etree.QName(k).localname: v for k, v in inds[0].attrib.items()} == {
            "firstLineChars": "0",
            "firstLine": "0",
            "right": "1280",
        }
    for even in (True, False):
        assert check_order(od.settings_xml(even_and_odd=even)) == []
    assert check_order(od.font_table_xml()) == []
    body = f'<w:body {NSDECL} xmlns:r="urn:r">{od.sect_pr(footer_default="r1")}</w:body>'
    assert check_order(body) == []


def test_builders_put_extras_in_schema_order():
    p = para("x", style="a", align="center", ppr_extra='<w:outlineLvl w:val="1"/><w:keepNext/>')
    r = para([cell("x", 100, shade="EEEEEE", vmerge="restart", span=2)])
    xml = f"<w:body {NSDECL}>{p}{table([row([r], header=True, height_twips=300)], [100])}</w:body>"
    assert check_order(xml) == []


@pytest.mark.parametrize("path", BUILTIN_DOCX, ids=lambda p: p.name)
def test_builtin_templates_every_part_in_order(path):
    _assert_package_sound(path)


def test_build_templates_is_deterministic_and_committed(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "build_templates", ROOT / "tools/build_templates.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    mod.official_docx(a)
    mod.official_docx(b)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() == (ROOT / "templates/docx/公文.docx").read_bytes(), (
        "templates/docx/公文.docx is stale: run python tools/build_templates.py"
    )


def _print_file(tmp_path: Path, page_break: str) -> Path:
    body = card_body() + para("扫码：{{ qr }}") + para("{%p if note %}") + para("{{ note }}")
    body += para("{%p endif %}")
    tpl = build_docx(
        tmp_path / "tpl.docx",
        body,
        header="{{ school }} 资助办",
        footer=para("页脚：{{ _meta.generated_on }}"),
    )
    recs = [
        {**record(i), "qr": qr_image(f"https://example.invalid/{i % 2}", 20), "_meta": META}
        for i in range(4)
    ]
    out = tmp_path / f"{page_break}.docx"
    assert write_print_file(WordTemplate(tpl), recs, out, page_break=page_break) == 4
    return out


@pytest.mark.parametrize("page_break", ["section", "page", "none"])
def test_rendered_print_file_is_sound(tmp_path, page_break):
    out = _print_file(tmp_path, page_break)
    _assert_package_sound(out)
    d = docx.Document(str(out))
    assert len(d.inline_shapes) == 4
    assert len(d.tables) == 4
    if page_break == "section":
        assert len(d.sections) == 4


def test_official_template_rendered_with_ragged_column_loop(tmp_path):
    from reportgen.engine.builtin_specs import OFFICIAL_SAMPLE

    ctx = {
        **OFFICIAL_SAMPLE,
        "table": {"caption": "表", "columns": list("甲乙丙"), "rows": [list("123"), list("12345")]},
        "_meta": META,
    }
    out = tmp_path / "o.docx"
    write_print_file(
        WordTemplate(find_template("公文").path), [ctx, ctx], out, page_break="section"
    )
    _assert_package_sound(out)
    xml = _parts(out)["word/document.xml"].decode()
    grid = re.search(r"<w:tblGrid>(.*?)</w:tblGrid>", xml).group(1)
    assert grid.count("<w:gridCol") == 5  # the widest row, not the first


def test_check_tables_reports_missing_or_short_grid():
    tbl = (
        f"<w:body {NSDECL}><w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid>"
        "<w:tr><w:tc><w:p/></w:tc><w:tc><w:tcPr><w:gridSpan w:val='2'/></w:tcPr><w:p/></w:tc></w:tr>"
        "</w:tbl><w:tbl><w:tblPr/><w:tr><w:tc/></w:tr></w:tbl></w:body>"
    )
    issues = check_tables(tbl)
    assert any("1 w:gridCol but the widest row has 3 columns" in m for m in issues)
    assert any("w:tbl[2]: no w:tblGrid" in m for m in issues)
    assert any("must end with a w:p" in m for m in issues)


def test_page_break_goes_after_style_keep_next_and_keep_lines():
    xml = (
        '<w:p><w:pPr><w:pStyle w:val="a"/><w:keepNext/><w:keepLines/><w:jc w:val="center"/>'
        "</w:pPr><w:r/></w:p>"
    )
    out = add_page_break_before(xml)
    assert "<w:keepLines/><w:pageBreakBefore/><w:jc" in out
    assert check_order(f"<w:body {NSDECL}>{out}</w:body>") == []
    off = add_page_break_before('<w:p><w:pPr><w:pageBreakBefore w:val="0"/></w:pPr></w:p>')
    assert off == "<w:p><w:pPr><w:pageBreakBefore/></w:pPr></w:p>"
    assert add_page_break_before("<w:p/>") == "<w:p><w:pPr><w:pageBreakBefore/></w:pPr></w:p>"


def test_section_break_keeps_pg_num_type_in_place():
    sect = (
        '<w:sectPr><w:footerReference w:type="default" r:id="r1"/><w:pgSz/><w:pgMar/>'
        '<w:pgBorders/><w:pgNumType w:fmt="numberInDash"/><w:cols/><w:titlePg/><w:docGrid/>'
        "</w:sectPr>"
    )
    out = section_break_sect_pr(sect)
    assert '<w:pgBorders/><w:pgNumType w:fmt="numberInDash" w:start="1"/><w:cols/>' in out
    wrapped = out.replace("<w:sectPr>", f'<w:sectPr {NSDECL} xmlns:r="urn:r">', 1)
    assert check_order(wrapped) == []
    assert section_break_sect_pr("<w:sectPr><w:pgSz/><w:pgMar/></w:sectPr>").endswith(
        '<w:pgMar/><w:pgNumType w:start="1"/></w:sectPr>'
    )


def test_out_of_order_template_is_repaired_when_compiled(tmp_path):
    """A template saved by a tool that ignores the order (or edited by hand) still gives Word a
    valid file: body, header/footer and styles are put in schema order when compiled."""
    body = (
        '<w:p><w:r><w:t>{{ name }}</w:t></w:r><w:pPr><w:jc w:val="center"/>'
        '<w:pStyle w:val="a-title"/></w:pPr></w:p>'
        '<w:p><w:pPr><w:ind w:left="10"/><w:ind w:right="10"/></w:pPr>'
        '<w:r><w:t xml:space="preserve">{{ name }}</w:t><w:rPr><w:sz w:val="30"/><w:b/></w:rPr></w:r></w:p>'
    )
    styles = od.styles_xml().replace(
        '<w:name w:val="公文标题"/><w:basedOn w:val="a"/>',
        '<w:basedOn w:val="a"/><w:name w:val="公文标题"/>',
    )
    pkg = DocxPackage(
        body, "", styles=styles, font_table=od.font_table_xml(), settings=od.settings_xml()
    )
    ftr = pkg.add_footer(para("{{ name }}", style="a-footer", ppr_extra="<w:keepNext/>"))
    pkg.sect_pr = (
        f'<w:sectPr><w:pgMar w:top="1" w:right="1" w:bottom="1" w:left="1" w:header="1" '
        f'w:footer="1" w:gutter="0"/><w:footerReference w:type="default" r:id="{ftr}"/></w:sectPr>'
    )
    path = tmp_path / "t.docx"
    pkg.save(path)
    assert check_package(path)  # the template itself is out of order
    out = tmp_path / "o.docx"
    write_print_file(
        WordTemplate(path), [{"name": "甲"}, {"name": "乙"}], out, page_break="section"
    )
    _assert_package_sound(out)
    assert [p.text for p in docx.Document(str(out)).paragraphs if p.text] == [
        "甲",
        "甲",
        "乙",
        "乙",
    ]


def test_rows_and_cells_emptied_by_tags_stay_valid(tmp_path):
    """All rows of a table in a {%tr for %} over an empty list; a cell whose only paragraph is
    conditional; a footer whose only paragraph is conditional."""
    rows = [
        row([cell("{%tr for it in items %}", 3000)]),
        row([cell("{{ it }}", 3000)]),
        row([cell("{%tr endfor %}", 3000)]),
    ]
    cond_cell = cell([para("{%p if flag %}"), para("有"), para("{%p endif %}")], 3000)
    body = (
        para("前")
        + table(rows, [3000])
        + para("中")
        + table([row([cond_cell])], [3000])
        + para("后")
    )
    tpl = build_docx(
        tmp_path / "t.docx", body, footer=para("{%p if flag %}") + para("脚") + para("{%p endif %}")
    )
    out = tmp_path / "o.docx"
    recs = [{"items": [], "flag": False}, {"items": ["甲"], "flag": True}]
    write_print_file(WordTemplate(tpl), recs, out)
    _assert_package_sound(out)
    d = docx.Document(str(out))
    assert [t.rows[0].cells[0].text for t in d.tables] == ["", "甲", "有"]


def test_picture_in_header_gets_its_own_relationship(tmp_path):
    tpl = build_docx(tmp_path / "t.docx", para("{{ qr }}"), header="码 {{ qr }}")
    out = tmp_path / "o.docx"
    write_print_file(WordTemplate(tpl), [{"qr": qr_image("a", 15)}], out)
    _assert_package_sound(out)
    parts = _parts(out)
    assert b"relationships/image" in parts["word/_rels/header1.xml.rels"]
    assert len([n for n in parts if n.startswith("word/media/")]) == 1


def test_check_package_reports_broken_packages(tmp_path):
    good = tmp_path / "good.docx"
    build_docx(good, para("x"))
    parts = _parts(good)
    broken = dict(parts)
    broken["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b'<Override PartName="/word/settings.xml"', b'<Override PartName="/word/gone.xml"'
    )
    broken["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].replace(
        b'Target="fontTable.xml"', b'Target="nofont.xml"'
    )
    broken["word/document.xml"] = parts["word/document.xml"].replace(
        b"<w:sectPr>", b'<w:sectPr><w:headerReference w:type="default" r:id="rIdNone"/>'
    )
    broken["docProps/core.xml"] = parts["docProps/core.xml"].replace(
        b"2023-01-01T00:00:00Z</dcterms:modified>", b"yesterday</dcterms:modified>"
    )
    broken["word/styles.xml"] = parts["word/styles.xml"][:-20]
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in broken.items():
            zf.writestr(name, data)
    issues = "\n".join(check_package(bad))
    assert "word/settings.xml is the settings part but has content type application/xml" in issues
    assert "Override for missing part /word/gone.xml" in issues
    assert "points to missing part word/nofont.xml" in issues
    assert "r:id rIdNone has no relationship" in issues
    assert "modified is not W3CDTF" in issues
    assert "word/styles.xml: not well-formed" in issues
    assert check_package(good) == []


def test_core_and_app_properties_are_what_word_expects(tmp_path):
    path = build_docx(tmp_path / "t.docx", para("x"))
    parts = _parts(path)
    core = etree.fromstring(parts["docProps/core.xml"])
    xsi = "{http://www.w3.org/2001/XMLSchema-instance}type"
    dates = [el for el in core if etree.QName(el).localname in ("created", "modified")]
    assert len(dates) == 2 and all(el.get(xsi) == "dcterms:W3CDTF" for el in dates)
    app = etree.fromstring(parts["docProps/app.xml"])
    assert app.find("{*}AppVersion") is None  # Word rejects one that is not XX.YYYY
    rels = parts["_rels/.rels"].decode()
    assert "core-properties" in rels and "extended-properties" in rels
