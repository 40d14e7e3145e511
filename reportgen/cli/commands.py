"""Imports every command module so that each registers its commands on the group."""

from reportgen.cli import data_cmds  # noqa: F401
from reportgen.cli import engine_cmds  # noqa: F401
from reportgen.cli import doc_cmds  # noqa: F401
