"""The body of a report template as a list of blocks (see tools/build_report_templates.py).

A block is a dict whose `kind` picks the paragraph style: h1, h2, p (optional bold `lead`), table
(caption, columns, rows, widths in twips, align per column, small print `after`), note,
signature (issuer, date) and appendix (label such as 附件1 on a new page, and its title).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportgen.engine import OutputEntry, cndate, render_batch
from reportgen.engine import officialdoc as od
from reportgen.engine.ooxml import normalize_zip

_ID = re.compile(r"(?<![0-9A-Za-z])([1-9][0-9]{2})[0-9]{11}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_ids(text: str) -> str:
    """Every 18-character ID number in `text` with only its first 3 and last 4 characters kept."""
    return _ID.sub(lambda m: m.group(1) + "*" * 11 + m.group(2), text or "")


def cn(day: dt.date) -> str:
    return cndate(day)


def chinese_number(n: int) -> str:
    """1 → 一 … 10 → 十, 11 → 十一 … 99 (enough for headings)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def widths(shares: Sequence[float]) -> list[int]:
    """Column widths in twips over the official text width, in proportion to `shares`."""
    total = od.A4_OFFICIAL.text_width_twips
    out = [int(total * s / sum(shares)) for s in shares]
    out[-1] += total - sum(out)
    return out


class Blocks:
    """Collects a report body in order: b.h1(…), b.p(…), b.table(…)."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def h1(self, text: str) -> None:
        self.items.append({"kind": "h1", "text": text})

    def h2(self, text: str) -> None:
        self.items.append({"kind": "h2", "text": text})

    def p(self, text: str, lead: str = "") -> None:
        self.items.append({"kind": "p", "text": text, "lead": lead})

    def note(self, text: str) -> None:
        self.items.append({"kind": "note", "text": text})

    def table(
        self,
        caption: str,
        columns: list[str],
        rows: list[list[Any]],
        col_widths: list[int] | None = None,
        align: list[str] | None = None,
        after: str = "",
        size: float | None = None,
    ) -> None:
        """`size`: the table's text size in points (a long list in 五号, 10.5), else 12."""
        self.items.append({"kind": "table", "caption": caption, "columns": columns,
                           "rows": [["" if v is None else str(v) for v in r] for r in rows],
                           "widths": col_widths or [], "align": align or [], "after": after,
                           "size": size or 0})  # fmt: skip

    def signature(self, issuer: str, date: dt.date) -> None:
        self.items.append({"kind": "signature", "issuer": issuer, "date": date})

    def appendix(self, label: str, title: str) -> None:
        self.items.append({"kind": "appendix", "label": label, "text": title})


# The shape of a body, for `templates check` (the words and numbers of a real report come from the
# policy pack and the data).
SAMPLE_BLOCKS: list[dict[str, Any]] = [
    {"kind": "h1", "text": "一、基本情况"},
    {"kind": "h2", "text": "（一）主要指标完成情况"},
    {"kind": "p", "text": "……", "lead": "1.问题标题（2户，严重）。"},
    {"kind": "table", "caption": "表1", "columns": ["指标", "目标"], "rows": [["指标", "目标值"]],
     "widths": [4000, 4000], "align": ["left", "center"], "after": "注：……"},
    {"kind": "note", "text": "……"},
    {"kind": "signature", "issuer": "青山县乡村振兴局", "date": "2023-10-08"},
    {"kind": "appendix", "label": "附件1", "text": "新增监测对象名单"},
]  # fmt: skip

# `letterhead` is the 版头 (engine/officialdoc.letterhead_paragraphs; documents/issuer.py).
REPORT_SAMPLE = {"doc_number": "", "title": "青山县乡村振兴局关于2023年第三季度巩固拓展脱贫攻坚成果自查情况的报告",
                 "recipient": "市乡村振兴局", "blocks": SAMPLE_BLOCKS,
                 "letterhead": {"format": "文件", "mark": "青山县乡村振兴局文件", "number": "青乡振〔2023〕12号",
                                "signer": "张三"}}  # fmt: skip


_TABLE = re.compile(r"<w:tblGrid>(.*?)</w:tblGrid>(.*?)</w:tr>", re.S)
_CELL_WIDTH = re.compile(r'<w:tcW w:w="(\d+)" w:type="dxa"/>')


def fit_grids(xml: str) -> str:
    """Each table's grid from its first row's cell widths (the `widths` a block asked for).

    The engine gives a table whose columns come from a {%tc %} loop equal grid columns; Word
    sizes such a table by the cells' preferred widths, LibreOffice and WPS by the grid. A table
    whose first-row cells carry no widths, or another number of them, keeps its grid.
    """

    def grid(m: re.Match) -> str:
        cols = m.group(1).count("<w:gridCol")
        found = [int(w) for w in _CELL_WIDTH.findall(m.group(2))]
        if len(found) != cols or not all(found):
            return m.group(0)
        return (
            "<w:tblGrid>"
            + "".join(f'<w:gridCol w:w="{w}"/>' for w in found)
            + "</w:tblGrid>"
            + m.group(2)
            + "</w:tr>"
        )

    return _TABLE.sub(grid, xml)


def render_report(
    run, template: str, context: dict, stem: str, *, pdf: bool = False
) -> tuple[list[OutputEntry], Path, dict]:
    """Render one report (one record) into `<stem>.docx`, fit its table grids, convert to PDF if asked.

    Returns (outputs, docx path, template record for the manifest).
    """
    batch = render_batch(template, [context], run.out_dir, file_name=lambda g, c: stem, meta=run.meta(),
                         label=lambda c: c["title"], workspace=run.settings.workspace, manifest=False,
                         raise_on_failure=True)  # fmt: skip
    path = run.out_dir / batch.outputs[0].file
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("word/document.xml").decode("utf-8")
    fitted = fit_grids(xml)
    if fitted != xml:
        normalize_zip(path, {"word/document.xml": fitted.encode("utf-8")})
    outputs = [run.entry(path, 1)]
    if pdf:
        from reportgen.engine.pdf import convert_to_pdf

        outputs.append(run.entry(convert_to_pdf(path), 1))
    return outputs, path, {"name": batch.template_name, "sha256": batch.template_sha256}
