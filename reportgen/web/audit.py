"""The audit log as people read it: action names in Chinese and the .xlsx export (the admin page
and `reportgen user audit --xlsx`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACTIONS = {
    "login": "登录",
    "login_failed": "登录失败",
    "login_throttled": "登录被限制",
    "logout": "退出",
    "session_expired": "会话超时",
    "import": "导入",
    "import_failed": "导入未通过",
    "generate": "生成文书",
    "download": "下载",
    "view": "查看户信息",
    "view_student": "查看学生信息",
    "search": "查询",
    "refused": "越权访问被拒绝",
    "user_add": "添加用户",
    "user_enable": "恢复用户",
    "user_disable": "停用用户",
    "user_passwd": "修改密码",
    "token_add": "新建API令牌",
    "token_revoke": "作废API令牌",
    "audit_export": "导出审计日志",
}
HEADERS = ["时间（UTC）", "用户", "操作", "对象", "来源", "详情"]


def row_values(r: dict[str, Any]) -> list[Any]:
    detail = r.get("detail")
    return [
        r["at"].strftime("%Y-%m-%d %H:%M:%S"),
        r.get("user_name") or "",
        ACTIONS.get(r["action"], r["action"]),
        r.get("target") or "",
        r.get("source") or "",
        json.dumps(detail, ensure_ascii=False) if detail else "",
    ]


def write_audit_xlsx(rows: list[dict[str, Any]], target: Path | Any) -> None:
    """The entries as one sheet (A4 landscape, header repeated), to a path or a binary file."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        target, {"in_memory": True} if not isinstance(target, (str, Path)) else {}
    )
    sheet = book.add_worksheet("审计日志")
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#DDDDDD", "font_name": "宋体"})
    cell = book.add_format({"border": 1, "font_name": "宋体", "text_wrap": True, "valign": "top"})
    for c, (title, width) in enumerate(zip(HEADERS, (20, 12, 14, 24, 16, 40))):
        sheet.write(0, c, title, head)
        sheet.set_column(c, c, width)
    for i, r in enumerate(rows, start=1):
        for c, value in enumerate(row_values(r)):
            sheet.write_string(i, c, str(value), cell)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.repeat_rows(0)
    sheet.fit_to_pages(1, 0)
    sheet.freeze_panes(1, 0)
    book.close()
