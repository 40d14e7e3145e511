"""Imports every command module so that each registers its commands on the group."""

from reportgen.cli import (
    data_cmds,  # noqa: F401
    doc_cmds,  # noqa: F401
    engine_cmds,  # noqa: F401
    form_cmds,  # noqa: F401
    ledger_cmds,  # noqa: F401
    policy_cmds,  # noqa: F401
    render_cmds,  # noqa: F401
    rule_cmds,  # noqa: F401
    schedule_cmds,  # noqa: F401
    serve_cmds,  # noqa: F401
    user_cmds,  # noqa: F401
)
