"""Document kinds: which records, what context each gets, which template, how a batch is grouped.

Importing this package registers every kind's template (name, sample context) with the engine,
so that `reportgen templates list/check` know the variables each built-in template may use.
"""

from reportgen.documents import (  # noqa: F401
    aid_card,
    aid_notice,
    dropout_archive,
    monitor_sheet,
    monthly,
    notices,
    selfcheck,
)
