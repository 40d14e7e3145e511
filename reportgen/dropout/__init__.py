"""控辍保学: dropout cases as facts (`cases`) and the checks every document and rule shares (`checks`).

Independent of the document code: the archive, the ledger and the quarterly self-check all call
`load_cases` and `case_problems` (or one `RULES` entry at a time).
"""

from reportgen.dropout.cases import (
    CLOSED,
    DEFERRED,
    HOME_TEACHING,
    IN_PERSUASION,
    RETURNED,
    DropoutCase,
    HouseholdLink,
    Persuasion,
    Visit,
    case_order,
    load_cases,
)
from reportgen.dropout.checks import (
    CLEARED,
    OPEN,
    RULES,
    SECURED,
    CaseProblem,
    DropoutRule,
    MonthCount,
    Standard,
    case_problems,
    home_teaching_months,
    hours_text,
    judged_months,
    last_complete_month,
    standing,
)

__all__ = [
    "CLEARED",
    "CLOSED",
    "DEFERRED",
    "HOME_TEACHING",
    "IN_PERSUASION",
    "OPEN",
    "RETURNED",
    "RULES",
    "SECURED",
    "DropoutCase",
    "DropoutRule",
    "CaseProblem",
    "HouseholdLink",
    "MonthCount",
    "Persuasion",
    "Standard",
    "Visit",
    "case_order",
    "case_problems",
    "home_teaching_months",
    "hours_text",
    "judged_months",
    "last_complete_month",
    "load_cases",
    "standing",
]
