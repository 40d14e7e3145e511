"""Resolve a place or school given as a name, a code or a `乡镇/村` path — one function for every command.

Village names repeat across townships (two 王庄村 in one county is normal): an ambiguous name is
an error listing every candidate with its township and code, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from reportgen.dataset.schema import TABLES
from reportgen.dataset.store import Dataset
from reportgen.errors import ConfigError, PlaceError

LEVEL_NAMES = {"县": "县（市、区）", "乡": "乡镇", "村": "村"}


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str  # 县 / 乡 / 村
    parent_code: str | None
    path: tuple[str, ...]  # names from the county down, e.g. ("青山县", "城关镇", "王庄村")

    @property
    def township(self) -> str:
        """The township name of a village (or the township itself)."""
        if self.level == "村" and len(self.path) >= 2:
            return self.path[-2]
        return self.name if self.level == "乡" else ""

    @property
    def label(self) -> str:
        """Readable and unambiguous: 城关镇/王庄村（411599101201）."""
        short = "/".join(self.path[-2:]) if self.level == "村" else self.name
        return f"{short}（{self.code}）"

    @property
    def file_label(self) -> str:
        """For file names: <乡镇><村> for a village, the name otherwise."""
        return f"{self.township}{self.name}" if self.level == "村" else self.name


@dataclass(frozen=True)
class School:
    code: str
    name: str
    region_code: str
    stage: str


def _load_regions(conn: sa.Connection) -> dict[str, tuple[str, str, str | None]]:
    regions = TABLES["regions"]
    return {
        r.code: (r.name, r.level, r.parent_code)
        for r in conn.execute(
            sa.select(regions.c.code, regions.c.name, regions.c.level, regions.c.parent_code)
        )
    }


def _place(code: str, table: dict[str, tuple[str, str, str | None]]) -> Place:
    name, level, parent = table[code]
    path = [name]
    seen = {code}
    cursor = parent
    while cursor and cursor in table and cursor not in seen:
        seen.add(cursor)
        path.insert(0, table[cursor][0])
        cursor = table[cursor][2]
    return Place(code, name, level, parent, tuple(path))


def resolve_place(dataset: Dataset, text: str, level: str | None = None) -> Place:
    """A region by code, name or `乡镇/村` path; `level` (县/乡/村) narrows name matches."""
    text = text.strip().replace("／", "/").replace("\\", "/")
    what = LEVEL_NAMES.get(level or "", "地点")
    if not text:
        raise PlaceError(f"请给出{what}名称或代码")
    with dataset.engine.connect() as conn:
        table = _load_regions(conn)
    if not table:
        raise PlaceError("数据库中还没有行政区划，请先导入“行政区划”表")
    if text.isdigit():
        if text not in table:
            raise PlaceError(f"找不到区划代码为 {text} 的{what}")
        place = _place(text, table)
        if level and place.level != level:
            raise PlaceError(f"{text} 是{LEVEL_NAMES[place.level]}“{place.name}”，不是{what}")
        return place
    parts = [p for p in text.split("/") if p]
    candidates = [
        _place(code, table)
        for code, (name, lvl, _) in table.items()
        if name == parts[-1] and (level is None or lvl == level)
    ]
    if len(parts) > 1:
        candidates = [p for p in candidates if tuple(p.path[-len(parts) :]) == tuple(parts)]
    if not candidates:
        similar = sorted(
            _place(c, table).label
            for c, (name, lvl, _) in table.items()
            if parts[-1][:2] in name and (level is None or lvl == level)
        )
        hint = f"。相近的有：{'、'.join(similar[:8])}" if similar else ""
        raise PlaceError(f"找不到{what}“{text}”{hint}", similar[:8])
    if len(candidates) > 1:
        candidates.sort(key=lambda p: p.code)
        raise PlaceError(
            f"“{text}”有 {len(candidates)} 个同名{what}，请用“乡镇/村”或区划代码指明，例如 --village {candidates[0].township}/{candidates[0].name}",
            [f"{p.township or '-'} / {p.name}  代码 {p.code}" for p in candidates],
        )
    return candidates[0]


def villages_under(dataset: Dataset, place: Place) -> list[Place]:
    """Every village at or below a place, in code order."""
    with dataset.engine.connect() as conn:
        table = _load_regions(conn)
    out = []
    for code, (_, lvl, _) in table.items():
        if lvl != "村":
            continue
        p = _place(code, table)
        if code == place.code or _is_under(code, place.code, table):
            out.append(p)
    return sorted(out, key=lambda p: p.code)


def _is_under(code: str, ancestor: str, table) -> bool:
    cursor = table[code][2]
    seen = set()
    while cursor and cursor in table and cursor not in seen:
        if cursor == ancestor:
            return True
        seen.add(cursor)
        cursor = table[cursor][2]
    return False


def resolve_school(dataset: Dataset, text: str) -> School:
    """A school by code or exact name; an ambiguous name lists the candidates with their codes."""
    schools = TABLES["schools"]
    text = text.strip()
    with dataset.engine.connect() as conn:
        rows = list(conn.execute(sa.select(schools.c.school_code, schools.c.name, schools.c.region_code, schools.c.stage)
                                 .where(sa.or_(schools.c.school_code == text, schools.c.name == text))))  # fmt: skip
        if not rows:
            similar = [
                r.name
                for r in conn.execute(
                    sa.select(schools.c.name)
                    .where(schools.c.name.contains(text[:4]))
                    .order_by(schools.c.name)
                    .limit(8)
                )
            ]
    if not rows:
        hint = f"。相近的有：{'、'.join(similar)}" if similar else ""
        raise PlaceError(f"找不到学校“{text}”{hint}", similar)
    exact_code = [r for r in rows if r.school_code == text]
    if exact_code:
        rows = exact_code
    if len(rows) > 1:
        raise PlaceError(
            f"“{text}”有 {len(rows)} 所同名学校，请用学校代码指明",
            [f"{r.name}  代码 {r.school_code}" for r in rows],
        )
    r = rows[0]
    return School(r.school_code, r.name, r.region_code, r.stage)


def county_place(dataset: Dataset) -> Place:
    """The county of the dataset (its one region of level 县)."""
    regions = TABLES["regions"]
    with dataset.engine.connect() as conn:
        codes = list(
            conn.execute(sa.select(regions.c.code).where(regions.c.level == "县")).scalars()
        )
    if len(codes) != 1:
        raise PlaceError(
            f"数据中应有且只有一个县级区划，现有 {len(codes)} 个：{'、'.join(codes) or '无'}"
        )
    return resolve_place(dataset, codes[0], level="县")


def require_one_scope(village: str | None, township: str | None, county: bool) -> None:
    """The --village / --township / --county choice of a command: exactly one (ConfigError)."""
    if sum(map(bool, (village, township, county))) != 1:
        raise ConfigError("请给出 --village 村、--township 乡镇 或 --county（三者选一）")


def resolve_scope(dataset: Dataset, village: str | None, township: str | None, county: bool) -> Place:
    """The place of a --village / --township / --county choice."""
    require_one_scope(village, township, county)
    if county:
        return county_place(dataset)
    if village:
        return resolve_place(dataset, village, level="村")
    return resolve_place(dataset, str(township), level="乡")
