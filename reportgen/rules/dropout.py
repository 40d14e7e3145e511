"""控辍保学 rules (seed 二.一.(二).1、4; 二.一.(三).1): the dropout archive's checks, registered as rules.

The checks themselves live in reportgen.dropout (the archive and ledger call the same functions);
here each becomes a rule with its own id, so that `reportgen check` and the self-check report list
dropout cases like every other finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from reportgen.config import DEFAULT_POLICY, Policy, load_policy
from reportgen.dropout import RULES as DROPOUT_CHECKS
from reportgen.dropout import DropoutCase, DropoutRule, Standard, load_cases
from reportgen.rules import Finding, rule
from reportgen.rules.context import RuleContext

FIXES = {
    "dropout.persuasion_count": "对未复学学生继续落实“一生一案”劝返，每生劝返不少于3次并逐次登记。",
    "dropout.county_report": "劝返3次仍未复学的，及时报县联合劝返工作组依法控辍。",
    "dropout.deferral_approval": "延缓入学、休学一律报县级教育行政部门批准并存档。",
    "dropout.disability_assessment": "因身体原因延缓入学、休学的，须经县残联组织评估认定。",
    "dropout.home_teaching_short": "送教上门每月不少于2次、每次不少于3课时，如实填写送教记录。",
    "dropout.home_teaching_missing": "补齐送教上门记录，未送教的立即安排。",
}
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


def _register(check: DropoutRule, default: Standard) -> None:
    rule_id = RULE_IDS[check.code]

    def run(ctx: RuleContext) -> Iterator[Finding]:
        # The run's policy: its numbers judge the cases and word the title (劝返不足N次…).
        standard = Standard.from_policy(ctx.policy)
        title = check.title_for(standard)
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
    # The registry needs a title before any run; it quotes the default policy, and title_of gives
    # each run's own (Rule.title_text(policy)).
    rule(rule_id, check.title_for(default), seed=check.seed,
         basis="dropout", entity="dropout_case", group="政策落实",
         severity="严重" if check.code in ("dropout.persuasion_count", "dropout.county_report") else "一般",
         fix=FIXES[check.code], title_of=partial(_title, check))(run)  # fmt: skip


def _title(check: DropoutRule, policy: Policy) -> str:
    return check.title_for(Standard.from_policy(policy))


_DEFAULT_STANDARD = Standard.from_policy(load_policy(DEFAULT_POLICY))
for _check in DROPOUT_CHECKS:
    _register(_check, _DEFAULT_STANDARD)
