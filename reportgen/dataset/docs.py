"""The import format as Markdown, generated from the sheet declarations (docs/导入格式.md).

A test keeps the committed page equal to this output, so the docs cannot drift from the code.
"""

from __future__ import annotations

from reportgen.dataset import sheets as S

_KIND_NAMES = {
    S.CODE: "代码（文本，保留前导 0）",
    S.TEXT: "文字",
    S.INT: "整数",
    S.MONEY: "金额（元，最多 2 位小数）",
    S.WAN: "金额（万元，最多 4 位小数）",
    S.NUMBER: "数值",
    S.DATE: "日期",
    S.BOOL: "是/否",
    S.ENUM: "选项",
    S.MULTI: "多项，用“、”分隔",
    S.ID_NUMBER: "18 位身份证号",
    S.PHONE: "电话",
}


def import_format_markdown() -> str:
    lines = [
        "# 导入格式",
        "",
        "<!-- 本页由 `python -m reportgen.dataset.docs` 根据代码生成，请勿手工修改。 -->",
        "",
        "reportgen 读取 .xlsx 和 .csv（UTF-8、带 BOM 的 UTF-8 或 GBK 编码，自动识别）。一个工作簿可含多个工作表，",
        "一个文件夹可含多个文件。工作表按名称（下表的表名或别名，可带“01_”之类的序号前缀）识别，",
        "名称不符时按表头识别。表头可写中文名或英文名；`*`、空格和末尾括号里的单位（如“（元）”）会被忽略；",
        "表头上方可以有标题行。未识别的列原样保存，不会导致失败。",
        "",
        "- 日期可写 `2023-09-01`、`2023/9/1`、`2023年9月1日`、`2023.9.1`，或使用 Excel 日期单元格。",
        "- 是/否 可写 是/否、Y/N、1/0、√/空（空表示未填写，按“否”处理）。",
        "- 代码和证件号码请设为文本格式：Excel 把 18 位号码存成数字会丢掉后几位，导入时会报错。",
        "- 身份证号码按 GB 11643-1999 校验（位数、出生日期、校验位），末位小写 x 自动改为 X。",
        "- 有任何问题则整批不导入，并列出“文件 / 工作表 / 行 / 列: 问题 (值)”；没有问题则按下表的“键”新增或更新。",
        "  再次导入时，表中没有的列保留原值。",
        "",
    ]
    for spec in S.SHEETS:
        key = "、".join(spec.field(k).header for k in spec.key)
        lines += [
            f"## {spec.title}",
            "",
            f"英文名 `{spec.table}`；别名：{'、'.join(spec.aliases) or '无'}；键：{key}。",
            "",
        ]
        if spec.references:
            refs = "；".join(
                f"{'、'.join(spec.field(c).header for c in r.columns)} 须在“{S.SHEETS_BY_TABLE[r.target].title}”中存在"
                for r in spec.references
            )
            lines += [f"引用：{refs}。", ""]
        lines += ["| 列 | 英文名 | 必填 | 类型 | 可选值 |", "| --- | --- | --- | --- | --- |"]
        for f in spec.fields:
            choices = "、".join(f.choices)
            if f.default is True:
                choices = "空则视为“是”"
            if f.keep_when_blank:
                choices = "再次导入时空白不清除已有日期（如生成公示时记入的日期）"
            lines.append(
                f"| {f.header} | `{f.name}` | {'是' if f.required else ''} | {_KIND_NAMES[f.kind]} | {choices} |"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(import_format_markdown(), end="")
