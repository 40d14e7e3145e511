"""What a portal user may see (issue 23, part 2): the one place where a user's scope becomes a
filter on the data. Every query of the web app goes through `Scope`: a township user's query
carries the township's villages (and the schools located there), a school user's its school, so
nothing outside the scope is read at all, whatever URL is asked for.

    scope = Scope.of(dataset, user)
    find_households(dataset, scope, "王")        # search within the scope
    household(dataset, scope, "H0001")            # NotFound (404) or OutOfScope (403), never the data

A household outside the scope and one that does not exist are told apart (403 and 404) only as
far as the issue asks: the caller learns nothing of the other household's contents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from reportgen.accounts import User
from reportgen.dataset.schema import TABLES
from reportgen.dataset.store import Dataset
from reportgen.errors import ReportgenError
from reportgen.places import resolve_place, villages_under

SEARCH_LIMIT = 50


class NotFound(ReportgenError):
    """No such record (the web answers 404)."""


class OutOfScope(ReportgenError):
    """The record is outside the user's scope (the web answers 403 and shows nothing of it)."""


@dataclass(frozen=True)
class Scope:
    """A user's reach: every village (None: the whole county) and every school (None: all)."""

    user: str
    role: str
    label: str
    villages: frozenset[str] | None
    schools: frozenset[str] | None
    townships: frozenset[str] | None = None  # a township user's 乡镇 (None: all; school: none)

    @classmethod
    def of(cls, dataset: Dataset, user: User) -> Scope:
        if user.role in ("admin", "county"):
            return cls(user.name, user.role, user.scope_label, None, None)
        if user.role == "township":
            township = resolve_place(dataset, user.scope_code or "", level="乡")
            villages = frozenset(v.code for v in villages_under(dataset, township))
            schools = TABLES["schools"]
            with dataset.engine.connect() as conn:
                located = conn.execute(sa.select(schools.c.school_code).where(
                    schools.c.region_code.in_([township.code, *villages]))).scalars().all()  # fmt: skip
            return cls(user.name, user.role, user.scope_label, villages, frozenset(located),
                       frozenset({township.code}))  # fmt: skip
        if user.role == "school":
            return cls(
                user.name,
                user.role,
                user.scope_label,
                frozenset(),
                frozenset({user.scope_code or ""}),
                frozenset(),
            )
        raise OutOfScope(f"未知角色“{user.role}”")

    def households_filter(self) -> sa.ColumnElement[bool]:
        """The condition every query of households (and what hangs on them) carries."""
        h = TABLES["households"]
        return sa.true() if self.villages is None else h.c.village_code.in_(sorted(self.villages))

    def students_filter(self) -> sa.ColumnElement[bool]:
        s = TABLES["students"]
        return sa.true() if self.schools is None else s.c.school_code.in_(sorted(self.schools))


ID_PATTERN = re.compile(r"^[0-9Xx*]{4,18}$")


def find_households(
    dataset: Dataset, scope: Scope, q: str = "", limit: int = SEARCH_LIMIT
) -> list[dict[str, Any]]:
    """Households in the scope matching `q`: a 户编号 (exact or its start), a name (the head's or a
    member's, any part), or an ID number as printed masked (411528********1234: * is any digit)
    or its last digits. An empty `q` lists the first `limit`."""
    h, p = TABLES["households"], TABLES["persons"]
    q = q.strip()
    where: sa.ColumnElement[bool] = scope.households_filter()
    if q:
        # members of the scope's households only (a township's search reads its own people)
        members = sa.select(p.c.household_id)
        if scope.villages is not None:
            own = h.alias("own")
            members = members.join(own, own.c.household_id == p.c.household_id).where(
                own.c.village_code.in_(sorted(scope.villages)))  # fmt: skip
        if ID_PATTERN.match(q) and any(c.isdigit() for c in q):
            pattern = q.upper().replace("*", "_")
            pattern = pattern if len(q) == 18 else f"%{pattern}"
            members = members.where(p.c.id_number.like(pattern))
            match = sa.or_(_starts(h.c.household_id, q.upper()), h.c.head_id_number.like(pattern),
                           h.c.household_id.in_(members))  # fmt: skip
        else:
            members = members.where(p.c.name.contains(q, autoescape=True))
            match = sa.or_(_starts(h.c.household_id, q), h.c.head_name.contains(q, autoescape=True),
                           h.c.household_id.in_(members))  # fmt: skip
        where = sa.and_(where, match)
    query = (
        sa.select(h.c.household_id, h.c.village_code, h.c.head_name, h.c.category, h.c.monitor_type)
        .where(where).order_by(h.c.household_id).limit(limit)
    )  # fmt: skip
    with dataset.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def _starts(column: sa.ColumnElement[str], prefix: str) -> sa.ColumnElement[bool]:
    """`column` starts with `prefix`, as a range the column's index answers (LIKE 'x%' is not
    answered by SQLite's primary-key index)."""
    return sa.and_(column >= prefix, column < prefix + "\U0010ffff")


def household(dataset: Dataset, scope: Scope, household_id: str) -> dict[str, Any]:
    """One household of the scope with its members; NotFound or OutOfScope (never its data)."""
    h, p = TABLES["households"], TABLES["persons"]
    with dataset.engine.connect() as conn:
        row = _one(conn, h.c.household_id, household_id, scope.households_filter(), scope, "户")
        members = conn.execute(
            sa.select(p).where(p.c.household_id == household_id)
            .order_by(sa.case((p.c.relation == "户主", 0), else_=1), p.c.id_number)
        )  # fmt: skip
        return {**dict(row._mapping), "members": [dict(m._mapping) for m in members]}


def find_students(
    dataset: Dataset, scope: Scope, q: str = "", limit: int = SEARCH_LIMIT
) -> list[dict[str, Any]]:
    """Students of the scope's schools matching `q`: a 学籍号 (its start), a name (any part), or
    an ID number as printed masked or its last digits."""
    s, schools = TABLES["students"], TABLES["schools"]
    q = q.strip()
    where: sa.ColumnElement[bool] = scope.students_filter()
    if q:
        if ID_PATTERN.match(q) and any(c.isdigit() for c in q):
            pattern = q.upper().replace("*", "_")
            pattern = pattern if len(q) == 18 else f"%{pattern}"
            match = sa.or_(_starts(s.c.student_no, q.upper()), s.c.id_number.like(pattern))
        else:
            match = sa.or_(_starts(s.c.student_no, q), s.c.name.contains(q, autoescape=True))
        where = sa.and_(where, match)
    query = (
        sa.select(s.c.student_no, s.c.name, s.c.id_number, s.c.school_code, schools.c.name.label("school"),
                  s.c.grade, s.c.class_name)
        .join(schools, schools.c.school_code == s.c.school_code, isouter=True)
        .where(where).order_by(s.c.school_code, s.c.student_no).limit(limit)
    )  # fmt: skip
    with dataset.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def student(dataset: Dataset, scope: Scope, student_no: str) -> dict[str, Any]:
    """One student of the scope; NotFound or OutOfScope (never the student's data)."""
    s = TABLES["students"]
    with dataset.engine.connect() as conn:
        return dict(
            _one(conn, s.c.student_no, student_no, scope.students_filter(), scope, "学生")._mapping
        )


def _one(conn: sa.Connection, key: sa.Column, value: str, in_scope: sa.ColumnElement[bool], scope: Scope,
         what: str) -> sa.Row:  # fmt: skip
    """The row whose `key` is `value`, if the scope holds it; else OutOfScope (it exists) or
    NotFound, with nothing of the row."""
    row = conn.execute(sa.select(key.table).where(key == value, in_scope)).first()
    if row is not None:
        return row
    if conn.execute(sa.select(key).where(key == value)).first() is not None:
        raise OutOfScope(f"{what} {value} 不在 {scope.label} 的范围内")
    raise NotFound(f"没有{what} {value}")
