"""The portal's county pages: 导入 and 计划任务 (admin and county users), 审计日志, 用户 and 设置
(admins). Routes on the same blueprint as pages.py (endpoint names portal.*), kept apart because
they administer the workspace rather than read it within a scope."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from pathlib import Path, PureWindowsPath

from flask import abort, g, render_template, request, send_file

from reportgen.errors import DataError, ReportgenError
from reportgen.web import data
from reportgen.web.audit import ACTIONS, row_values, write_audit_xlsx
from reportgen.web.pages import ADMIN, COUNTY, bp, did, portal
from reportgen.web.security import login_required, source


# ---------------------------------------------------------------------- 导入
@bp.route("/import", methods=["GET", "POST"])
@login_required(*COUNTY)
def import_page():
    p = portal()
    if request.method == "GET":
        return _import_page()
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        return _import_page(message="请选择要导入的文件。"), 400
    from reportgen.dataset.importer import import_paths

    # the name the user's computer gave the file (a Windows browser may send C:\\…\\name)
    names = [PureWindowsPath(f.filename or "").name for f in files]
    bad = [n for n in names if Path(n).suffix.lower() not in (".xlsx", ".csv") or n.startswith(".")]
    if bad:
        return _import_page(message=f"只能导入 .xlsx 或 .csv 文件：{'、'.join(bad)}"), 400
    if len(set(names)) < len(names):
        return _import_page(message="同一批上传的文件不能重名，请改名后再上传。"), 400
    # kept under the workspace: the import's record names these files, and they show who
    # imported what (问题清单.xlsx beside them when the import is refused)
    upload_id = dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]
    folder = p.folder / "导入" / upload_id
    (folder / "文件").mkdir(parents=True)
    paths = [folder / "文件" / name for name in names]
    for f, path in zip(files, paths):
        f.save(path)
    try:
        result = import_paths(p.dataset, paths, errors_path=folder / "问题清单.xlsx",
                              display_root=folder / "文件")  # fmt: skip
    except DataError as err:
        did("import_failed", "、".join(names), {"problems": len(err.problems), "upload": upload_id})
        return _import_page(problems=err.problems, message=err.message,
                            upload_id=upload_id if err.report_path else None), 422  # fmt: skip
    except ReportgenError as err:
        did("import_failed", "、".join(names), {"error": err.message, "upload": upload_id})
        return _import_page(message=err.message), 422
    did("import", "、".join(names), {"import_id": result.import_id, "rows": result.total_rows})
    p.cache.clear()
    from reportgen.dataset.sheets import SHEETS_BY_TABLE

    return _import_page(result=result, titles={t: s.title for t, s in SHEETS_BY_TABLE.items()})


def _import_page(**values) -> str:
    return render_template("import.html", **{"result": None, "problems": None, **values})


@bp.route("/import/<upload_id>/问题清单.xlsx")
@login_required(*COUNTY)
def import_problems(upload_id: str):
    if not re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{8}", upload_id):
        abort(404)
    path = portal().folder / "导入" / upload_id / "问题清单.xlsx"
    if not path.is_file():
        abort(404, description="没有这份问题清单。")
    did("download", f"导入问题清单：{upload_id}")
    return send_file(path, as_attachment=True, download_name="导入问题清单.xlsx")


# ---------------------------------------------------------------------- 计划任务
@bp.route("/schedule")
@login_required(*COUNTY)
def schedule():
    from reportgen.schedule.ledger import Ledger

    rows = Ledger(portal().dataset.engine).history(limit=50)
    return render_template(
        "schedule.html",
        overview=data.schedule_overview(portal().settings.workspace, portal().db_option),
        rows=rows,
    )


# ---------------------------------------------------------------------- 审计
@bp.route("/audit")
@login_required(*ADMIN)
def audit_page():
    from reportgen.accounts import audit_entries

    who = request.args.get("user") or None
    rows = audit_entries(portal().dataset, 300, user=who)
    return render_template(
        "audit.html", rows=[row_values(r) for r in rows], who=who or "", actions=ACTIONS
    )


@bp.route("/audit.xlsx")
@login_required(*ADMIN)
def audit_export():
    from reportgen.accounts import audit_entries

    p = portal()
    rows = audit_entries(p.dataset, None, user=request.args.get("user") or None)
    buffer = io.BytesIO()
    write_audit_xlsx(rows, buffer)
    buffer.seek(0)
    did("audit_export", f"{len(rows)} 条")
    return send_file(buffer, as_attachment=True, download_name=f"审计日志_{dt.date.today():%Y%m%d}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip


# ---------------------------------------------------------------------- 用户（管理员）
@bp.route("/users", methods=["GET", "POST"])
@login_required(*ADMIN)
def users_page():
    """The accounts, as `reportgen user …` manages them: add, disable or enable, set a password.
    Every change goes through reportgen.accounts (the same checks) and is in the audit log."""
    from reportgen.accounts import (
        ROLES,
        AccountError,
        add_user,
        list_users,
        set_active,
        set_password,
    )

    p, message, error = portal(), None, None
    if request.method == "POST":
        form, by = request.form, g.user.name
        name = form.get("name", "").strip()
        try:
            action = form.get("action")
            if action == "add":
                user = add_user(p.dataset, name, form.get("role", ""), form.get("scope") or None,
                                form.get("password", ""), by=by, source=source())  # fmt: skip
                message = f"已添加用户 {user.name}：{user.role_label}，范围 {user.scope_label}"
            elif action in ("disable", "enable"):
                if name == by and action == "disable":
                    raise AccountError("不能停用自己（请用另一个管理员账号）")
                set_active(p.dataset, name, action == "enable", by=by, source=source())
                message = f"已{'恢复' if action == 'enable' else '停用'}用户 {name}"
            elif action == "passwd":
                set_password(p.dataset, name, form.get("password", ""), by=by, source=source())
                message = f"已修改用户 {name} 的密码（其已登录的会话随之失效）"
            else:
                abort(400, description="未知的操作")
        except ReportgenError as err:
            candidates = getattr(err, "candidates", None)
            error = err.message + (
                "（候选：" + "、".join(map(str, candidates)) + "）" if candidates else ""
            )
    return render_template(
        "users.html", users=list_users(p.dataset), roles=ROLES, message=message, error=error
    ), (400 if error else 200)


# ---------------------------------------------------------------------- 设置（管理员，只读）
@bp.route("/settings")
@login_required(*ADMIN)
def settings_page():
    """What `reportgen config show` shows: each setting's value and where it comes from, and the
    policy pack's numbers. Read only: settings are changed in reportgen.toml (then restart)."""
    from reportgen.config import shown_policy, shown_settings
    from reportgen.redact import redact

    settings = portal().settings
    rows = [(s.key, "、".join(map(str, v)) if isinstance(v, list) else v, settings.sources[s.key], s.help)
            for s, v in shown_settings(settings)]  # fmt: skip
    policy = shown_policy(settings)
    return render_template("settings.html", settings=settings, rows=rows, policy=policy,
                           database=redact(settings.db_url))  # fmt: skip
