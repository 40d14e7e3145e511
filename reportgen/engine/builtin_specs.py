"""Sample contexts of the built-in generic templates (document kinds declare their own with
`declare_template`). Plain data: registry.py registers them, so this module imports nothing."""

from __future__ import annotations

OFFICIAL_SAMPLE = {
    "title": "王庄村2023年度衔接资金项目公示",
    "doc_number": "",
    "letterhead": None,  # 版头 (officialdoc.letterhead_paragraphs): only an organ's 公文 have one
    "recipient": "全体村民",
    "paragraphs": ["根据……的要求，现将本村2023年度衔接资金项目公示如下。"],
    "table": {
        "caption": "项目清单",
        "columns": ["序号", "项目名称"],
        "widths": [10, 40],
        "rows": [["1", "示例项目"]],
    },
    "closing": ["公示期：2023年9月1日至2023年9月5日。监督电话：12317。"],
    "issuer": "某某乡人民政府",
    "date": "2023-09-01",
}

LIST_SAMPLE = {
    "title": "名单",
    "place": "某某村",
    "rows": [
        {
            "no": 1,
            "name": "张三",
            "category": "脱贫户",
            "amount": 1250.0,
            "date": "2023-09-01",
            "note": "",
        }
    ],
}

# (name, kind, sample, description) of each built-in generic template; registry.py registers them.
BUILTIN_SPECS = (
    ("公文", "docx", OFFICIAL_SAMPLE, "GB/T 9704 公文底版：标题、文号、主送、正文、表格、落款"),
    ("名单", "xlsx", LIST_SAMPLE, "通用名单：标题、表头、逐行重复区、合计行"),
)
