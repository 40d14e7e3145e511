"""Recognise a sheet (by its name, else by its header row) and map its columns to fields.

Header cells are compared after normalisation: spaces, `*` marks, full-width brackets and a
trailing unit such as （元） or (万元) are ignored, and English snake_case aliases are accepted.
A title row above the header (often a merged cell) is skipped: the header is searched for in
the first rows of the sheet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from reportgen.dataset import sheets as S

# No header of the contract has brackets, so a trailing bracket is a unit or a hint: （元）, (县/乡/村).
_UNIT_SUFFIX = re.compile(r"\([^()]*\)$")


def normalize_header(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    text = re.sub(r"[\s*＊:：]", "", text)
    return _UNIT_SUFFIX.sub("", text)


def _normalize_sheet_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).strip().lower()
    text = re.sub(r"^\d+[\s._\-、]*", "", text)  # "01_户信息", "2.学生"
    return re.sub(r"\s", "", text)


@cache
def _header_lookup(table: str) -> dict[str, S.Field]:
    spec = S.SHEETS_BY_TABLE[table]
    lookup: dict[str, S.Field] = {}
    for f in spec.fields:
        for name in (f.header, f.name, *f.aliases):
            lookup[normalize_header(name)] = f
    return lookup


@cache
def _sheet_names() -> dict[str, S.SheetSpec]:
    names: dict[str, S.SheetSpec] = {}
    for spec in S.SHEETS:
        for name in (spec.title, spec.table, *spec.aliases):
            names[_normalize_sheet_name(name)] = spec
    return names


def spec_for_sheet_name(name: str) -> S.SheetSpec | None:
    return _sheet_names().get(_normalize_sheet_name(name))


def _map_row(spec: S.SheetSpec, number: int, cells: list[object]) -> tuple[S.ColumnMap, list[str]]:
    lookup = _header_lookup(spec.table)
    colmap = S.ColumnMap(spec, number)
    duplicates: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells):
        if cell is None or str(cell).strip() == "":
            continue
        f = lookup.get(normalize_header(cell))
        if f is None:
            colmap.extras[index] = str(cell).strip()
        elif f.name in seen:
            duplicates.append(f"表头“{str(cell).strip()}”重复出现（{f.header}），无法确定用哪一列")
        else:
            seen.add(f.name)
            colmap.columns[index] = f
    return colmap, duplicates


def _has_required(spec: S.SheetSpec, colmap: S.ColumnMap) -> bool:
    present = {f.name for f in colmap.columns.values()}
    return all(f.name in present for f in spec.required)


def match_sheet(
    sheet_name: str, head: list[tuple[int, list[object]]]
) -> tuple[S.ColumnMap | None, list[str]]:
    """(column map, problems) for a sheet given its first rows; (None, []) for an unrelated sheet."""
    named = spec_for_sheet_name(sheet_name)
    if named is not None:
        best: tuple[S.ColumnMap, list[str]] | None = None
        for number, cells in head:
            colmap, dups = _map_row(named, number, cells)
            if _has_required(named, colmap):
                return (None, dups) if dups else (colmap, [])
            if len(colmap.columns) >= 2 and (
                best is None or len(colmap.columns) > len(best[0].columns)
            ):
                best = (colmap, dups)
        if best is not None:  # header found but incomplete: the caller reports each missing column
            return (None, best[1]) if best[1] else (best[0], [])
        return None, [
            f"工作表名为“{sheet_name}”，但在前 {len(head)} 行中找不到{named.title}的表头（应含：{'、'.join(f.header for f in named.required)}）"
        ]
    for number, cells in head:
        candidates = []
        for spec in S.SHEETS:
            colmap, dups = _map_row(spec, number, cells)
            if _has_required(spec, colmap):
                candidates.append(
                    (len(colmap.columns), len(spec.required), spec.table, colmap, dups)
                )
        if candidates:
            candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
            _, _, _, colmap, dups = candidates[0]
            return (None, dups) if dups else (colmap, [])
    return None, []
