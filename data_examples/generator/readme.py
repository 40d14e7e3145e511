"""The generated part of data_examples/README.md: counts, places, schools, boundary cases, procedures, projects."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .model import COUNTY, TOWNSHIPS
from .workbook import WORKBOOKS


def readme_tables(result: dict) -> str:
    """The generated parts of data_examples/README.md, in Markdown."""
    counts, cases, ex = result["counts"], result["cases"], result["example"]
    out = ["### 各工作表行数", "", "| 文件 | 工作表 | 行数 |", "| --- | --- | ---: |"]
    for filename, names in WORKBOOKS:
        out += [f"| {filename} | {name} | {counts[name]} |" for name in names]
    out += [
        "",
        "### 区划",
        "",
        "| 区划代码 | 名称 | 级别 | 上级 | 户数 | 人数 |",
        "| --- | --- | --- | --- | ---: | ---: |",
    ]
    out.append(
        f"| {COUNTY[0]} | {COUNTY[1]} | 县 | | {len(ex.households)} | {sum(len(h.members) for h in ex.households)} |"
    )
    for code, name in TOWNSHIPS:
        hs = [h for h in ex.households if h.village.township == code]
        out.append(
            f"| {code} | {name} | 乡 | {COUNTY[0]} | {len(hs)} | {sum(len(h.members) for h in hs)} |"
        )
        for v in ex.villages:
            if v.township == code:
                vs = [h for h in hs if h.village is v]
                first, last = vs[0].hid, vs[-1].hid
                out.append(
                    f"| {v.code} | {v.name} | 村 | {code} | {len(vs)}（{first}—{last}） | {sum(len(h.members) for h in vs)} |"
                )
    out += ["", "### 学校", "", "| 学校代码 | 学校名称 | 所在区划 | 学段 | 普惠性 | 国定营养 | 学费/住宿费（元/年） | 学生数 |",
            "| --- | --- | --- | --- | --- | --- | --- | ---: |"]  # fmt: skip
    yn = lambda v: "" if v is None else ("是" if v else "否")  # noqa: E731
    for s in ex.schools:
        n = sum(1 for st in ex.students if st.school is s)
        fees = "" if s.tuition is None else f"{s.tuition:g} / {s.lodging:g}"
        out.append(
            f"| {s.code} | {s.name} | {s.region} | {s.stage} | {yn(s.inclusive)} | {yn(s.national_nutrition)} | {fees} | {n} |"
        )
    cat = Counter(h.category for h in ex.households)
    mon = Counter(h.monitor_type for h in ex.households if h.monitor_type)
    x = sum(p.id_number.endswith("X") for h in ex.households for p in h.members)
    blank = sum(not p.show_birth for h in ex.households for p in h.members)
    stages = Counter(s.stage for s in ex.students)
    out += ["", "### 其他统计", "",
            "- 户类型：" + "，".join(f"{k} {v}" for k, v in cat.items()) + "；监测类型：" + "，".join(f"{k} {v}" for k, v in mon.items()),
            f"- 风险已消除的监测户 {sum(1 for h in ex.households if h.category == '监测户' and h.risk_eliminated)}；整户无劳动能力兜底保障户 {sum(1 for h in ex.households if h.no_labor)}；"
            f"兜底类型：" + "，".join(f"{k} {v}" for k, v in Counter(h.baodi for h in ex.households if h.baodi).items()),
            f"- 身份证号末位为 X 的人员 {x} 人；出生日期留空（由身份证号推出）的人员 {blank} 人",
            "- 学生按学段：" + "，".join(f"{k} {v}" for k, v in stages.items()) + f"；与人员信息关联的学生 {sum(1 for s in ex.students if s.person)} 人",
            "- 监测帮扶程序：" + "，".join(f"{k} {v}" for k, v in Counter(p.kind for h in ex.households for p in h.procedures).items())]  # fmt: skip
    for include in (True, False):
        r = ex.insurance_rates(include_eliminated=include)
        names = {"county": "全县", **dict(TOWNSHIPS)}
        out.append(f"- 参保率（{'含' if include else '不含'}风险已消除监测户的成员）：" + "，".join(
            f"{names[k]} {a}/{b} = {a / b:.2%}" for k, (a, b) in sorted(r.items(), key=lambda kv: kv[0] != "county")))  # fmt: skip
    central = sum(r["funds"][0] for r in ex.projects)
    industry = sum(r["funds"][0] for r in ex.projects if r["项目类型"] == "产业发展")
    out.append(
        f"- 中央衔接资金合计 {central:.4f} 万元，其中产业发展 {industry:.4f} 万元，占 {industry / central:.2%}"
    )
    out += [
        "",
        "### 边界用例",
        "",
        "| 编号 | 规则 | 对象 | 数据 | 应报问题 |",
        "| --- | --- | --- | --- | --- |",
    ]
    out += [
        f"| {c.label} | {c.rule} | {c.key} | {c.values} | {'**报**' if c.finding else '不报'} |"
        for c in cases
    ]
    out += ["", "### 监测帮扶程序一览", "", "| 户编号 | 乡镇村 | 户类型 | 程序 | 风险类型 | 发现 | 公示 | 乡审 | 县批 | 录入 | 计划 | 用例 |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    f = lambda d: "" if d is None else f"{d:%m-%d}"  # noqa: E731
    for h in ex.households:
        for p in h.procedures:
            pub = f"{f(p.pub_start)}—{f(p.pub_end)}" if p.pub_start else ""
            out.append(f"| {h.hid} | {h.village.township_name}{h.village.name} | {h.category} | {p.kind} | {p.risks} | {f(p.found)} | {pub} | "
                       f"{f(p.township)} | {f(p.county)} | {f(p.entered)} | {f(p.plan)} | {h.special} |")  # fmt: skip
    out += ["", "### 项目一览", "", "| 项目编号 | 项目名称 | 类型 | 实施地点 | 状态 | 资产类型 | 中央衔接资金（万元） |",
            "| --- | --- | --- | --- | --- | --- | ---: |"]  # fmt: skip
    vname = {v.code: v.township_name + v.name for v in ex.villages}
    for r in sorted(ex.projects, key=lambda r: r["项目编号"]):
        places = "、".join(f"{vname[c]}（{c}）" for c in r["实施地点"].split("、"))
        out.append(
            f"| {r['项目编号']} | {r['项目名称']} | {r['项目类型']} | {places} | {r['项目状态']} | {r['资产类型']} | {r['funds'][0]:.4f} |"
        )
    return "\n".join(out)


README_BEGIN = "<!-- BEGIN generate.py --readme -->"
README_END = "<!-- END generate.py --readme -->"


def update_readme(path: Path, tables: str) -> None:
    """Replace the text between the README's markers with freshly generated tables."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    path.write_text(f"{head}{README_BEGIN}\n\n{tables}\n\n{README_END}{tail}", encoding="utf-8")
