"""`reportgen data summary`: how much is in the dataset, per table and per township."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from reportgen.dataset import sheets as S
from reportgen.dataset.schema import TABLES
from reportgen.dataset.store import Dataset, monitored_sql


def summarize(dataset: Dataset) -> dict[str, Any]:
    """Counts per table (keys = DOMAIN summary keys), per township, and the latest import."""
    out: dict[str, Any] = {}
    with dataset.engine.connect() as conn:
        for spec in S.SHEETS:
            out[spec.summary_key] = conn.execute(
                sa.select(sa.func.count()).select_from(TABLES[spec.table])
            ).scalar_one()
        out["townships"] = _per_township(conn)
    last = dataset.latest_import()
    out["latest_import"] = (
        {
            "id": last["id"],
            "finished_at": last["finished_at"].isoformat(timespec="seconds"),
            "files": [f["path"] for f in last["files"]],
        }
        if last
        else None
    )
    return out


def _per_township(conn: sa.Connection) -> list[dict[str, Any]]:
    regions, households, persons = TABLES["regions"], TABLES["households"], TABLES["persons"]
    schools, students = TABLES["schools"], TABLES["students"]
    village = regions.alias("village")
    townships = list(
        conn.execute(
            sa.select(regions.c.code, regions.c.name)
            .where(regions.c.level == "乡")
            .order_by(regions.c.code)
        )
    )
    hh: dict[str, int] = dict(conn.execute(
        sa.select(village.c.parent_code, sa.func.count()).select_from(households)
        .join(village, village.c.code == households.c.village_code).group_by(village.c.parent_code)
    ).all())  # fmt: skip
    monitored: dict[str, int] = dict(conn.execute(
        sa.select(village.c.parent_code, sa.func.count()).select_from(households)
        .join(village, village.c.code == households.c.village_code).where(monitored_sql(households)).group_by(village.c.parent_code)
    ).all())  # fmt: skip
    people: dict[str, int] = dict(conn.execute(
        sa.select(village.c.parent_code, sa.func.count()).select_from(persons)
        .join(households, households.c.household_id == persons.c.household_id)
        .join(village, village.c.code == households.c.village_code).group_by(village.c.parent_code)
    ).all())  # fmt: skip
    # A school sits in a township or in one of its villages.
    school_township = sa.case(
        (regions.c.level == "乡", regions.c.code), else_=regions.c.parent_code
    )
    school_rows = list(conn.execute(
        sa.select(school_township.label("t"), sa.func.count(sa.distinct(schools.c.school_code)), sa.func.count(students.c.student_no))
        .select_from(schools).join(regions, regions.c.code == schools.c.region_code)
        .outerjoin(students, students.c.school_code == schools.c.school_code).group_by(school_township)
    ))  # fmt: skip
    by_school = {r[0]: (r[1], r[2]) for r in school_rows}
    return [
        {
            "code": t.code,
            "name": t.name,
            "households": hh.get(t.code, 0),
            "monitored_households": monitored.get(t.code, 0),
            "persons": people.get(t.code, 0),
            "schools": by_school.get(t.code, (0, 0))[0],
            "students": by_school.get(t.code, (0, 0))[1],
        }
        for t in townships
    ]
