"""Document kinds: which records, what context each gets, which template, how a batch is grouped.

Importing this package registers every kind's template (name, sample context) with the engine,
so that `reportgen templates list/check` know the variables each built-in template may use.
"""

from reportgen.documents import aid_card, aid_notice, monitor_sheet, notices  # noqa: F401
