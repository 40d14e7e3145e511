"""The heartbeat of a scheduled command, kept by the command itself.

run-due beats for the run it started while it waits; but a command can outlive its run-due (run-due
killed alone). On this computer the recorded pid tells that the command still runs; on another
computer sharing the PostgreSQL database only the heartbeat does. So the command beats too: run-due
passes the run's id in REPORTGEN_SCHEDULE_RUN (and the interval in REPORTGEN_SCHEDULE_BEAT), and a
daemon thread in the command writes heartbeat_at until the command ends. A beat that cannot be
written (the database busy) is skipped; the next one will do."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

RUN_ENV = "REPORTGEN_SCHEDULE_RUN"
BEAT_ENV = "REPORTGEN_SCHEDULE_BEAT"


def start_if_scheduled(workspace: Path, db_option: str | None) -> threading.Thread | None:
    """In a command started by run-due: start beating for its run (once); else nothing."""
    run = os.environ.get(RUN_ENV, "")
    if not run.isdigit() or any(t.name == "reportgen-heartbeat" for t in threading.enumerate()):
        return None
    try:
        interval = float(os.environ.get(BEAT_ENV, "30"))
    except ValueError:
        interval = 30.0
    thread = threading.Thread(target=_beat, args=(int(run), workspace, db_option, interval),
                              name="reportgen-heartbeat", daemon=True)  # fmt: skip
    thread.start()
    return thread


def _beat(run_id: int, workspace: Path, db_option: str | None, interval: float) -> None:
    from reportgen.errors import ReportgenError
    from reportgen.schedule.ledger import open_ledger

    try:
        with open_ledger(workspace, db_option) as ledger:
            stop = threading.Event()
            while not stop.wait(interval):
                ledger.heartbeat(run_id, dt.datetime.now(dt.timezone.utc))
    except (ReportgenError, OSError):
        return  # no database to beat into: run-due's own beats and the recorded pid remain
