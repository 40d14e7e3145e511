"""Build the templates of the forms printed for signature (reportgen form) under templates/docx/:
防止返贫动态监测核查表, 承诺授权书, 公益岗位协议, 延缓入学休学审批表.

    python tools/build_form_templates.py      (deterministic: re-running reproduces the same bytes)

A4 portrait, the official-document styles of reportgen.engine.officialdoc (仿宋 body, 黑体 headings
and table labels), 五号 tables, so that one household's form fits one page; a long member table
runs on with its header row repeated. Every value the data do not hold is a line to write on
(the context gives ＿＿＿＿); the fixed wording lives here, in the template the user may edit.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.engine import officialdoc as od  # noqa: E402
from reportgen.engine.ooxml import DocxPackage, cell, para, row, run, table  # noqa: E402

FORM_PAGE = od.PageSetup(
    top=14, bottom=14, left=18, right=18, lines=44, chars=40, body_pt=12, footer=7, header=8
)
S = od.STYLE_IDS
WIDTH = FORM_PAGE.text_width_twips
SMALL = 10.5  # 五号: table text
NO_INDENT = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'
INDENT = '<w:ind w:firstLineChars="200" w:firstLine="480"/>'
BODY_LINE = 18  # points: the 小四 body's fixed line height (od.exact_line: the same pages whatever
# face stands in for 仿宋)


def tight(size: float) -> str:
    """A paragraph's spacing: no space around it, lines 1.35 times the text's size (fixed)."""
    return od.exact_line(round(size * 1.35 * 2) / 2, before=0, after=0)


SHADE = "E7EEF7"
SIGN_DATE = "＿＿＿＿年＿＿月＿＿日"


def _styles() -> str:
    """The official styles with fixed 18 pt lines by default (a form has no line grid)."""
    styles = od.styles_xml(FORM_PAGE)
    anchor = '<w:widowControl w:val="0"/><w:jc w:val="both"/>'
    assert anchor in styles, "officialdoc.styles_xml changed: update the form line spacing"
    return styles.replace(
        anchor, f'<w:widowControl w:val="0"/>{od.exact_line(BODY_LINE)}<w:jc w:val="both"/>'
    )


def _save(body: str, title: str, path: Path) -> None:
    pkg = DocxPackage(body, "", styles=_styles(), font_table=od.font_table_xml(),
                      settings=od.settings_xml(even_and_odd=False), title=title)  # fmt: skip
    footer = pkg.add_footer(para("{{ _meta.footnote }}", style=S["note"], align="center"))
    section = od.sect_pr(FORM_PAGE, footer_default=footer, grid=False)
    pkg.sect_pr = re.sub(r"<w:docGrid [^>]*/>", '<w:docGrid w:linePitch="312"/>', section)
    pkg.save(path)


# ----------------------------------------------------------------------------------- pieces
def title(text: str) -> str:
    return para(
        [run(text, size_pt=18)],
        style=S["title"],
        ppr_extra=od.exact_line(26, before=0, after=60),
    )


def subtitle(text: str) -> str:
    return para([run(text, size_pt=SMALL)], style=S["docno"], ppr_extra=od.exact_line(15, after=60))


def heading(text: str) -> str:
    return para(
        [run(text, size_pt=12)],
        style=S["h1"],
        ppr_extra=f"{od.exact_line(BODY_LINE, before=80, after=40)}{NO_INDENT}",
    )


def plain(content, *, size: float = 12, indent: bool = False, **opts) -> str:
    runs = [run(content, size_pt=size)] if isinstance(content, str) else content
    return para(runs, ppr_extra=tight(size) + (INDENT if indent else NO_INDENT), **opts)


def note(text: str) -> str:
    return plain(text, size=9, style=S["note"])


def label(text: str, width: int, **opts) -> str:
    return cell(text, width, style=S["table_header"], shade=SHADE, size_pt=SMALL, **opts)


def value(text: str, width: int, *, align: str | None = "left", **opts) -> str:
    return cell(text, width, style=S["table"], size_pt=SMALL, align=align, **opts)


def kv_table(rows: list[list[tuple[str, str]]], widths: list[int]) -> str:
    """A label/value grid: each row is [(label, value), …]; a row of fewer pairs stretches its
    last value over the remaining columns."""
    out = []
    for pairs in rows:
        cells = []
        for i, (name, text) in enumerate(pairs):
            cells.append(label(name, widths[2 * i]))
            if i == len(pairs) - 1 and 2 * i + 2 < len(widths):
                rest = widths[2 * i + 1 :]
                cells.append(value(text, sum(rest), span=len(rest)))
            else:
                cells.append(value(text, widths[2 * i + 1]))
        out.append(row(cells, height_twips=330))
    return table(out, widths, style="a-grid")


def loop_table(columns: list[tuple[str, int]], loop: str, cells: list[str],
               extra_rows: list[str] | None = None, height: int = 330) -> str:  # fmt: skip
    """A table with a repeated header row and one row per item of `loop` ({%tr for %})."""
    widths = [w for _, w in columns]
    total = sum(widths)
    header = row([label(h, w) for h, w in columns], header=True)
    start = row([value(f"{{%tr for {loop} %}}", total, span=len(columns))])
    data = row([value(c, w, align=None) for c, (_, w) in zip(cells, columns)], height_twips=height)
    end = row([value("{%tr endfor %}", total, span=len(columns))])
    return table([header, start, data, end, *(extra_rows or [])], widths, style="a-grid")


def opinion_cell(heading_text: str, signer: str, room: int, width: int, span: int = 1) -> str:
    """A cell for an opinion written by hand: its heading, `room` empty lines, then the signature
    and the date at the bottom right (on one line when the cell is the full width)."""
    closing = (
        [f"{signer}　　日期：{SIGN_DATE}"] if width >= WIDTH else [signer, f"日期：{SIGN_DATE}"]
    )
    body = [
        plain([run(heading_text, bold=True, size_pt=SMALL)]),
        *[plain([run("", size_pt=SMALL)]) for _ in range(room)],
        *[plain([run(text, size_pt=SMALL)], align="right") for text in closing],
    ]
    # top-aligned: the heading of a short cell stays level with its neighbour's
    return cell(body, width, span=span).replace(
        '<w:vAlign w:val="center"/>', '<w:vAlign w:val="top"/>'
    )


def opinion_row(heading_text: str, signer: str, room: int = 2) -> str:
    """A full-width row for an opinion written by hand."""
    return row([opinion_cell(heading_text, signer, room, WIDTH)])


def signatures(left: list[str], right: list[str]) -> str:
    """Two signature blocks side by side (a table without borders), one line each."""
    half = WIDTH // 2
    return table(
        [
            row(
                [
                    cell([plain(t) for t in left], half),
                    cell([plain(t) for t in right], WIDTH - half),
                ]
            )
        ],
        [half, WIDTH - half],
        borders=False,
    )


def checkbox(*choices: str) -> str:
    return "　".join(f"□{c}" for c in choices)


# ----------------------------------------------------------------------------------- the forms
def check_form(path: Path) -> None:
    """防止返贫动态监测核查表 (seed 三.一.(二).2③ 一是入户核实): one household per page (up to about
    eight members; a longer member table runs on with its header repeated)."""
    quarter = [1900, WIDTH // 2 - 1900, 1900, WIDTH - WIDTH // 2 - 1900]
    basic = kv_table(
        [[("户主", "{{ head }}"), ("户主身份证号", "{{ head_id_masked }}")],
         [("户类型", "{{ category }}"), ("监测类型", "{{ monitor_type }}")],
         [("家庭人口", "{{ member_count }}"), ("联系电话", "{{ phone }}")],
         [("家庭年人均纯收入", "{{ income }}"), ("上年人均纯收入", "{{ prev_income }}")],
         [("核查事由", "{{ reason }}"), ("风险类型", "{{ risk_types }}")]],
        quarter,
    )  # fmt: skip
    columns = [("序号", 600), ("姓名", 1100), ("与户主关系", 1250), ("年龄", 640),
               ("健康状况", 1250), ("劳动技能", 2150)]  # fmt: skip  # 弱劳动力或半劳动力 on one line
    columns.append(("在校/务工", WIDTH - sum(w for _, w in columns) - 1150))
    columns.append(("参加医保", 1150))
    blank_row = row([value("", w, align=None) for _, w in columns], height_twips=330)
    members = loop_table(
        columns,
        "m in members",
        ["{{ loop.index }}", "{{ m.name }}", "{{ m.relation }}", "{{ m.age }}", "{{ m.health }}", "{{ m.labor }}", "{{ m.school_work }}", "{{ m.insured }}"],
        extra_rows=[blank_row],
    )  # fmt: skip
    money = "＿＿＿＿＿＿元"
    income = kv_table(
        [[("工资性收入", "{{ wage_income }}"), ("生产经营性收入", "{{ business_income }}")],
         [("财产性收入", money), ("转移性收入", money)],
         [("生产经营性支出", money), ("核实后人均纯收入", money)]],
        quarter,
    )  # fmt: skip
    secure = kv_table(
        [[("不愁吃、不愁穿", checkbox("是", "否")), ("义务教育", checkbox("有保障", "有失学辍学"))],
         [("基本医疗", checkbox("全员参保", "有未参保")), ("住房安全等级", "{{ housing_grade }}")],
         [("住房面积", "{{ housing_area }}"), ("危房改造状态", "{{ renovation }}")],
         [("人均日用水量", "{{ water_liters }}（标准≥{{ water_min_liters }}升）"),
          ("取水往返时间", "{{ water_minutes }}（标准≤{{ water_max_minutes }}分钟）")],
         [("水质达标", "{{ water_quality }}"), ("饮水安全", checkbox("有保障", "无保障"))]],
        quarter,
    )  # fmt: skip
    opinion = table(
        [opinion_row("返贫致贫风险（含大额医疗、教育等刚性支出）及核查意见，有变化的逐项注明：",
                     "核查人（签字）：＿＿＿＿　户主（签字按手印）：＿＿＿＿", room=2)],
        [WIDTH],
        style="a-grid",
    )  # fmt: skip
    body = "".join(
        [
            title("防止返贫动态监测核查表"),
            subtitle("{{ township }}{{ village }}　　户编号：{{ household_id }}"),
            heading("一、家庭基本情况"),
            basic,
            heading("二、家庭成员情况"),
            members,
            heading("三、家庭收入情况（人均，元/年；空白处入户核实时填写）"),
            income,
            heading("四、“两不愁三保障”及饮水安全情况"),
            secure,
            heading("五、核查意见"),
            opinion,
            note(
                "表中印出的是截至{{ as_of }}数据中的信息，入户时逐项核实；“＿＿＿＿”处为数据中没有的信息，"
                "请当面问清后如实填写，不得代填。数据中没有的家庭成员写在成员表的空行中。"
            ),
        ]
    )  # fmt: skip
    _save(body, "防止返贫动态监测核查表", path)


def consent_form(path: Path) -> None:
    """承诺授权书 (seed 三.一.(二).2③: 有申报意愿的农户，签订承诺授权书; 二是信息比对)."""
    columns = [("序号", 700), ("姓名", 1700), ("与户主关系", 1500), ("身份证号", 2700)]
    columns.append(("本人签字（按手印）", WIDTH - sum(w for _, w in columns)))
    blank_row = row([value("", w, align=None) for _, w in columns], height_twips=600)
    signers = loop_table(
        columns,
        "s in signers",
        ["{{ loop.index }}", "{{ s.name }}", "{{ s.relation }}", "{{ s.id_masked }}", ""],
        height=600,
        extra_rows=[blank_row, blank_row],
    )
    body = "".join(
        [
            title("防止返贫动态监测承诺授权书"),
            subtitle("{{ township }}{{ village }}　　户主：{{ head }}　　户编号：{{ household_id }}"),
            plain("{{ county }}乡村振兴部门：", style=S["recipient"]),
            plain(
                "本户申请（或配合）开展防止返贫动态监测，承诺并授权如下：", indent=True
            ),
            plain(
                [run("一、承诺。", bold=True),
                 run("本户提供的家庭成员、收入、财产、“两不愁三保障”及饮水安全等情况真实、完整，"
                     "没有隐瞒或虚报；家庭情况发生变化时，及时告知村（居）民委员会。如有不实，本户愿意承担相应责任。")],
                indent=True,
            ),
            plain(
                [run("二、授权。", bold=True),
                 run("本户家庭成员同意并授权{{ county }}乡村振兴部门会同公安、民政、人力资源社会保障、医疗保障、"
                     "住房城乡建设、市场监管、不动产登记等部门，查询、比对本户家庭成员的户籍、收入、财产、"
                     "社会保障、就业、医疗、住房、车辆、经营主体等信息，用于防止返贫动态监测。")],
                indent=True,
            ),
            plain(
                [run("三、用途。", bold=True),
                 run("查询、比对所得信息仅用于防止返贫动态监测和帮扶工作，不作他用。")],
                indent=True,
            ),
            heading("家庭成员签字"),
            signers,
            note(
                "印出的是数据中年满18周岁的家庭成员（截至{{ as_of }}）；数据中没有的成年家庭成员请在空行中补写。"
                "未成年家庭成员由其监护人代为授权。"
            ),
            plain(""),
            plain(f"户主（签字按手印）：＿＿＿＿＿＿　　　　日期：{SIGN_DATE}"),
            plain(""),
            plain(f"村级经办人（签字）：＿＿＿＿＿＿　　　　日期：{SIGN_DATE}"),
            plain("村（居）民委员会（盖章）", align="right"),
        ]
    )  # fmt: skip
    _save(body, "承诺授权书", path)


def job_agreement(path: Path) -> None:
    """乡村公益性岗位协议 (seed 三.四.(二).6, 三.四.(三).5: 无公益岗位协议，无考勤记录)."""
    quarter = [2000, WIDTH // 2 - 2000, 1500, WIDTH - WIDTH // 2 - 1500]
    parties = kv_table(
        [[("甲方（设岗单位）", "{{ employer }}")],
         [("乙方（岗位人员）", "{{ name }}"), ("性别", "{{ sex }}")],
         [("身份证号", "{{ id_masked }}"), ("家庭联系电话", "{{ phone }}")],
         [("户籍所在村", "{{ township }}{{ village }}"), ("户编号", "{{ household_id }}")],
         [("户类型", "{{ category }}")]],
        quarter,
    )  # fmt: skip
    post = kv_table(
        [[("岗位名称", "{{ post }}"), ("本次安置", "{{ placements }}")],
         [("开始日期", "{{ start }}"), ("结束日期", "{{ end }}")],
         [("岗位补贴", "{{ subsidy }}"), ("工作地点", "＿＿＿＿＿＿＿＿")]],
        quarter,
    )  # fmt: skip

    def clause(head: str, text: str) -> str:
        return plain([run(head, bold=True), run(text)], indent=True)

    body = "".join(
        [
            title("乡村公益性岗位协议"),
            subtitle("{{ township }}{{ village }}　　{{ post }}"),
            heading("一、协议双方"),
            parties,
            heading("二、岗位、期限和补贴"),
            post,
            plain(
                [run("乡村公益性岗位补贴期限一般不超过{{ max_years }}年，累计安置不超过{{ max_placements }}次。"
                     "{% if limit %}本岗位自{{ start }}起，补贴期限不晚于{{ limit }}届满。{% endif %}", size_pt=9)],
                style=S["note"],
            ),
            heading("三、双方约定"),
            clause("1．岗位职责：", "＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿"),
            plain("＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿", indent=True),
            clause("2．工作时间：", "＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿"),
            clause("3．考勤：", "甲方按月考勤，考勤方式：＿＿＿＿＿＿＿＿＿＿；考勤记录由乙方签字确认，作为发放岗位补贴的依据。"),
            clause("4．补贴发放：", "甲方按月足额发放，不得拖欠、截留；发放方式：＿＿＿＿＿＿。"),
            clause("5．履职：", "乙方本人在岗履职，不得由他人顶岗、替岗；无故不履职的，甲方可按规定调整岗位或解除协议。"),
            clause("6．保险：", "甲方按规定为乙方购买意外伤害商业保险。"),
            clause("7．其他约定：", "＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿"),
            clause("8．", "本协议一式两份，甲乙双方各执一份，自双方签字（盖章）之日起生效。"),
            plain(""),
            signatures(
                ["甲方（盖章）：", "", "负责人（签字）：＿＿＿＿＿＿", f"日期：{SIGN_DATE}"],
                ["乙方（签字按手印）：", "", "", f"日期：{SIGN_DATE}"],
            ),
            note("“＿＿＿＿”处为数据中没有的信息，签订时由双方如实填写。"),
        ]
    )  # fmt: skip
    _save(body, "公益岗位协议", path)


def deferral_form(path: Path) -> None:
    """义务教育阶段学生延缓入学（休学）审批表 (seed 二.一.(二).1③④, 二.一.(三).1④)."""
    quarter = [2300, WIDTH // 2 - 2300, 1900, WIDTH - WIDTH // 2 - 1900]
    basic = kv_table(
        [[("学生姓名", "{{ name }}"), ("学籍号", "{{ student_no }}")],
         [("身份证号", "{{ id_masked }}"), ("申请类别", "{{ kind_marks }}")],
         [("就读学校", "{{ school }}")],
         [("年级", "{{ grade }}"), ("班级", "{{ class_name }}")],
         [("监护人", "{{ guardian }}"), ("监护人电话", "{{ guardian_phone }}")],
         [("家庭住址", "{{ village }}"), ("家庭类别", "{{ household_category }}")],
         [("辍学原因", "{{ reason }}")],
         [("发现辍学日期", "{{ found_on }}"), ("劝返情况", "{{ persuasions }}")],
         [("报县联合劝返工作组", "{{ reported_on }}"), ("县残联评估认定", "{{ assessed_on }}")],
         [("县级批准日期", "{{ approved_on }}")]],
        quarter,
    )  # fmt: skip
    half = WIDTH // 2
    halves = [half, WIDTH - half]
    head = "负责人（签字）：＿＿＿＿＿＿　（盖章）"

    def full(heading_text: str, signer: str) -> str:
        return row([opinion_cell(heading_text, signer, 1, WIDTH, span=2)])

    opinions = table(
        [
            full("监护人申请（说明理由）：", "监护人（签字按手印）：＿＿＿＿＿＿"),
            row([opinion_cell("学校意见：", head, 2, halves[0]),
                 opinion_cell("乡镇人民政府意见：", head, 2, halves[1])]),
            row([cell("{%tr if disability %}", WIDTH, span=2, style=S["table"])]),
            full("县级残疾人教育专家委员会评估意见：", "（盖章）"),
            row([cell("{%tr endif %}", WIDTH, span=2, style=S["table"])]),
            row([opinion_cell("县级教育行政部门意见：", head, 2, halves[0]),
                 opinion_cell("县级人民政府（或乡村振兴工作领导小组）审批意见：", "（盖章）", 2, halves[1])]),
        ],
        halves,
        style="a-grid",
    )  # fmt: skip
    body = "".join(
        [
            title("义务教育阶段学生延缓入学（休学）审批表"),
            subtitle("{{ school }}　　截至{{ as_of }}"),
            heading("一、学生基本情况"),
            basic,
            heading("二、审批意见"),
            opinions,
            note(
                "经联合劝返{{ min_attempts }}次以上或经司法部门判决裁定监护人已履行法定义务但学生本人拒不返校的，"
                "报县级人民政府或乡村振兴工作领导小组批准；身体不具备学习条件的，经县级残疾人教育专家委员会评估认定。"
                "批准后继续做好劝返复学、超龄后的离校标注和台账销号。“＿＿＿＿”处为数据中没有的信息，请如实填写。"
            ),
        ]
    )  # fmt: skip
    _save(body, "延缓入学休学审批表", path)


def main() -> None:
    out = ROOT / "templates" / "docx"
    check_form(out / "防止返贫动态监测核查表.docx")
    consent_form(out / "承诺授权书.docx")
    job_agreement(out / "公益岗位协议.docx")
    deferral_form(out / "延缓入学休学审批表.docx")


if __name__ == "__main__":
    main()
