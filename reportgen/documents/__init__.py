"""Document kinds: which records, what context each gets, which template, how a batch is grouped.

`catalog.DOCUMENT_KINDS` lists every kind once. Importing this package imports each kind's module,
which registers its templates (name, sample context) with the engine, so that
`reportgen templates list/check` know the variables each built-in template may use.
"""

import importlib

from reportgen.documents.catalog import DOCUMENT_KINDS

for _kind in DOCUMENT_KINDS:
    importlib.import_module(f"reportgen.documents.{_kind.module}")
