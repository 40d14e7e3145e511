"""GB/T 9704-2012 official-document building blocks: page, grid, fonts, styles, `— 1 —` page numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from reportgen.engine.ooxml import XML_DECL, mm_to_twips, page_field_runs, para, run

# Fonts named as Chinese government templates name them. Word/WPS substitute by fontTable altName
# and charset; LibreOffice falls back through fontconfig to an installed CJK face (Noto CJK).
FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEI = "黑体"
FONT_KAI = "楷体_GB2312"
FONT_SONG = "宋体"
FONT_LATIN = "Times New Roman"

# name, altName (the usual Windows face), panose, family, pitch
_FONTS = (
    (FONT_TITLE, "宋体", "02000000000000000000", "script", "variable"),
    (FONT_BODY, "仿宋", "02010609030101010101", "modern", "fixed"),
    ("仿宋", "FangSong", "02010609060101010101", "modern", "fixed"),
    (FONT_HEI, "SimHei", "02010609060101010101", "modern", "fixed"),
    (FONT_KAI, "楷体", "02010609030101010101", "modern", "fixed"),
    ("楷体", "KaiTi", "02010609060101010101", "modern", "fixed"),
    (FONT_SONG, "SimSun", "02010600030101010101", "auto", "variable"),
)


@dataclass(frozen=True)
class PageSetup:
    """A4 portrait with GB/T 9704 margins and a 22 × 28 document grid (all lengths in mm)."""

    width: float = 210
    height: float = 297
    top: float = 37
    bottom: float = 35
    left: float = 28
    right: float = 26
    lines: int = 22
    chars: int = 28
    body_pt: float = 16
    footer: float = 23  # page number sits ~7 mm below the text area
    header: float = 15

    @property
    def line_pitch(self) -> int:
        """Twips between grid lines: the text-area height shared by `lines` lines."""
        return int(mm_to_twips(self.height - self.top - self.bottom) / self.lines)

    @property
    def char_space(self) -> int:
        """w:charSpace: extra pitch per character in 1/4096 pt so that `chars` fit the text width."""
        width_pt = mm_to_twips(self.width - self.left - self.right) / 20
        return round((width_pt / self.chars - self.body_pt) * 4096)

    @property
    def char_spacing(self) -> int:
        """Twips to condense each character (w:spacing) so that `chars` characters fill one line.

        LibreOffice (7.x) misreads a negative charSpace in a character grid, so the grid is a
        line grid and the 28 characters come from character spacing, which Word, WPS and
        LibreOffice all apply the same way.
        """
        width_pt = mm_to_twips(self.width - self.left - self.right) / 20
        excess = self.body_pt - width_pt / self.chars
        return -math.ceil(excess * 20) if excess > 0 else 0

    @property
    def text_width_twips(self) -> int:
        return mm_to_twips(self.width - self.left - self.right)


A4_OFFICIAL = PageSetup()


def sect_pr(
    page: PageSetup = A4_OFFICIAL,
    *,
    footer_default: str | None = None,
    footer_even: str | None = None,
    header_default: str | None = None,
    landscape: bool = False,
    grid: bool = True,
) -> str:
    """Body-level w:sectPr: page size, margins, header/footer references and the document grid."""
    refs = ""
    if header_default:
        refs += f'<w:headerReference w:type="default" r:id="{header_default}"/>'
    if footer_even:
        refs += f'<w:footerReference w:type="even" r:id="{footer_even}"/>'
    if footer_default:
        refs += f'<w:footerReference w:type="default" r:id="{footer_default}"/>'
    w, h = mm_to_twips(page.width), mm_to_twips(page.height)
    size = (
        f'<w:pgSz w:w="{h}" w:h="{w}" w:orient="landscape"/>'
        if landscape
        else f'<w:pgSz w:w="{w}" w:h="{h}"/>'
    )
    mar = (
        f'<w:pgMar w:top="{mm_to_twips(page.top)}" w:right="{mm_to_twips(page.right)}" '
        f'w:bottom="{mm_to_twips(page.bottom)}" w:left="{mm_to_twips(page.left)}" '
        f'w:header="{mm_to_twips(page.header)}" w:footer="{mm_to_twips(page.footer)}" w:gutter="0"/>'
    )
    # A line grid of `lines` lines; charSpace is kept for Word users who switch to a character grid.
    docgrid = (
        f'<w:docGrid w:type="lines" w:linePitch="{page.line_pitch}" w:charSpace="{page.char_space}"/>'
        if grid and not landscape
        else '<w:docGrid w:type="lines" w:linePitch="312"/>'
    )
    return f'<w:sectPr>{refs}{size}{mar}<w:pgNumType w:fmt="decimal"/><w:cols w:space="425"/>{docgrid}</w:sectPr>'


def page_number_footer(align: str = "right") -> str:
    """Footer body `— 1 —` in 4号 (14 pt) 宋体 half-width digits, one character in from the edge."""
    indent = '<w:ind w:right="280"/>' if align == "right" else '<w:ind w:left="280"/>'
    runs = [
        run("— ", size_pt=14, font=FONT_SONG),
        page_field_runs(14, FONT_SONG),
        run(" —", size_pt=14, font=FONT_SONG),
    ]
    return para(runs, style="a-footer", align=align, ppr_extra=indent)


def font_table_xml() -> str:
    fonts = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:panose1 w:val="{panose}"/>'
        f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>'
        for name, alt, panose, family, pitch in _FONTS
    )
    fonts += (
        f'<w:font w:name="{FONT_LATIN}"><w:panose1 w:val="02020603050405020304"/>'
        '<w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
    )
    return (
        f'{XML_DECL}<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{fonts}</w:fonts>'
    )


def settings_xml(*, even_and_odd: bool = True) -> str:
    """settings.xml; children in CT_Settings order (zoom, defaultTabStop, evenAndOddHeaders, …)."""
    return (
        f'{XML_DECL}<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/>'
        + ("<w:evenAndOddHeaders/>" if even_and_odd else "")
        + '<w:drawingGridVerticalSpacing w:val="579"/>'
        '<w:displayHorizontalDrawingGridEvery w:val="0"/><w:displayVerticalDrawingGridEvery w:val="2"/>'
        '<w:characterSpacingControl w:val="compressPunctuation"/>'
        "<w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/>"
        "<w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/>"
        '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>'
        "</w:compat>"
        '<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/><w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>'
        "</w:settings>"
    )


def _rfonts(east_asia: str, latin: str = FONT_LATIN) -> str:
    return (
        f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" w:cs="{latin}"/>'
    )


# a 公文's table text (points, fixed line height): 小四, and 五号 for a list too wide for it
# (engine/official_table chooses)
TABLE_TEXT = (12.0, 16)
TABLE_TEXT_SMALL = (10.5, 14)


def _sz(pt: float) -> str:
    hp = round(pt * 2)
    return f'<w:sz w:val="{hp}"/><w:szCs w:val="{hp}"/>'


def _pstyle(
    style_id: str, name: str, ppr: str, rpr: str, *, based_on: str = "a", next_id: str | None = None
) -> str:
    based = f'<w:basedOn w:val="{based_on}"/>' if based_on and style_id != based_on else ""
    nxt = f'<w:next w:val="{next_id}"/>' if next_id else ""
    return (
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{style_id}"><w:name w:val="{name}"/>'
        f"{based}{nxt}<w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>"
    )


# Paragraph styles every official template can use, by style id (ids are ASCII; names are Chinese).
STYLE_IDS = {
    "title": "a-title",  # 公文标题: 2号方正小标宋, centred
    "docno": "a-docno",  # 发文字号: 3号仿宋 centred
    "recipient": "a-recipient",  # 主送机关: flush left
    "body": "a",  # 正文 (Normal): 3号仿宋, first line indented 2 characters
    "h1": "a-h1",  # 一级标题 “一、” 黑体
    "h2": "a-h2",  # 二级标题 “（一）” 楷体
    "h3": "a-h3",  # 三级标题 “1.” 仿宋加粗
    "signature": "a-signature",  # 发文机关署名: right, 4 characters in
    "date": "a-date",  # 成文日期: right, 4 characters in
    "table": "a-table",  # 表格文字: 小四仿宋 (12 pt), fixed 16-pt lines, centred
    "table_header": "a-table-header",  # 表头: 小四黑体
    "table_small": "a-table-small",  # a list too wide for 12 pt: 五号仿宋 (engine/official_table)
    "table_header_small": "a-table-header-small",  # its header: 五号黑体
    "note": "a-note",  # 附注/小字: 数据来源与生成日期 (9 pt)
    "footer": "a-footer",
}


RED = "FF0000"  # 公文 red: 发文机关标志 and the 版头 separator lines


def letterhead_paragraphs(page: PageSetup = A4_OFFICIAL) -> list[str]:
    """The 版头 (GB/T 9704-2012 7.2, 10.1), printed only when the context has a `letterhead`
    {format, mark, number, signer}; documents without one (notices of a 村民委员会) are unchanged.

    文件格式 (7.2.4–7.2.7): 发文机关标志 in red 小标宋, its top 35 mm below the text area's top;
    two lines below it the 发文字号 — centred, or for a 上行文 (a `signer`) one character in
    from the left with 签发人 one character in from the right on the same line (签发人 in 仿宋,
    the name in 楷体); 4 mm below, a red line as wide as the text area; the title two lines below.
    信函格式 (10.1, a 函): the organ's name as 标志 in red, a red double line (thick over thin)
    4 mm below it, the 发文字号 flush right under the line, the title two lines below. (The mark
    sits at the top of the text area, 37 mm from the page edge, not 30 mm; the second double
    line near the page foot is not drawn.)
    """
    no_indent = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'
    two_lines = 2 * page.line_pitch
    border = (
        '<w:pBdr><w:bottom w:val="{val}" w:sz="{sz}" w:space="11" w:color="' + RED + '"/></w:pBdr>'
    )
    red = f'<w:color w:val="{RED}"/>'
    mark: dict[str, Any] = {"font": FONT_TITLE, "rpr_extra": red}
    plain_spacing = '<w:snapToGrid w:val="0"/><w:spacing w:line="240" w:lineRule="auto"/>'
    gap = [para(""), para("")]  # 标题 two lines below the last 版头 element
    return [
        para("{%p if letterhead is defined and letterhead %}"),
        para('{%p if letterhead.format == "信函" %}'),
        para(
            [run("{{ letterhead.mark }}", size_pt=26, **mark)],
            align="center",
            ppr_extra=border.format(val="thickThinSmallGap", sz=24) + plain_spacing + no_indent,
        ),
        para(
            "{{ letterhead.number }}",
            align="right",
            ppr_extra=f'<w:spacing w:before="{mm_to_twips(4.9)}"/>{no_indent}',
        ),
        *gap,
        para("{%p else %}"),
        para(
            [run("{{ letterhead.mark }}", size_pt=36, **mark)],
            align="center",
            ppr_extra=f'<w:snapToGrid w:val="0"/><w:spacing w:before="{mm_to_twips(35)}" '
            f'w:line="240" w:lineRule="auto"/>{no_indent}',
        ),
        para("{%p if letterhead.signer %}"),
        para(
            [
                run("\u3000{{ letterhead.number }}"),
                run(raw="<w:tab/>"),
                run("签发人："),
                run("{{ letterhead.signer }}", font=FONT_KAI),
                run("\u3000"),
            ],
            ppr_extra=border.format(val="single", sz=12)
            + f'<w:tabs><w:tab w:val="right" w:pos="{page.text_width_twips}"/></w:tabs>'
            + f'<w:spacing w:before="{two_lines}"/>{no_indent}',
        ),
        para("{%p else %}"),
        para(
            "{{ letterhead.number }}",
            align="center",
            ppr_extra=border.format(val="single", sz=12)
            + f'<w:spacing w:before="{two_lines}"/>{no_indent}',
        ),
        para("{%p endif %}"),
        *gap,
        para("{%p endif %}"),
        para("{%p endif %}"),
    ]


def head_paragraphs() -> list[str]:
    """The head of an official-document template (GB/T 9704): the 版头 when the context has a
    `letterhead`, 发文字号 and 主送机关 only when the context has them, the title between."""
    return [
        *letterhead_paragraphs(),
        para("{%p if doc_number %}"),
        para("{{ doc_number }}", style=STYLE_IDS["docno"]),
        para("{%p endif %}"),
        para("{{ title }}", style=STYLE_IDS["title"]),
        para("{%p if recipient %}"),
        para("{{ recipient }}：", style=STYLE_IDS["recipient"]),
        para("{%p endif %}"),
    ]


def exact_line(points: float, *, before: int | None = None, after: int | None = None) -> str:
    """`w:spacing` of a fixed line height (“固定值”): the same on every machine whatever face
    stands in for 仿宋_GB2312 or 宋体 (an “auto” line is a multiple of the face's own height, which
    is 1.0 em in 仿宋 on Windows but 1.45 em in Noto CJK on Linux: the same card took one page in
    one and spilled onto a second in the other). Not for paragraphs holding a picture: an exact
    line clips it."""
    extra = (f' w:before="{before}"' if before is not None else "") + (
        f' w:after="{after}"' if after is not None else ""
    )
    return f'<w:spacing{extra} w:line="{round(points * 20)}" w:lineRule="exact"/>'


def styles_xml(page: PageSetup = A4_OFFICIAL) -> str:
    """styles.xml with docDefaults in 仿宋 3号 and the official paragraph and table styles."""
    body_pt = page.body_pt
    condense = f'<w:spacing w:val="{page.char_spacing}"/>' if page.char_spacing else ""
    defaults = (
        "<w:docDefaults><w:rPrDefault><w:rPr>"
        f'{_rfonts(FONT_BODY)}<w:kern w:val="2"/>{_sz(body_pt)}'
        '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
        '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>'
    )
    normal = (
        '<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/><w:qFormat/>'
        '<w:pPr><w:ind w:firstLineChars="200" w:firstLine="640"/></w:pPr>'
        f"<w:rPr>{_rfonts(FONT_BODY)}{condense}{_sz(body_pt)}</w:rPr></w:style>"
    )
    # pPr children below are written in schema order (CT_PPrBase: … keepNext … snapToGrid, spacing,
    # ind … jc … outlineLvl) with at most one w:ind each; Word rejects anything else.
    no_indent = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'
    right_indent = '<w:ind w:firstLineChars="0" w:firstLine="0" w:right="1280"/>'
    styles = [
        _pstyle(
            "a-title",
            "公文标题",
            f'<w:spacing w:after="579"/>{no_indent}<w:jc w:val="center"/><w:outlineLvl w:val="0"/>',
            _rfonts(FONT_TITLE) + _sz(22),
            next_id="a",
        ),
        _pstyle(
            "a-docno",
            "发文字号",
            f'{no_indent}<w:jc w:val="center"/>',
            _rfonts(FONT_BODY) + _sz(body_pt),
        ),
        _pstyle("a-recipient", "主送机关", no_indent, _rfonts(FONT_BODY) + _sz(body_pt)),
        _pstyle(
            "a-h1",
            "一级标题",
            '<w:keepNext/><w:outlineLvl w:val="1"/>',
            _rfonts(FONT_HEI) + _sz(body_pt),
        ),
        _pstyle(
            "a-h2",
            "二级标题",
            '<w:keepNext/><w:outlineLvl w:val="2"/>',
            _rfonts(FONT_KAI) + _sz(body_pt),
        ),
        _pstyle(
            "a-h3",
            "三级标题",
            '<w:keepNext/><w:outlineLvl w:val="3"/>',
            _rfonts(FONT_BODY) + "<w:b/><w:bCs/>" + _sz(body_pt),
        ),
        _pstyle(
            "a-signature",
            "发文机关署名",
            f'<w:keepNext/>{right_indent}<w:jc w:val="right"/>',
            _rfonts(FONT_BODY) + _sz(body_pt),
        ),
        _pstyle(
            "a-date",
            "成文日期",
            f'{right_indent}<w:jc w:val="right"/>',
            _rfonts(FONT_BODY) + _sz(body_pt),
        ),
        *(
            _pstyle(
                f"a-table{suffix}{small}",
                f"{label}{'（五号）' if small else ''}",
                f'{keep}<w:snapToGrid w:val="0"/>{exact_line(line)}{no_indent}<w:jc w:val="center"/>',
                _rfonts(font) + _sz(pt),
            )
            for small, (pt, line) in (("", TABLE_TEXT), ("-small", TABLE_TEXT_SMALL))
            for suffix, label, keep, font in (
                ("", "表格文字", "", FONT_BODY),
                ("-header", "表头", "<w:keepNext/>", FONT_HEI),
            )
        ),
        _pstyle(
            "a-note",
            "小字",
            f'<w:snapToGrid w:val="0"/>{exact_line(12, before=120)}{no_indent}',
            _rfonts(FONT_SONG) + _sz(9),
        ),
        _pstyle(
            "a-footer",
            "页脚",
            f'<w:snapToGrid w:val="0"/>{no_indent}',
            _rfonts(FONT_SONG) + _sz(14),
        ),
    ]
    table_normal = (
        '<w:style w:type="table" w:default="1" w:styleId="a-tbl-normal"><w:name w:val="Normal Table"/>'
        '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>'
        '<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr></w:style>"
    )
    grid = (
        '<w:style w:type="table" w:customStyle="1" w:styleId="a-grid"><w:name w:val="公文表格"/>'
        '<w:basedOn w:val="a-tbl-normal"/><w:tblPr><w:tblBorders>'
        + "".join(
            f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
            for s in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        + "</w:tblBorders></w:tblPr></w:style>"
    )
    return (
        f'{XML_DECL}<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"{defaults}{normal}{''.join(styles)}{table_normal}{grid}</w:styles>"
    )
