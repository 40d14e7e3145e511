"""控辍保学 rules (seed 二.一.(二).1、4; 二.一.(三).1): the dropout archive's checks, registered as rules.

The checks themselves live in reportgen.dropout (the archive and ledger call the same functions);
here each becomes a rule with its own id, so that `reportgen check` and the self-check report list
dropout cases like every other finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from reportgen.dropout import RULES as DROPOUT_CHECKS
from reportgen.dropout import DropoutCase, DropoutRule, Standard, load_cases
from reportgen.rules import Finding, rule
from reportgen.rules.context import RuleContext

RULE_IDS = {
    "dropout.persuasion_count": "D-ATTEMPTS",
    "dropout.county_report": "D-NOT-REPORTED",
    "dropout.deferral_approval": "D-NO-APPROVAL",
    "dropout.disability_assessment": "D-NO-ASSESSMENT",
    "dropout.home_teaching_short": "D-HOME-TEACHING",
    "dropout.home_teaching_missing": "D-NO-VISITS",
}


def dropout_cases(ctx: RuleContext) -> list[DropoutCase]:
    """The dropout cases found by the run's as-of date, loaded once per context (the rules and the
    第四部分 indicator share them)."""
    if "facts:dropout_cases" not in ctx._cache:
        ctx._cache["facts:dropout_cases"] = load_cases(ctx.dataset, found_by=ctx.as_of)
    return ctx._cache["facts:dropout_cases"]


def _register(check: DropoutRule) -> None:
    rule_id = RULE_IDS[check.code]

    def run(ctx: RuleContext) -> Iterator[Finding]:
        # The run's policy: its numbers judge the cases; its pack words the title (劝返不足N次…).
        standard = Standard.from_policy(ctx.policy)
        title = ctx.rule_title(rule_id)
        for case in dropout_cases(ctx):
            found = check.check(case, ctx.as_of, standard)
            if found is None:
                continue
            village = case.household.village_code if case.household else ""
            place = ctx.place(village) if village else None
            yield Finding(rule_id, title, "dropout_case", case.student_no, case.name,
                          case.household.household_id if case.household else None, case.school, found.text,
                          case.school_township_code or (place.township_code if place else ""), village)  # fmt: skip

    run.__name__ = rule_id.replace("-", "_").lower()
    rule(rule_id, entity="dropout_case")(run)


for _check in DROPOUT_CHECKS:
    _register(_check)
