"""Pictures and hyperlinks in Word print files (issue 18): the `link` and `image` filters and
template pictures replaced by name, checked by reading the written package back."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx_helpers import build_docx
from lxml import etree
from PIL import Image as PILImage

from reportgen.engine import Image, WordTemplate, check_template, render_batch, write_print_file
from reportgen.engine.ooxml import cell, para, row, run, table
from reportgen.errors import TemplateError, UnsafeTemplateError

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
W = "{" + NS["w"] + "}"
RID = "{" + NS["r"] + "}id"
EMBED = "{" + NS["r"] + "}embed"
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
MM = 36000  # EMU per millimetre


def picture_bytes(w: int, h: int, fmt: str = "PNG", dpi: int | None = None, color="red") -> bytes:
    out = io.BytesIO()
    img = PILImage.new("RGB", (w, h), color)
    img.save(out, fmt, **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


def render(tpl: Path, records: list[dict], out: Path, **kw) -> Path:
    write_print_file(WordTemplate(tpl), records, out, **kw)
    return out


def xml_of(out: Path, part: str = "word/document.xml"):
    with zipfile.ZipFile(out) as zf:
        return etree.fromstring(zf.read(part))


def rels_of(out: Path, part: str = "word/document.xml") -> dict[str, dict[str, str]]:
    folder, base = part.rsplit("/", 1)
    with zipfile.ZipFile(out) as zf:
        root = etree.fromstring(zf.read(f"{folder}/_rels/{base}.rels"))
    return {r.get("Id"): dict(r.attrib) for r in root.iter("{" + NS["rel"] + "}Relationship")}


def hyperlinks(out: Path, part: str = "word/document.xml") -> list[tuple[str, str, dict]]:
    """(text, r:id, its relationship) of every w:hyperlink in the part, in order."""
    rels = rels_of(out, part)
    return [
        ("".join(h.itertext()), h.get(RID), rels.get(h.get(RID), {}))
        for h in xml_of(out, part).iter(W + "hyperlink")
    ]


def extents(out: Path, part: str = "word/document.xml") -> list[tuple[int, int]]:
    return [
        (int(e.get("cx")), int(e.get("cy"))) for e in xml_of(out, part).iterfind(".//wp:extent", NS)
    ]


def shown_pictures(out: Path, part: str = "word/document.xml") -> list[bytes]:
    """The bytes each picture of the part shows, in order (following its relationship)."""
    rels = rels_of(out, part)
    folder = part.rsplit("/", 1)[0]
    with zipfile.ZipFile(out) as zf:
        return [
            zf.read(f"{folder}/{rels[b.get(EMBED)]['Target']}")
            for b in xml_of(out, part).iterfind(".//a:blip", NS)
        ]


def doc_text(out: Path, part: str = "word/document.xml") -> str:
    return "".join(t.text or "" for t in xml_of(out, part).iter(W + "t"))


# ---------------------------------------------------------------------------- template pictures
def drawing(rid: str, name: str, descr: str = "", mm: tuple[float, float] = (30, 30), **kw) -> str:
    """A run holding an inline picture as Word writes it (选择窗格 name, 替换文字 descr)."""
    cx, cy = round(mm[0] * MM), round(mm[1] * MM)
    alt = f' descr="{descr}"' if descr else ""
    svg = kw.get("svg", "")
    return (
        '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{kw.get("id", 1)}" name="{name}"{alt}/>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="{kw.get("file", "image1.png")}"/>'
        f'<pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="{rid}">{svg}</a:blip>'
        '<a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/>'
        f'<a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        "</pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )


def with_parts(path: Path, files: dict[str, bytes], rels: dict[str, list[tuple[str, str]]]) -> Path:
    """Add media files and image relationships (part -> [(rId, target)]) to a built template."""
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    entries.update(files)
    for part, items in rels.items():
        folder, base = part.rsplit("/", 1)
        name = f"{folder}/_rels/{base}.rels"
        text = entries.get(name, b'<Relationships xmlns="%s"></Relationships>' % NS["rel"].encode())
        extra = "".join(f'<Relationship Id="{r}" Type="{IMAGE}" Target="{t}"/>' for r, t in items)
        entries[name] = text.replace(b"</Relationships>", extra.encode() + b"</Relationships>")
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in entries.items():
            zf.writestr(n, d)
    return path


SEAL = picture_bytes(100, 100, color="red")
LOGO = picture_bytes(100, 50, color="blue")


def seal_template(folder: Path, body_extra: str = "") -> Path:
    """Body: text and the picture 图片 1 (替换文字 印章); header: the picture 徽标."""
    tpl = build_docx(
        folder / "盖章.docx",
        para("{{ 姓名 }}的证明") + para([drawing("rIdSeal", "图片 1", "印章")]) + body_extra,
        header="X",
    )
    with zipfile.ZipFile(tpl) as zf:
        header = zf.read("word/header1.xml").decode()
    header = header.replace(
        '<w:t xml:space="preserve">X</w:t></w:r>', "</w:r>" + drawing("rIdLogo", "徽标", id=9)
    )
    return with_parts(
        tpl,
        {
            "word/media/seal.png": SEAL,
            "word/media/logo.png": LOGO,
            "word/header1.xml": header.encode(),
        },
        {
            "word/document.xml": [("rIdSeal", "media/seal.png")],
            "word/header1.xml": [("rIdLogo", "media/logo.png")],
        },
    )


# ---------------------------------------------------------------------------- links
def test_link_shows_the_address_or_a_text_and_adds_an_external_relationship(tmp_path):
    tpl = build_docx(
        tmp_path / "t.docx",
        para(
            [
                run("网址：", bold=True, size_pt=16),
                run('{{ r.url|link }}，{{ r.url|link("官网") }}。完', bold=True, size_pt=16),
            ]
        ),
    )
    urls = ["https://example.org/a?x=1&y=2", "mailto:zhang@example.org"]
    out = render(tpl, [{"r": {"url": u}} for u in urls], tmp_path / "o.docx")
    found = hyperlinks(out)
    assert [t for t, _, _ in found] == [urls[0], "官网", urls[1], "官网"]
    for (_, _, rel), url in zip(found, [urls[0], urls[0], urls[1], urls[1]], strict=True):
        assert rel["Type"] == HYPERLINK and rel["TargetMode"] == "External"
        assert rel["Target"] == url
    assert found[0][1] == found[1][1] != found[2][1]  # one relationship per address
    assert len(set(rels_of(out))) == len(rels_of(out))
    # the link and the text after it keep the run's formatting (bold, 16 pt)
    root = xml_of(out)
    link_rpr = root.find(".//w:hyperlink/w:r/w:rPr", NS)
    assert link_rpr.find(W + "b") is not None and link_rpr.find(W + "sz").get(W + "val") == "32"
    after = next(r for r in root.iter(W + "r") if "".join(r.itertext()) == "。完")
    assert after.find("w:rPr/w:b", NS) is not None
    assert doc_text(out).startswith(f"网址：{urls[0]}，官网。完")


@pytest.mark.parametrize("template_has_style", [True, False])
def test_link_runs_use_the_hyperlink_character_style(tmp_path, template_has_style):
    tpl = build_docx(tmp_path / "t.docx", para("{{ url|link }}"))
    if template_has_style:  # Word's Chinese styles get ids like a7; the name stays Hyperlink
        style = (
            '<w:style w:type="character" w:styleId="a7"><w:name w:val="Hyperlink"/>'
            '<w:rPr><w:color w:val="FF0000"/><w:u w:val="single"/></w:rPr></w:style>'
        )
        with zipfile.ZipFile(tpl) as zf:
            styles = zf.read("word/styles.xml").replace(
                b"</w:styles>", style.encode() + b"</w:styles>"
            )
        with_parts(tpl, {"word/styles.xml": styles}, {})
    before = len(xml_of(tpl, "word/styles.xml").findall(".//w:style", NS))
    out = render(tpl, [{"url": "https://example.org"}], tmp_path / "o.docx")
    rpr = xml_of(out).find(".//w:hyperlink/w:r/w:rPr", NS)
    sid = rpr.find(W + "rStyle").get(W + "val")
    styles = xml_of(out, "word/styles.xml")
    style = styles.find(f".//w:style[@w:styleId='{sid}']", NS)
    assert style.get(W + "type") == "character"
    assert style.find(W + "name").get(W + "val") == "Hyperlink"
    if template_has_style:
        assert sid == "a7" and len(styles.findall(".//w:style", NS)) == before  # none added
    else:  # added: blue, single underline
        assert style.find("w:rPr/w:color", NS).get(W + "val") == "0563C1"
        assert style.find("w:rPr/w:u", NS).get(W + "val") == "single"


def test_links_in_a_table_loop_and_in_the_header(tmp_path):
    rows = [
        row([cell("{%tr for x in r.links %}", 6000)]),
        row([cell("{{ x.url|link(x.name) }}", 6000)]),
        row([cell("{%tr endfor %}", 6000)]),
    ]
    tpl = build_docx(tmp_path / "t.docx", table(rows, [6000]), header='{{ r.home|link("首页") }}')
    records = [
        {
            "r": {
                "home": f"https://example.org/{i}",
                "links": [
                    {"url": f"https://example.org/{i}/{k}", "name": f"第{k}项"} for k in range(3)
                ],
            }
        }
        for i in range(2)
    ]
    out = render(tpl, records, tmp_path / "o.docx")
    found = hyperlinks(out)
    assert [(t, rel["Target"]) for t, _, rel in found] == [
        (f"第{k}项", f"https://example.org/{i}/{k}") for i in range(2) for k in range(3)
    ]
    assert len({rid for _, rid, _ in found}) == 6
    assert all(rel["TargetMode"] == "External" for _, _, rel in found)
    header = hyperlinks(out, "word/header1.xml")
    assert [(t, rel["Target"]) for t, _, rel in header] == [("首页", "https://example.org/0")]


def test_a_hyperlink_already_in_the_template_keeps_working(tmp_path):
    static = '<w:p><w:hyperlink r:id="rIdStatic"><w:r><w:t>政府网站</w:t></w:r></w:hyperlink></w:p>'
    tpl = build_docx(tmp_path / "t.docx", static + para("{{ url|link }}"))
    with zipfile.ZipFile(tpl) as zf:
        rels = zf.read("word/_rels/document.xml.rels").replace(
            b"</Relationships>",
            f'<Relationship Id="rIdStatic" Type="{HYPERLINK}" Target="https://www.gov.cn" '
            'TargetMode="External"/></Relationships>'.encode(),
        )
    with_parts(tpl, {"word/_rels/document.xml.rels": rels}, {})
    out = render(tpl, [{"url": "https://example.org"}] * 2, tmp_path / "o.docx")
    found = [(t, rel.get("Target")) for t, _, rel in hyperlinks(out)]
    assert (
        found
        == [("政府网站", "https://www.gov.cn"), ("https://example.org", "https://example.org")] * 2
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "file:///C:/Windows/system32",
        "data:text/html,<b>x</b>",
        "www.example.org",
        "http://",
        "https://exa mple.org",
    ],
)
def test_addresses_that_are_not_web_or_mail_are_refused(tmp_path, url):
    tpl = build_docx(tmp_path / "t.docx", para("{{ url|link }}"))
    with pytest.raises(TemplateError) as err:
        render(tpl, [{"url": url}], tmp_path / "o.docx")
    assert "链接" in err.value.message and url[:8] in err.value.message
    assert "第1行" in err.value.message  # the place in the template


def test_link_text_and_address_are_escaped(tmp_path):
    tpl = build_docx(tmp_path / "t.docx", para("{{ url|link(text) }}"))
    url = 'https://example.org/?q=<a>&b="c"'
    out = render(tpl, [{"url": url, "text": '<甲> & "乙"'}], tmp_path / "o.docx")
    assert [(t, rel["Target"]) for t, _, rel in hyperlinks(out)] == [('<甲> & "乙"', url)]


def test_blank_address_shows_the_text_alone(tmp_path):
    tpl = build_docx(tmp_path / "t.docx", para('网址：{{ url|link("暂无") }}；{{ none|link }}。'))
    out = render(tpl, [{"url": "  ", "none": None}], tmp_path / "o.docx")
    assert hyperlinks(out) == []
    assert doc_text(out) == "网址：暂无；。"


def test_the_sandbox_still_refuses_internals_through_link(tmp_path):
    tpl = build_docx(tmp_path / "t.docx", para("{{ (url|link).__class__.__mro__ }}"))
    with pytest.raises(UnsafeTemplateError):
        render(tpl, [{"url": "https://example.org"}], tmp_path / "o.docx")


# ---------------------------------------------------------------------------- pictures from data
def test_picture_width_or_height_gives_the_other_side_from_its_aspect(tmp_path):
    (tmp_path / "照片").mkdir()
    (tmp_path / "照片" / "甲.png").write_bytes(picture_bytes(200, 100))
    tpl = build_docx(
        tmp_path / "t.docx",
        para("{{ f|image(width_mm=30) }}{{ f|image(height_mm=40) }}")
        + para("{{ f|image(width_mm=10, height_mm=12.5) }}{{ f|image(20) }}"),
    )
    out = render(tpl, [{"f": "照片/甲.png"}], tmp_path / "o.docx")
    assert extents(out) == [
        (30 * MM, 15 * MM),
        (80 * MM, 40 * MM),
        (10 * MM, 12.5 * MM),
        (20 * MM, 10 * MM),
    ]
    assert shown_pictures(out) == [(tmp_path / "照片" / "甲.png").read_bytes()] * 4
    with zipfile.ZipFile(out) as zf:
        assert len([n for n in zf.namelist() if n.startswith("word/media/")]) == 1


def test_picture_without_a_size_takes_its_own_size_at_most_the_text_width(tmp_path):
    (tmp_path / "small.png").write_bytes(picture_bytes(300, 150, dpi=300))
    (tmp_path / "wide.png").write_bytes(picture_bytes(3000, 300, dpi=96))
    tpl = build_docx(tmp_path / "t.docx", para("{{ 'small.png'|image }}{{ 'wide.png'|image }}"))
    out = render(tpl, [{}], tmp_path / "o.docx")
    (w1, h1), (w2, h2) = extents(out)
    assert (abs(w1 - 25.4 * MM), abs(h1 - 12.7 * MM)) < (MM / 10, MM / 10)
    sect = xml_of(out).find(".//w:sectPr", NS)
    page = int(sect.find("w:pgSz", NS).get(W + "w"))
    margins = sect.find("w:pgMar", NS)
    text_mm = (page - int(margins.get(W + "left")) - int(margins.get(W + "right"))) * 25.4 / 1440
    assert abs(w2 - text_mm * MM) <= 1 and abs(h2 - text_mm * MM / 10) <= 1


def test_jpeg_gif_and_bmp_pictures(tmp_path):
    for name, fmt, color in (
        ("a.jpg", "JPEG", "red"),
        ("b.gif", "GIF", "blue"),
        ("c.bmp", "BMP", "green"),
    ):
        (tmp_path / name).write_bytes(picture_bytes(40, 20, fmt, color=color))
    tpl = build_docx(
        tmp_path / "t.docx", para("{% for f in files %}{{ f|image(width_mm=20) }}{% endfor %}")
    )
    out = render(tpl, [{"files": ["a.jpg", "b.gif", "c.bmp"]}], tmp_path / "o.docx")
    assert extents(out) == [(20 * MM, 10 * MM)] * 3
    with zipfile.ZipFile(out) as zf:
        media = sorted(n for n in zf.namelist() if n.startswith("word/media/"))
        types = zf.read("[Content_Types].xml").decode()
    assert [n.rsplit(".", 1)[1] for n in media] == ["jpeg", "png", "png"]  # GIF, BMP as PNG
    shown = shown_pictures(out)
    assert shown[0] == (tmp_path / "a.jpg").read_bytes()
    assert all(PILImage.open(io.BytesIO(d)).size == (40, 20) for d in shown)
    assert 'Extension="jpeg"' in types and 'Extension="png"' in types


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("/etc/hostname", "绝对路径"),
        ("../秘密.png", "“..”"),
        ("照片/无此人.png", "找不到图片“照片/无此人.png”"),
        ("说明.txt", "不是 PNG、JPEG、GIF 或 BMP 图片"),
    ],
)
def test_picture_file_refusals_name_the_value_and_the_record(tmp_path, value, words):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "秘密.png").write_bytes(picture_bytes(10, 10))
    (tmp_path / "tpl" / "说明.txt").write_text("不是图片", encoding="utf-8")
    tpl = build_docx(tmp_path / "tpl" / "t.docx", para("照片：{{ 照片|image(width_mm=20) }}"))
    result = render_batch(
        tpl,
        [{"姓名": "张三", "照片": value}],
        tmp_path / "out",
        file_name="卡",
        label="姓名",
        manifest=False,
        raise_on_failure=False,
    )
    (failure,) = result.failures
    assert failure.record == "张三"
    assert words in failure.message and "第1行" in failure.message
    assert not (tmp_path / "out" / "卡.docx").exists()


def test_a_blank_picture_value_prints_nothing(tmp_path):
    rows = [row([cell("照片", 2000), cell("{{ r.照片|image(width_mm=20) }}", 4000)])]
    tpl = build_docx(tmp_path / "t.docx", table(rows, [2000, 4000]))
    out = render(tpl, [{"r": {"照片": None}}, {"r": {"照片": " "}}], tmp_path / "o.docx")
    assert extents(out) == []
    assert doc_text(out) == "照片照片"


@pytest.mark.parametrize(
    ("call", "words"),
    [
        ("image(width=30)", "没有参数“width”"),
        ("image(width_mm=-3)", "width_mm 应是大于 0 的毫米数"),
        ("image(height_mm='三十')", "height_mm 应是大于 0 的毫米数"),
    ],
)
def test_wrong_image_arguments_are_explained(tmp_path, call, words):
    (tmp_path / "a.png").write_bytes(picture_bytes(10, 10))
    tpl = build_docx(tmp_path / "t.docx", para("{{ f|" + call + " }}"))
    with pytest.raises(TemplateError, match=words):
        render(tpl, [{"f": "a.png"}], tmp_path / "o.docx")


def test_image_objects_from_python_with_height_only(tmp_path):
    tpl = build_docx(tmp_path / "t.docx", para("{{ qr }}{{ qr|image(width_mm=5) }}"))
    pic = Image(picture_bytes(50, 100), height_mm=20)
    out = render(tpl, [{"qr": pic}], tmp_path / "o.docx")
    assert extents(out) == [(10 * MM, 20 * MM), (5 * MM, 10 * MM)]


def test_pictures_in_the_header_have_the_header_relationships(tmp_path):
    (tmp_path / "徽标.png").write_bytes(LOGO)
    tpl = build_docx(tmp_path / "t.docx", para("正文"), header="{{ logo|image(height_mm=10) }}")
    out = render(tpl, [{"logo": "徽标.png"}] * 2, tmp_path / "o.docx")
    assert extents(out, "word/header1.xml") == [(20 * MM, 10 * MM)]
    assert shown_pictures(out, "word/header1.xml") == [LOGO]
    assert all(r["Type"] != IMAGE for r in rels_of(out).values())


def test_an_output_used_as_a_template_gets_new_ids(tmp_path):
    (tmp_path / "a.png").write_bytes(picture_bytes(10, 10))
    tags = "{{ f|image(width_mm=5) }}{{ u|link }}"
    # {_{ }_} prints a tag as typed: the output is a template again, with a picture and a link
    tpl = build_docx(
        tmp_path / "t.docx", para(tags + tags.replace("{{", "{_{").replace("}}", "}_}"))
    )
    first = render(tpl, [{"f": "a.png", "u": "https://example.org"}], tmp_path / "first.docx")
    (tmp_path / "b.png").write_bytes(picture_bytes(20, 10, color="green"))
    out = render(first, [{"f": "b.png", "u": "https://example.com"}], tmp_path / "o.docx")
    rels = rels_of(out)
    assert len(rels) == len({r["Id"] for r in rels.values()})
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    assert len(names) == len(set(names))
    assert shown_pictures(out)[1] == (tmp_path / "b.png").read_bytes()
    assert [rel["Target"] for _, _, rel in hyperlinks(out)] == [
        "https://example.org",
        "https://example.com",
    ]


def test_a_worker_process_finds_pictures_in_the_template_folder_and_the_workspace(tmp_path):
    # the allowed folders are a context variable: a worker (spawned, nothing inherited) sets
    # them itself in render_partition
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from reportgen.engine import render_partition

    (tmp_path / "tpl").mkdir()
    (tmp_path / "ws" / "照片").mkdir(parents=True)
    (tmp_path / "tpl" / "徽标.png").write_bytes(LOGO)
    (tmp_path / "ws" / "照片" / "甲.png").write_bytes(SEAL)
    tpl = build_docx(
        tmp_path / "tpl" / "t.docx",
        para("{{ '徽标.png'|image(width_mm=10) }}{{ f|image(width_mm=10) }}"),
    )
    out = tmp_path / "out" / "卡.docx"
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        got = pool.submit(
            render_partition,
            str(tpl),
            [{"f": "照片/甲.png"}],
            str(out),
            {"workspace": str(tmp_path / "ws")},
        ).result()
    assert got["failures"] == [] and got["records"] == 1
    assert shown_pictures(out) == [LOGO, SEAL]


# ---------------------------------------------------------------------------- replaced pictures
def test_template_pictures_replaced_by_name_in_body_and_header(tmp_path):
    tpl = seal_template(tmp_path)
    new_seal = picture_bytes(200, 200, color="green")  # same aspect: the box is kept
    (tmp_path / "新徽标.png").write_bytes(picture_bytes(80, 40, color="yellow"))
    out = render(
        tpl,
        [{"姓名": "张三"}, {"姓名": "李四"}],
        tmp_path / "o.docx",
        pictures={"印章": new_seal, "徽标": tmp_path / "新徽标.png"},
    )
    assert shown_pictures(out) == [new_seal, new_seal]
    assert extents(out) == [(30 * MM, 30 * MM)] * 2
    assert shown_pictures(out, "word/header1.xml") == [(tmp_path / "新徽标.png").read_bytes()]
    assert doc_text(out) == "张三的证明李四的证明"


def test_a_replacement_fits_the_template_box_keeping_its_aspect(tmp_path):
    tpl = seal_template(tmp_path)
    out = render(tpl, [{"姓名": "甲"}], tmp_path / "o.docx", pictures={"印章": LOGO})
    assert extents(out) == [(30 * MM, 15 * MM)]
    pic_ext = xml_of(out).find(".//pic:spPr/a:xfrm/a:ext", NS)
    assert (pic_ext.get("cx"), pic_ext.get("cy")) == (str(30 * MM), str(15 * MM))
    sized = Image(LOGO, width_mm=50)
    out = render(tpl, [{"姓名": "甲"}], tmp_path / "o2.docx", pictures={"图片 1": sized})
    assert extents(out) == [(50 * MM, 25 * MM)]


@pytest.mark.parametrize("same_rel", [True, False])
def test_only_the_named_picture_changes_when_two_share_a_media_part(tmp_path, same_rel):
    second = "rIdSeal" if same_rel else "rIdSeal2"
    body = para([drawing("rIdSeal", "甲"), drawing(second, "乙", id=2)])
    tpl = build_docx(tmp_path / "t.docx", body)
    rels = [("rIdSeal", "media/seal.png")] + ([] if same_rel else [("rIdSeal2", "media/seal.png")])
    with_parts(tpl, {"word/media/seal.png": SEAL}, {"word/document.xml": rels})
    out = render(tpl, [{}, {}], tmp_path / "o.docx", pictures={"乙": LOGO})
    assert shown_pictures(out) == [SEAL, LOGO, SEAL, LOGO]


def test_an_svg_kept_beside_the_template_picture_is_dropped(tmp_path):
    svg = (
        '<a:extLst><a:ext uri="{96DAC541-7B7A-43D3-8B79-37D633B846F1}">'
        '<asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" '
        'r:embed="rIdSvg"/></a:ext></a:extLst>'
    )
    tpl = build_docx(tmp_path / "t.docx", para([drawing("rIdSeal", "印章", svg=svg)]))
    with_parts(
        tpl, {"word/media/seal.png": SEAL}, {"word/document.xml": [("rIdSeal", "media/seal.png")]}
    )
    out = render(tpl, [{}], tmp_path / "o.docx", pictures={"印章": LOGO})
    assert "svgBlip" not in zipfile.ZipFile(out).read("word/document.xml").decode()
    assert shown_pictures(out) == [LOGO]


def test_an_unknown_picture_name_lists_the_names_the_template_has(tmp_path):
    tpl = seal_template(tmp_path)
    with pytest.raises(TemplateError) as err:
        render(tpl, [{"姓名": "甲"}], tmp_path / "o.docx", pictures={"公章": SEAL})
    message = err.value.message
    assert "没有名为“公章”的图片" in message
    assert "“图片 1（替换文字：印章）”、“徽标”" in message
    assert not (tmp_path / "o.docx").exists()


def test_a_record_replaces_pictures_with_its_own_files(tmp_path):
    tpl = seal_template(tmp_path)
    (tmp_path / "甲章.png").write_bytes(picture_bytes(60, 60, color="green"))
    records = [
        {"姓名": "甲", "_pictures": {"印章": "甲章.png"}},
        {"姓名": "乙"},
        {"姓名": "丙", "_pictures": {"印章": "甲章.png"}},
    ]
    out = render(tpl, records, tmp_path / "o.docx")
    mine = (tmp_path / "甲章.png").read_bytes()
    assert shown_pictures(out) == [mine, SEAL, mine]
    with pytest.raises(TemplateError, match="模板正文里没有名为“徽标”的图片"):
        render(tpl, [{"姓名": "甲", "_pictures": {"徽标": "甲章.png"}}], tmp_path / "o2.docx")


# ---------------------------------------------------------------------------- check and PDF
def test_templates_check_accepts_the_filters_and_reports_wrong_use(tmp_path):
    good = build_docx(
        tmp_path / "good.docx",
        para('{{ r.url|link }}{{ r.url|link("看") }}{{ r.照片|image(width_mm=30) }}')
        + para("{{ r.照片|image(height_mm=20) }}{{ r.照片|image }}"),
    )
    sample = {"r": {"url": "https://example.org", "照片": "不存在也不读.png"}}
    assert check_template(good, sample=sample) == []
    bad = build_docx(
        tmp_path / "bad.docx",
        para("{{ r.照片|image(width=30) }}") + para('{{ "javascript:alert(1)"|link }}'),
    )
    messages = [i.message for i in check_template(bad)]
    assert any("没有参数“width”" in m for m in messages)
    assert any("javascript" in m and "不能使用" in m for m in messages)


@pytest.mark.soffice
def test_the_pdf_shows_the_links_and_the_pictures(tmp_path):
    from reportgen.engine.pdf import convert_to_pdf

    (tmp_path / "照片.png").write_bytes(picture_bytes(120, 160, color="green"))
    tpl = seal_template(
        tmp_path, para('网站：{{ url|link("县政府网站") }}') + para("{{ 照片|image(width_mm=25) }}")
    )
    records = [
        {"姓名": n, "url": f"https://example.org/{n}", "照片": "照片.png"} for n in ("张三", "李四")
    ]
    out = render(tpl, records, tmp_path / "证明.docx", pictures={"印章": LOGO})
    pdf = convert_to_pdf(out)
    info = subprocess.run(["pdfinfo", "-url", str(pdf)], capture_output=True, text=True).stdout
    assert "https://example.org/张三" in info or "https://example.org/%E5%BC%A0%E4%B8%89" in info
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+2\b", pages)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "张三的证明" in text and "李四的证明" in text and "县政府网站" in text
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    rows = [line.split() for line in listed.stdout.splitlines()[2:] if line.strip()]
    for page in ("1", "2"):
        shown = [(r[3], r[4], r[12], r[13]) for r in rows if r[0] == page]  # w, h, x/y ppi
        assert ("120", "160") in [s[:2] for s in shown]  # the photo
        assert ("100", "50", "85", "85") in shown  # the seal, replaced, 30 mm wide, not stretched
