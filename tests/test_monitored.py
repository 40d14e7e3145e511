"""正在监测 has one definition (dataset.store.is_monitored, and monitored_sql for queries): both
forms agree on every combination of 户类型, 监测类型 and 风险是否消除, on both databases, and every
count of monitored households uses it (the rules, the students' 监测户 flag, `data summary`)."""

import itertools

import pytest
import sqlalchemy as sa

from reportgen.dataset.schema import TABLES
from reportgen.dataset.store import Dataset, household_flag_exprs, is_monitored, monitored_sql
from reportgen.dataset.summary import summarize

CATEGORIES = ["脱贫户", "监测户", "一般农户"]
MONITOR_TYPES = [None, "脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]
ELIMINATED = [None, False, True]
COMBINATIONS = list(itertools.product(CATEGORIES, MONITOR_TYPES, ELIMINATED))


def expected(category, monitor_type, eliminated) -> bool:
    """DOMAIN §2 户信息, written out: a 监测户, or a household with a 监测类型 (a 脱贫户 may have one),
    whose risk is not marked eliminated."""
    return (category == "监测户" or monitor_type in MONITOR_TYPES[1:]) and eliminated is not True


@pytest.mark.parametrize("category,monitor_type,eliminated", COMBINATIONS)
def test_the_python_form_is_the_rule(category, monitor_type, eliminated):
    assert is_monitored(category, monitor_type, eliminated) is expected(
        category, monitor_type, eliminated
    )


@pytest.fixture
def county(new_db):
    """Every combination as one household of one village (township 一乡, county 示例县)."""
    dataset = Dataset.open(new_db(), create=True)
    regions, households = TABLES["regions"], TABLES["households"]
    with dataset.engine.begin() as conn:
        conn.execute(regions.insert(), [
            {"code": "410000", "name": "示例县", "level": "县", "parent_code": None},
            {"code": "410001", "name": "一乡", "level": "乡", "parent_code": "410000"},
            {"code": "410001001", "name": "一村", "level": "村", "parent_code": "410001"},
        ])  # fmt: skip
        conn.execute(households.insert(), [
            {"household_id": f"H{i:02d}", "village_code": "410001001", "head_name": f"户主{i}",
             "head_id_number": f"{i:018d}", "category": c, "monitor_type": t, "risk_eliminated": e}
            for i, (c, t, e) in enumerate(COMBINATIONS)
        ])  # fmt: skip
    yield dataset
    dataset.dispose()


def test_the_sql_form_agrees_with_the_python_form_on_every_combination(county):
    h = TABLES["households"]
    want = {f"H{i:02d}" for i, combo in enumerate(COMBINATIONS) if is_monitored(*combo)}
    with county.engine.connect() as conn:
        selected = dict(conn.execute(sa.select(h.c.household_id, monitored_sql(h))).all())
        where = set(conn.execute(sa.select(h.c.household_id).where(monitored_sql(h))).scalars())
        where_not = set(
            conn.execute(sa.select(h.c.household_id).where(sa.not_(monitored_sql(h)))).scalars()
        )
        flags = set(
            conn.execute(
                sa.select(h.c.household_id).where(household_flag_exprs(h)["monitored"])
            ).scalars()
        )
    assert {k for k, v in selected.items() if v} == want
    assert where == flags == want
    assert where_not == set(selected) - want


def test_data_summary_counts_the_households_being_monitored_now(county):
    # A household with a 监测类型 is monitored whatever its 户类型; a 监测户 whose risk is eliminated
    # is not (the summary counted 户类型 = 监测户 only: 12 here, against 8 + 6 + 6 being monitored).
    [township] = summarize(county)["townships"]
    assert township["monitored_households"] == sum(is_monitored(*c) for c in COMBINATIONS) == 20
