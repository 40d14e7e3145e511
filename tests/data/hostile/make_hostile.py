"""Writes tests/data/hostile/readers/: damaged and hostile input files, each refused with a Chinese
message (or, for a few, read correctly), and builds the resource bombs at test or benchmark time.

    python tests/data/hostile/make_hostile.py      # rewrites readers/ (small files, committed)

The workbooks are written part by part (no library would write them broken); every one is a
户信息 sheet updating the households of tests/builders.tiny_county, so that an import that
stored anything would show in the database. Bombs are never committed: `bomb(kind, folder)`
writes one (the benchmark at full size, the tests small or with lowered limits).
"""

from __future__ import annotations

import codecs
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))

from builders import HEAD_A, HEAD_B, HEAD_C, HOUSEHOLDS, tiny_county  # noqa: E402, F401

from reportgen.dataset.xlsx_stream import column_letters  # noqa: E402

OUT = HERE / "readers"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

# The tiny county's households with new incomes: a leak of any row changes the database.
ROWS = [
    HOUSEHOLDS[0],
    ["H001", "411599101201", "张大山", HEAD_A, "脱贫户", "", "", 9900],
    ["H002", "411599102201", "李二河", HEAD_B, "监测户", "边缘易致贫户", "低保", 7200],
    ["H003", "411599102202", "王小川", HEAD_C, "一般农户", "", "", 12100],
]
DATE_STYLE = 1  # cellXfs index of the yyyy-mm-dd style in STYLES
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>
<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>"""


def column(index: int) -> str:
    return column_letters(index)


def cell(ref: str, value: object) -> str:
    """A cell as Excel writes it: inline text (`t="inlineStr"`) or a number."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(
    rows: list[list[object]], replace: dict[str, str] | None = None, head: str = ""
) -> str:
    """A worksheet of `rows` (from A1); `replace` swaps the XML of single cells by reference."""
    replace = replace or {}
    body = []
    for r, values in enumerate(rows, start=1):
        cells = []
        for i, value in enumerate(values):
            ref = f"{column(i)}{r}"
            cells.append(replace.pop(ref) if ref in replace else cell(ref, value))
        cells += [
            replace.pop(ref)
            for ref in list(replace)
            if ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == str(r)
        ]
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{head}'
        f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(body)}</sheetData></worksheet>'
    )


def workbook_parts(
    sheets: list[tuple[str, str]] | dict[str, str],
    *,
    states: dict[str, str] | None = None,
    shared: list[str] | None = None,
    styles: str | None = STYLES,
) -> dict[str, bytes | str]:
    """The parts of a workbook with these (name, sheet XML) sheets, in order."""
    items = list(sheets.items()) if isinstance(sheets, dict) else sheets
    states = states or {}
    entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"'
        + (f' state="{states[name]}"' if name in states else "")
        + "/>"
        for i, (name, _) in enumerate(items, start=1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(items) + 1)
    )
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{entries}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">{rels}</Relationships>',
    }
    if styles:
        parts["xl/styles.xml"] = styles
    if shared is not None:
        items_xml = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{len(shared)}" '
            f'uniqueCount="{len(shared)}">{items_xml}</sst>'
        )
    for i, (_, xml) in enumerate(items, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    return parts


def write_zip(
    path: Path, parts: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2023, 1, 1, 0, 0, 0))
            info.compress_type = compression
            zf.writestr(info, data.encode() if isinstance(data, str) else data)
    return path


def households(path: Path, replace: dict[str, str] | None = None, **kwargs) -> Path:
    """The 户信息 workbook, with some cells' XML replaced."""
    return write_zip(
        path, workbook_parts({"户信息": sheet_xml(ROWS, dict(replace or {}))}, **kwargs)
    )


def flip_byte(path: Path, part: str, at: float = 0.5) -> None:
    """Invert one byte in the middle of `part`'s compressed data (a bit-rotted disk or download)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + int(info.compress_size * at)] ^= 0xFF
    path.write_bytes(bytes(data))


def declare_size(path: Path, part: str, size: int) -> None:
    """Make the central directory claim `part` inflates to `size` bytes (no data written)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
    name = part.encode()
    at = 0
    while True:  # the central directory entry of `part`
        at = data.index(b"PK\x01\x02", at)
        n = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + n] == name:
            break
        at += 4
    assert info.file_size < 1 << 32 and size < 1 << 32
    data[at + 24 : at + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(data))


# ------------------------------------------------------------------------- the committed files
def small_files() -> dict[str, bytes]:
    """name → content of every committed file (see EXPECTED in tests/test_hostile_readers.py)."""
    tmp = OUT / ".tmp.xlsx"
    files: dict[str, bytes] = {}

    def keep(name: str, path: Path) -> None:
        files[name] = path.read_bytes()

    files["01_不是zip.xlsx"] = "这不是 Excel 文件，只是改了扩展名的文本。\n".encode()
    files["02_加密或旧版xls.xlsx"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    households(tmp)
    flip_byte(tmp, "xl/worksheets/sheet1.xml")
    keep("03_位翻转.xlsx", tmp)
    households(tmp)
    files["04_截断.xlsx"] = tmp.read_bytes()[: tmp.stat().st_size * 2 // 3]
    parts = workbook_parts({"户信息": sheet_xml(ROWS)})
    del parts["xl/workbook.xml"]
    keep("05_缺少workbook.xlsx", write_zip(tmp, parts))
    keep(
        "06_共享字符串越界.xlsx",
        write_zip(tmp, workbook_parts({"户信息": sheet_xml(ROWS, {"C3": '<c r="C3" t="s"><v>7</v></c>'})}, shared=["张大山", "李二河", "王小川"])),
    )  # fmt: skip
    keep("07_数值不是数字.xlsx", households(tmp, {"H3": '<c r="H3" t="n"><v>abc</v></c>'}))
    keep("08_单元格地址A0.xlsx", households(tmp, {"H3": '<c r="A0"><v>7200</v></c>'}))
    keep("09_单元格地址1A.xlsx", households(tmp, {"H3": '<c r="1A"><v>7200</v></c>'}))
    keep("10_公式无计算结果.xlsx", households(tmp, {"H3": '<c r="H3"><f>3000*2</f><v></v></c>'}))
    keep("11_错误值.xlsx", households(tmp, {"C4": '<c r="C4" t="e"><v>#REF!</v></c>'}))
    for name, serial in (("12_日期1e10.xlsx", "10000000000"), ("13_日期负数.xlsx", "-700000")):
        # a date-formatted number past Excel's calendar in the income column
        keep(name, households(tmp, {"H2": f'<c r="H2" s="{DATE_STYLE}"><v>{serial}</v></c>'}))
    stale = [ROWS[0], ["H001", "411599101201", "张大山", HEAD_A, "脱贫户", "", "", 1]]
    keep(
        "14_隐藏工作表.xlsx",
        write_zip(tmp, workbook_parts([("户信息", sheet_xml(ROWS)), ("旧表", sheet_xml(stale)), ("备用", sheet_xml(stale))],
                                      states={"旧表": "hidden", "备用": "veryHidden"})),
    )  # fmt: skip
    keep(
        "15_维度FZZZZZ2.xlsx",
        write_zip(tmp, workbook_parts({"户信息": sheet_xml(ROWS, head="").replace("<sheetData>", '<dimension ref="A1:FZZZZZ2"/><sheetData>')})),
    )  # fmt: skip
    keep("16_单元格FZZZZZ2.xlsx", households(tmp, {"FZZZZZ2": '<c r="FZZZZZ2"><v>1</v></c>'}))
    laughs = (
        '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    )
    keep(
        "17_实体炸弹.xlsx",
        write_zip(tmp, workbook_parts({"户信息": sheet_xml(ROWS, {"C2": '<c r="C2" t="inlineStr"><is><t>&d;</t></is></c>'}, head=laughs)})),
    )  # fmt: skip
    parts = workbook_parts({"户信息": sheet_xml(ROWS), "户信息2": ""})
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        "sheet2.xml", "sheet1.xml"
    )  # type: ignore[union-attr]
    del parts["xl/worksheets/sheet2.xml"]
    keep("18_两表同一内容.xlsx", write_zip(tmp, parts))
    tmp.unlink()

    # CSV: Excel's “Unicode text” (UTF-16 LE with BOM, tab-separated, CRLF) is read as such.
    text = "\r\n".join("\t".join(str(v) for v in row) for row in ROWS) + "\r\n"
    files["20_户信息_UTF16.csv"] = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    lines = [",".join(str(v) for v in row).encode() for row in ROWS]
    lines[2] = lines[2].replace(
        "李二河".encode(), b"\xff\xfe\xfd"
    )  # line 3: bytes that are no text
    files["21_无法识别的字节.csv"] = b"\r\n".join(lines) + b"\r\n"
    lines = [",".join(str(v) for v in row).encode("gbk") for row in ROWS]
    lines[3] = lines[3].replace("王小川".encode("gbk"), b"\x80\x80")  # line 4, in a GBK file
    files["22_GBK无法识别的字节.csv"] = b"\r\n".join(lines) + b"\r\n"
    lines = [",".join(str(v) for v in row).encode() for row in ROWS]
    lines[1] = lines[1].replace(b"H001", b"H0\x0001")
    files["23_含空字节.csv"] = b"\n".join(lines) + b"\n"
    return files


# ------------------------------------------------------------------------------------- bombs
BOMBS = (
    "empty_rows",
    "huge_cell",
    "shared_strings",
    "dimension",
    "wide_row",
    "declared_size",
    "many_cells",
)


def bomb(kind: str, folder: Path, scale: float = 1.0) -> Path:
    """Write one resource bomb of the issue into `folder` (scale 1: the size reported there)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"炸弹_{kind}.xlsx"
    if kind == "empty_rows":  # a billion <row/> (6 GB of XML) in a 6 MB file
        n = int(1_000_000_000 * scale)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, data in workbook_parts({"户信息": ""}).items():
                if name.endswith("sheet1.xml"):
                    continue
                zf.writestr(name, data)
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                fh.write(f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
                block = b"<row/>" * 100_000
                for _ in range(n // 100_000):
                    fh.write(block)
                fh.write(b"</sheetData></worksheet>")
    elif kind == "huge_cell":  # one 512 MB cell in a 512 KB file
        size = int((512 << 20) * scale)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in workbook_parts({"户信息": ""}).items():
                if not name.endswith("sheet1.xml"):
                    zf.writestr(name, data)
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                fh.write(
                    f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'.encode()
                )
                block = b"a" * (1 << 20)
                for _ in range(size >> 20):
                    fh.write(block)
                fh.write(b"</t></is></c></row></sheetData></worksheet>")
    elif kind == "shared_strings":  # distinct strings until memory runs out (here 20 million)
        n = int(20_000_000 * scale)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, data in workbook_parts({"户信息": sheet_xml(ROWS)}).items():
                zf.writestr(name, data)
            with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
                fh.write(f'<sst xmlns="{MAIN}">'.encode())
                for start in range(0, n, 100_000):
                    fh.write(
                        "".join(
                            f"<si><t>字符串{i:09d}</t></si>"
                            for i in range(start, min(n, start + 100_000))
                        ).encode()
                    )
                fh.write(b"</sst>")
    elif kind == "dimension":  # a 2 KB sheet whose dimension and cell claim column FZZZZZ
        write_zip(path, workbook_parts({"户信息": sheet_xml(ROWS, {"FZZZZZ2": '<c r="FZZZZZ2"><v>1</v></c>'}).replace("<sheetData>", '<dimension ref="A1:FZZZZZ2"/><sheetData>')}))  # fmt: skip
    elif kind == "wide_row":  # a row of 16,385 cells (one past XFD), 10,000 times
        row = "".join(f'<c r="{column(i)}{{r}}"/>' for i in range(16_385))
        rows = "".join(
            f'<row r="{r}">{row.replace("{r}", str(r))}</row>'
            for r in range(1, int(10_000 * scale) + 1)
        )
        write_zip(path, workbook_parts({"户信息": f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'}))  # fmt: skip
    elif kind == "declared_size":  # a small sheet whose zip entry claims 4 GB
        households(path)
        declare_size(path, "xl/worksheets/sheet1.xml", (1 << 32) - 1)
    elif (
        kind == "many_cells"
    ):  # 50 million empty cells in rows of 1,000, stored without compression
        per_row = "".join(f'<c r="{column(i)}{{r}}"/>' for i in range(1000))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
            for name, data in workbook_parts({"户信息": ""}).items():
                if not name.endswith("sheet1.xml"):
                    zf.writestr(name, data)
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                fh.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
                for r in range(1, int(50_000 * scale) + 1):
                    fh.write(f'<row r="{r}">{per_row.replace("{r}", str(r))}</row>'.encode())
                fh.write(b"</sheetData></worksheet>")
    else:
        raise ValueError(kind)
    return path


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    for name, data in small_files().items():
        (OUT / name).write_bytes(data)


if __name__ == "__main__":
    main()
