"""The import format as Markdown, generated from the sheet declarations (docs/导入格式.md).

A test keeps the committed page equal to this output, so the docs cannot drift from the code.
"""

from __future__ import annotations

from reportgen.dataset import sheets as S
from reportgen.dataset.xlsx_stream import LIMITS

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
        "reportgen 读取 .xlsx 和 .csv（UTF-8、带 BOM 的 UTF-8、GBK，或 Excel“Unicode 文本”的 UTF-16，自动识别）。一个工作簿可含多个工作表，",
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
        "- 隐藏和深度隐藏的工作表不导入：导入结果逐个列出“已跳过”及原因。隐藏的表常是旧数据或下拉选项，",
        "  没人核对过；需要导入的，请先在 Excel 中取消隐藏。",
        "- 公式读取 Excel 保存的计算结果。没有保存结果的公式（程序生成、未在 Excel 中计算过的文件）、错误值",
        "  （#REF!、#DIV/0! 等）和超出 Excel 日期范围的日期都会报错并指明单元格，不会当作空白导入。",
        "- 文件损坏、加密、不是 .xlsx，或超过下文“文件限制”时，整批不导入，提示文件名（及工作表、行、列），退出码 4。",
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
    return "\n".join(lines + _limits_section())


def _limits_section() -> list[str]:
    """The bounds of xlsx_stream.LIMITS, stated from the values themselves."""
    lim = LIMITS

    def size(n: int) -> str:
        return f"{n >> 30} GB" if n >= 1 << 30 else f"{n >> 20} MB"

    return [
        "## 文件限制",
        "",
        "Excel 文件是压缩包，里面声明的大小、行数、列数都可能是假的。导入前先检查声明的大小和压缩比，",
        "读取时逐项计数，超过任何一项就停止并报错（退出码 4，数据库不变）。行、列和单元格字数用 Excel 自己的上限，",
        "其余留足一个大县（约 100 万人）的余量：",
        "",
        "| 项目 | 上限 |",
        "| --- | --- |",
        f"| 每个工作表（或共享字符串表）解压后 | {size(lim.max_part_bytes)} |",
        f"| 全部工作表和共享字符串表解压后合计 | {size(lim.max_total_bytes)} |",
        f"| 压缩比（解压后超过 {size(lim.ratio_floor_bytes)} 的部分） | {lim.max_ratio}:1（正常文件为 5～20:1） |",
        f"| workbook.xml、styles.xml 等目录部分解压后 | {size(lim.max_index_part_bytes)} |",
        f"| 压缩包内的部分数 | {lim.max_parts:,} |",
        f"| 每个工作表的行数（空行也算）、最大行号 | {lim.max_rows:,}（Excel 上限） |",
        f"| 每行的单元格数、最后一列 | {lim.max_columns:,}（XFD 列，Excel 上限） |",
        f"| 每个单元格的字符数 | {lim.max_cell_chars:,}（Excel 上限） |",
        f"| 一行（或一个单元格、一条共享字符串）的内容 | {size(lim.max_row_bytes)} |",
        f"| 一个文件的行数（各表合计，空行也算） | {lim.max_rows_per_file:,} |",
        f"| 一个文件的单元格数（各表合计，空单元格也算） | {lim.max_cells_per_file:,} |",
        f"| 共享字符串表 | {lim.max_shared_strings:,} 条，共 {lim.max_shared_chars:,} 个字符 |",
        "",
        "工作表的 `<dimension>`（声明的范围）只用于进度条，超出 Excel 上限时忽略。含有 DTD 声明（实体炸弹）的文件一律拒绝。",
        f"CSV 没有压缩，读取时间与文件大小成正比，不限行数；每行（一条记录）最多 {lim.max_row_bytes:,} 个字符，",
        f"最多 {lim.max_columns:,} 列，每格最多 {lim.max_cell_chars:,} 个字符；含空字节或无法识别的字节时报出行号。",
        "",
        "实测（`python benchmarks/bench_hostile.py`，2 核虚拟机，导入进程的内存峰值含 Python 本身约 50 MB）：",
        "10 亿个空行（6 GB）、声明 4 GB 的工作表、512 MB 的单元格（压缩比 1029:1）、FZZZZZ 列、16,385 列的行，",
        "都在 0.1 秒内拒绝，内存不超过 60 MB；不压缩的 64 MB 单元格 0.1 秒、1000 万个不压缩的空行 2 秒；",
        "2000 万条共享字符串在第 5,000,001 条时拒绝，约 10 秒、180 MB；单元格上限（4000 万个空单元格，",
        "不压缩 690 MB）约 25 秒、60 MB——这是不超过任何限制的文件读取时间的上限量级。",
        "",
    ]


if __name__ == "__main__":
    print(import_format_markdown(), end="")
