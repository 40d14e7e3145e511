"""Command line: parse options, call one library function, print. Only this package imports click.

The group is `reportgen.cli.app.cli`; each command module registers its commands on it, and
`commands` imports them all. Command modules import the library inside their command functions,
so that `reportgen --help` loads click and this package only (tests/test_layering.py).
"""

from __future__ import annotations

from reportgen.cli.app import AppContext, cli

# isort: split
# After `cli` is bound here: a command module may still import it from this package.
from reportgen.cli import commands  # noqa: F401  (registers every command on the group)

__all__ = ["AppContext", "cli", "main"]


def main() -> None:
    cli(prog_name="reportgen")
