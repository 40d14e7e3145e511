"""What a finished run tells people: a summary file beside its outputs, and optionally an e-mail
through the county's SMTP server. Documents are never attached (they carry personal data)."""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from reportgen.engine.manifest import RUN_SUMMARY_NAME
from reportgen.errors import ScheduleError
from reportgen.schedule.config import SmtpSettings
from reportgen.schedule.ledger import FAILED, STATUS_TEXT, SUCCESS

if TYPE_CHECKING:
    from reportgen.schedule.runner import RunOutcome

SUMMARY_NAME = RUN_SUMMARY_NAME


class NotifyError(ScheduleError):
    """Raised when the notification e-mail cannot be sent; the run itself is recorded as it ended."""


def _local(moment: dt.datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def status_line(outcome: RunOutcome, tz: ZoneInfo) -> str:
    text = STATUS_TEXT.get(outcome.status, outcome.status)
    if outcome.status == FAILED:
        text += f"（第 {outcome.attempt} 次尝试后不再重试）"
    elif outcome.retry_at is not None:
        text += f"（第 {outcome.attempt} 次尝试；将于 {_local(outcome.retry_at, tz)[:16]} 后重试）"
    elif outcome.attempt > 1:
        text += f"（第 {outcome.attempt} 次尝试）"
    return text


def summary_text(outcome: RunOutcome, tz: ZoneInfo, workspace: Path) -> str:
    """The text of 运行结果.txt and of the e-mail."""
    seconds = (outcome.finished_at - outcome.started_at).total_seconds()
    lines = [
        "reportgen 计划任务运行结果",
        "",
        f"任务：{outcome.job}",
        f"报告期：{outcome.period.label}（{outcome.period.key}）",
        f"状态：{status_line(outcome, tz)}",
        f"命令：reportgen {' '.join(outcome.command)}",
        f"计划时间：{_local(outcome.scheduled_at, tz)[:16]}",
        f"开始：{_local(outcome.started_at, tz)}",
        f"结束：{_local(outcome.finished_at, tz)}（用时 {seconds:.0f} 秒）",
        f"工作目录：{workspace}",
    ]
    if outcome.outputs:
        lines += ["", f"输出文件（{len(outcome.outputs)} 个）："]
        for o in outcome.outputs:
            records = f"（{o['records']} 条）" if o.get("records") is not None else ""
            lines.append(f"  {o['file']}{records}")
    if outcome.error:
        head = "提醒：" if outcome.status == SUCCESS else "错误："
        lines += ["", head, *("  " + x for x in outcome.error.splitlines())]
    if outcome.log_path is not None:
        lines += ["", f"命令的全部输出：{outcome.log_path}"]
    if outcome.status == FAILED:
        lines += [
            "",
            f"改正后重新运行这一期：reportgen -C {workspace} schedule rerun {outcome.job} {outcome.period.key}",
        ]
    lines += ["", "查看历史：reportgen schedule history --job " + outcome.job, ""]
    return "\n".join(lines)


def write_summary(outcome: RunOutcome, tz: ZoneInfo, workspace: Path) -> Path:
    path = outcome.output_dir / SUMMARY_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(summary_text(outcome, tz, workspace), encoding="utf-8-sig")
    return path


def email_subject(outcome: RunOutcome, place: str = "") -> str:
    """The subject: the job, the period, how it ended and whose it is (`place`: the county or the
    workspace, so that a bureau with several can tell them apart)."""
    word = "成功" if outcome.status == SUCCESS else "失败"
    where = f"（{place}）" if place else ""
    return f"reportgen 计划任务“{outcome.job}”{outcome.period.label}：{word}{where}"


def send_email(
    smtp: SmtpSettings,
    recipients: list[str] | tuple[str, ...],
    subject: str,
    body: str,
    environ: dict[str, str] | os._Environ[str] = os.environ,
) -> None:
    """Send a plain-text message through the configured server; NotifyError on any failure."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = smtp.sender
    message["To"] = ", ".join(recipients)
    # without them some servers and clients mark the message as spam or sort it wrongly
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(
        domain=smtp.sender.rsplit("@", 1)[-1] if "@" in smtp.sender else None
    )
    message.set_content(body)
    password = ""
    if smtp.user:
        password = environ.get(smtp.password_env, "") if smtp.password_env else ""
        if smtp.password_env and not password:
            raise NotifyError(f"未发送邮件：环境变量 {smtp.password_env} 没有设置（SMTP 密码）")
    try:
        if smtp.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.starttls:
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, password)
            client.send_message(message, to_addrs=list(recipients))
    except (OSError, smtplib.SMTPException) as exc:
        raise NotifyError(
            f"邮件发送失败（{smtp.host}:{smtp.port}）：{exc.__class__.__name__}: {exc}"
        ) from None
