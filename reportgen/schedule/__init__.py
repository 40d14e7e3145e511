"""Scheduled generation: jobs in schedule.toml that run reportgen commands on their own, each
(job, period) to success at most once, with every attempt recorded in the dataset database.

    config.py    schedule.toml: keys, validation with line numbers, Job and Schedule
    periods.py   report periods (month, quarter …) and the {period}/{month}/{quarter} placeholders
    triggers.py  presets and cron as pure objects: trigger.next(after) -> datetime
    planner.py   what is due now, from the trigger, the ledger rows and the time (pure)
    ledger.py    the schedule_runs table: claims, heartbeats, outcomes, history
    runner.py    run-due (lock, recovery of interrupted runs, retries, notification) and run
    process.py   one command as a child process; whether a recorded process still lives
    notify.py    运行结果.txt and the e-mail
    install.py   Windows task, systemd timer and crontab line that call run-due
"""

from reportgen.schedule.config import SCHEDULE_NAME, Job, Schedule, load_schedule, parse_schedule
from reportgen.schedule.ledger import Ledger, RunRow
from reportgen.schedule.periods import Period, parse_period
from reportgen.schedule.planner import Plan, plan
from reportgen.schedule.runner import (
    Clock,
    DueReport,
    RunOutcome,
    Scheduler,
    SystemClock,
    run_due,
    serve,
)
from reportgen.schedule.triggers import Trigger, parse_trigger

__all__ = [
    "SCHEDULE_NAME",
    "Clock",
    "DueReport",
    "Job",
    "Ledger",
    "Period",
    "Plan",
    "RunOutcome",
    "RunRow",
    "Schedule",
    "Scheduler",
    "SystemClock",
    "Trigger",
    "load_schedule",
    "parse_period",
    "parse_schedule",
    "parse_trigger",
    "plan",
    "run_due",
    "serve",
]
