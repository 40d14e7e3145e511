"""Build the card-like templates (学生资助明白卡, 温馨告知书, 防止返贫监测明白纸, 控辍保学档案) under templates/docx/.

    python tools/build_aid_templates.py      (deterministic: re-running reproduces the same bytes)

They use the official-document styles of reportgen.engine.officialdoc on a card-sized grid
(A4, 20 mm margins, 小四 body) so that one card fits one page.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.engine import officialdoc as od  # noqa: E402
from reportgen.engine.ooxml import DocxPackage, cell, mm_to_twips, para, row, run, table  # noqa: E402

CARD_PAGE = od.PageSetup(
    top=18, bottom=16, left=20, right=20, lines=44, chars=40, body_pt=12, footer=8, header=10
)
S = od.STYLE_IDS
BODY_LINE = 20  # points: the 小四 (12 pt) body's fixed line height
TABLE_LINE = 14  # points: the 五号 (10.5 pt) table text's
NO_INDENT = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'


def _card_styles() -> str:
    """The official styles with fixed line heights (a card has no line grid): 20 pt lines for the
    小四 body, 30 pt for the title, so that a card takes the same room whatever face stands in for
    仿宋 (od.exact_line)."""
    styles = od.styles_xml(CARD_PAGE)
    anchor = '<w:widowControl w:val="0"/><w:jc w:val="both"/>'
    title = '<w:spacing w:after="579"/>'
    assert anchor in styles and title in styles, (
        "officialdoc.styles_xml changed: update the card line spacing"
    )
    styles = styles.replace(title, od.exact_line(BODY_LINE + 10, after=200))
    # table text in 五号 (10.5 pt) on 14 pt lines: a card's tables (eight members, ten measures)
    # must leave the page room on the worst record
    for style in ("a-table", "a-table-header"):
        block = re.search(rf'<w:style [^>]*w:styleId="{style}">.*?</w:style>', styles).group(0)  # type: ignore[union-attr]
        small = block.replace(od.exact_line(16), od.exact_line(TABLE_LINE)).replace(
            '<w:sz w:val="24"/><w:szCs w:val="24"/>', '<w:sz w:val="21"/><w:szCs w:val="21"/>'
        )
        assert small != block, f"officialdoc.styles_xml changed: update the card's {style}"
        styles = styles.replace(block, small)
    return styles.replace(
        anchor, f'<w:widowControl w:val="0"/>{od.exact_line(BODY_LINE)}<w:jc w:val="both"/>'
    )


def _package(body: str, title: str) -> DocxPackage:
    pkg = DocxPackage(body, "", styles=_card_styles(), font_table=od.font_table_xml(),
                      settings=od.settings_xml(even_and_odd=False), title=title)  # fmt: skip
    footer = pkg.add_footer(para("{{ _meta.footnote }}", style=S["note"], align="center"))
    # No document grid: a card is not a 公文 page, and snapping 小四 lines to a grid doubles them.
    section = od.sect_pr(CARD_PAGE, footer_default=footer)
    pkg.sect_pr = re.sub(r"<w:docGrid [^>]*/>", '<w:docGrid w:linePitch="312"/>', section)
    return pkg


def _plain(text: str, **opts) -> str:
    return para(text, ppr_extra=NO_INDENT, **opts)


def _tr_table(
    columns: list[tuple[str, int]], loop: str, cells: list[str], end_rows: list[str] | None = None
) -> str:
    widths = [w for _, w in columns]
    total = sum(widths)
    header = row(
        [cell(h, w, style=S["table_header"], shade="E7EEF7") for h, w in columns], header=True
    )
    start = row([cell(f"{{%tr for {loop} %}}", total, span=len(columns), style=S["table"])])
    data = row([cell(c, w, style=S["table"]) for c, (_, w) in zip(cells, columns)])
    end = row([cell("{%tr endfor %}", total, span=len(columns), style=S["table"])])
    return table([header, start, data, end, *(end_rows or [])], widths, style="a-grid")


def aid_card(path: Path) -> None:
    width = CARD_PAGE.text_width_twips
    policy_table = _tr_table(
        [
            ("资助项目", 2500),
            ("资助对象", width - 2500 - 2300 - 800),
            ("资助标准", 2300),
            ("本生", 800),
        ],
        "p in policies",
        ["{{ p.name }}", "{{ p.who }}", "{{ p.amount }}", "{{ p.mark }}"],
    )
    body = "".join(
        [
            para("学生资助政策明白卡", style=S["title"]),
            para("（{{ school_year }}）", style=S["docno"]),
            _plain(
                [
                    run("学校："),
                    run("{{ school }}", bold=True),
                    run("　　年级班级："),
                    run("{{ grade }}{{ class_name }}", bold=True),
                ]
            ),
            _plain(
                [
                    run("学生："),
                    run("{{ name }}", bold=True),
                    run("　　学籍号：{{ student_no }}　　身份证号：{{ id_masked }}"),
                ]
            ),
            para("一、{{ stage }}阶段学生资助政策", style=S["h1"]),
            policy_table,
            _plain(
                "“本生”一栏打“✔”的，是根据学校登记的信息，您的孩子可能符合的项目。", style=S["note"]
            ),
            para("二、您的孩子可能享受的资助", style=S["h1"]),
            para("{%p if eligible %}"),
            para("{%p for e in eligible %}"),
            _plain([run("✔ "), run("{{ e.name }}", bold=True), run("：{{ e.amount }}")]),
            para("{%p endfor %}"),
            _plain(
                [
                    run("预计每年合计："),
                    run("{{ total }}元（{{ total_daxie }}）", bold=True),
                    run("。实际以学校认定和发放为准。"),
                ]
            ),
            para("{%p else %}"),
            para(
                "根据学校登记的信息，目前暂未发现符合条件的资助项目。家庭经济困难的，可向学校申请认定。"
            ),
            para("{%p endif %}"),
            para("{%p if review_groups %}"),
            para(
                [
                    run("提示：", bold=True),
                    run(
                        "您的家庭属于{{ review_groups }}，学校尚未认定您的孩子为家庭经济困难学生。按政策这类学生应重点保障，请向学校申请家庭经济困难学生认定。"
                    ),
                ]
            ),
            para("{%p endif %}"),
            para("三、如何申请", style=S["h1"]),
            para(
                "1．家庭经济困难学生认定：每学年秋季学期开学后，由学生或家长向学校提出申请，如实填写认定申请表，学校按程序评议、认定并公示。"
            ),
            para(
                "2．原建档立卡、监测户、低保、特困供养、孤儿、事实无人抚养儿童、残疾学生等家庭，学校通过数据比对重点保障；未享受的请及时向学校反映。"
            ),
            para(
                "3．春季学期结束前，学校将发放《学生受助情况温馨告知书》，告知实际发放的资助项目和金额。"
            ),
            para("4．学生资助不收取任何费用。凡索要银行卡密码、验证码或要求转账的，都是诈骗。"),
            para("四、咨询电话", style=S["h1"]),
            _plain("学校资助咨询电话：{{ school_hotline or '请向学校询问' }}"),
            _plain(
                "{% if county_hotline %}{{ county }}学生资助咨询电话：{{ county_hotline }}{% endif %}"
            ),
            para("{{ school }}", style=S["signature"]),
        ]
    )
    _package(body, "学生资助政策明白卡").save(path)


def aid_notice(path: Path) -> None:
    """One letter per aided student: a school year's payments grouped by term, with each term's
    小计 (`yearly`), or one term's payments; the grand total with its 大写."""
    width = CARD_PAGE.text_width_twips
    cols = [
        ("序号", 900),
        ("资助项目", width - 900 - 2200 - 2600),
        ("金额（元）", 2200),
        ("发放日期", 2600),
    ]
    total = sum(w for _, w in cols)

    def tag(text: str) -> str:  # a row that holds only a {%tr %} tag
        return row([cell(text, total, span=len(cols), style=S["table"])])

    header = row(
        [cell(h, w, style=S["table_header"], shade="E7EEF7") for h, w in cols], header=True
    )
    term_row = row(
        [cell("{{ t.term }}", total, span=len(cols), style=S["table_header"], align="left")]
    )
    item_row = row(
        [
            cell(c, w, style=S["table"])
            for c, (_, w) in zip(
                ["{{ i.no }}", "{{ i.name }}", "{{ i.amount }}", "{{ i.paid_on }}"], cols
            )
        ]
    )
    subtotal_row = row(
        [
            cell("{{ t.term }}小计", cols[0][1] + cols[1][1], span=2, style=S["table"]),
            cell("{{ t.total }}", cols[2][1], style=S["table"]),
            cell("{{ t.total_daxie }}", cols[3][1], style=S["table"]),
        ]
    )
    total_row = row(
        [
            cell("{% if yearly %}学年合计{% else %}合计{% endif %}", cols[0][1] + cols[1][1], span=2,
                 style=S["table_header"]),
            cell("{{ total }}", cols[2][1], style=S["table_header"]),
            cell("{{ total_daxie }}", cols[3][1], style=S["table"]),
        ]
    )  # fmt: skip
    items = table(
        [
            header,
            tag("{%tr for t in terms %}"),
            tag("{%tr if yearly %}"),
            term_row,
            tag("{%tr endif %}"),
            tag("{%tr for i in t.payments %}"),
            item_row,
            tag("{%tr endfor %}"),
            tag("{%tr if yearly and terms|length > 1 %}"),
            subtotal_row,
            tag("{%tr endif %}"),
            tag("{%tr endfor %}"),
            total_row,
        ],
        [w for _, w in cols],
        style="a-grid",
    )
    body = "".join(
        [
            para("学生受助情况温馨告知书", style=S["title"]),
            para("（{{ period }}）", style=S["docno"]),
            _plain("{{ name }}同学家长：", style=S["recipient"]),
            para(
                "您好！{{ period }}{% if yearly %}（{{ terms|map(attribute='term')|join('、') }}）{% endif %}，您的孩子{{ name }}（{{ school }}{{ grade }}{{ class_name }}，学籍号 {{ student_no }}）享受了以下国家学生资助{% if yearly and terms|length > 1 %}（按学期列出）{% endif %}："
            ),
            items,
            para("{%p if not_yet %}"),
            para("{{ not_yet|join('、') }}尚无发放记录，发放后以学校通知为准。"),
            para("{%p endif %}"),
            para(
                "以上资助资金已按规定发放。如对资助项目、金额或发放时间有疑问，请拨打学校资助咨询电话{{ school_hotline or '（请向学校询问）' }}{% if county_hotline %}，或{{ county }}学生资助咨询电话{{ county_hotline }}{% endif %}。"
            ),
            para(
                "国家学生资助不收取任何费用，请勿相信索要银行卡密码、验证码或要求转账的电话和短信，谨防诈骗。"
            ),
            para(""),
            para("{{ school }}", style=S["signature"]),
            para("{{ _meta.generated_on }}", style=S["date"]),
        ]
    )
    _package(body, "学生受助情况温馨告知书").save(path)


def _kv_table(pairs: list[list[tuple[str, str]]], widths: list[int]) -> str:
    """A label/value grid: each row is [(label, value), …]; a lone pair spans the whole row."""
    rows = []
    for pairs_of_row in pairs:
        cells = []
        if len(pairs_of_row) == 1:
            label, value = pairs_of_row[0]
            cells = [cell(label, widths[0], style=S["table_header"], shade="E7EEF7"),
                     cell(value, sum(widths[1:]), span=len(widths) - 1, style=S["table"])]  # fmt: skip
        else:
            for i, (label, value) in enumerate(pairs_of_row):
                cells += [
                    cell(label, widths[2 * i], style=S["table_header"], shade="E7EEF7"),
                    cell(value, widths[2 * i + 1], style=S["table"]),
                ]
        rows.append(row(cells))
    return table(rows, widths, style="a-grid")


def monitor_sheet(path: Path) -> None:
    """防止返贫监测申报政策和帮扶政策明白纸 (seed 三.一.(三).4③). A household being monitored now
    (`monitored`) gets two pages: the 明白卡 (its own facts), then 申报政策 and 帮扶政策. A 脱贫户 not
    monitored (`card` without `monitored`) gets its 脱贫人口明白卡, then the 申报政策 page. Any other
    household (--all) gets the 申报政策 alone on one page, with its head's name and no hint of
    monitoring: 排查 covers every rural household and 自主申报 is one of its ways (三.一.(二).1①②)."""
    width = CARD_PAGE.text_width_twips
    quarter = [1700, width // 2 - 1700, 2100, width - width // 2 - 2100]
    basic = _kv_table(
        [[("户主", "{{ head }}"), ("户类型", "{{ category }}")],
         [("家庭人口", "{{ member_count }}人"), ("上年人均纯收入", "{{ income }}")],
         [("风险类型", "{{ risk_types }}")],
         [("风险发现日期", "{{ found_on }}"), ("县级审批纳入", "{{ approved_on }}")],
         [("风险消除日期", "{{ eliminated_on or '—' }}"), ("户编号", "{{ household_id }}")],
         [("帮扶责任人", "{{ helper }}"), ("联系电话", "{{ helper_phone }}")],
         [("工作单位", "{{ helper_unit }}")]],
        quarter,
    )  # fmt: skip
    members = _tr_table(
        [
            ("姓名", 1600),
            ("与户主关系", 1600),
            ("年龄", 1000),
            ("身份证号", 3000),
            ("劳动技能", width - 7200),
        ],
        "m in members",
        ["{{ m.name }}", "{{ m.relation }}", "{{ m.age }}", "{{ m.id_masked }}", "{{ m.labor }}"],
    )
    measures = _tr_table(
        [
            ("序号", 600),
            ("措施类别", 1100),
            ("措施内容", width - 600 - 1100 - 2000),  # 27 characters on a line
            ("落实日期", 2000),  # 2023年12月31日 on one line
        ],
        "x in measures",
        ["{{ loop.index }}", "{{ x.category }}", "{{ x.content }}", "{{ x.date }}"],
    )
    small = {"size_pt": 10.5}

    def tight(runs, **opts):  # 10.5 pt policy text: 14 pt lines
        return para(runs, ppr_extra=od.exact_line(14), **opts)

    # How to apply, with the 一码通 QR code beside it (not below: page 2 must stay one page). The
    # national hotline (policy monitoring.hotline, 12317: the 防止返贫监测和乡村振兴咨询服务平台 of
    # seed 三.一.(二).1②) is always printed, the county's own number before it when configured.
    qr_width = 1700
    apply_text = [
        tight(
            [
                run("（一）农户自主申报：拨打{% if county_hotline %}本县申报电话", **small),
                run("{{ county_hotline }}", bold=True, **small),
                run("或{% endif %}防止返贫监测和乡村振兴咨询服务热线", **small),
                run("{{ national_hotline }}", bold=True, **small),
                run("{% if qr %}，或扫描右侧二维码通过“一码通”申报{% endif %}；", **small),
            ]
        ),
        tight([run("（二）基层干部排查：村“两委”、驻村工作队、帮扶责任人定期走访排查；", **small)]),
        tight(
            [
                run(
                    "（三）部门筛查预警：教育、卫健、医保、民政、人社、住建、水利等部门数据比对预警。",
                    **small,
                )
            ]
        ),
    ]
    qr_cell = [
        para("{%p if qr %}"),
        para(
            [run("{{ qr }}")],
            align="center",
            ppr_extra='<w:spacing w:line="240" w:lineRule="auto"/>',
        ),  # a picture: not exact
        tight([run("{{ qr_text }}", size_pt=9)], align="center"),
        para("{%p endif %}"),
    ]
    apply_table = table(
        [row([cell(apply_text, width - qr_width), cell(qr_cell, qr_width)], cant_split=True)],
        [width - qr_width, qr_width],
        borders=False,
    )

    card = [
        para("{{ card_title }}", style=S["title"]),
        para("{{ township }}{{ village }}", style=S["docno"]),
        para("一、家庭基本情况", style=S["h1"]),
        basic,
        para("二、家庭成员", style=S["h1"]),
        members,
        para("三、已落实的帮扶措施", style=S["h1"]),
        para("{%p if measures %}"),
        measures,
        para("{%p else %}"),
        _plain("暂无记录。已落实的措施：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿"),
        para("{%p endif %}"),
        _plain("表中“＿＿＿＿”处为数据中没有的信息，请核实后如实填写，不得代填。", style=S["note"]),
        para(""),
        _plain("户主（签字）：＿＿＿＿＿　帮扶责任人（签字）：＿＿＿＿＿　日期：＿＿＿＿＿"),
        # the break's own line is 1 pt high: it never pushes a full card's last line over
        para([run(raw='<w:br w:type="page"/>')], ppr_extra=od.exact_line(1)),
    ]  # fmt: skip
    paper_title = para(
        "防止返贫监测申报政策和帮扶政策明白纸",
        style=S["title"],
        ppr_extra='<w:spacing w:after="120"/>',
    )
    # Nothing here says the household is monitored: only who it is, so the page can be handed out.
    declaration_head = [
        para("防止返贫监测申报政策明白纸", style=S["title"]),
        para("{{ township }}{{ village }}　户主：{{ head }}　户编号：{{ household_id }}", style=S["docno"]),
        _plain("防止返贫动态监测排查覆盖所有农村家庭。家中遇到困难、担心返贫致贫的，可以随时主动申报。"),
    ]  # fmt: skip
    declaration = [
        para("一、哪些家庭可以纳入监测", style=S["h1"]),
        tight([run("以户为单位，监测{{ monitor_types }}。{{ policy_year }}年以家庭年人均纯收入", **small),
              run("{{ income_line }}元", bold=True, **small),
              run("为参考，同时综合考虑“两不愁三保障”及饮水安全状况、返贫致贫风险等情况。", **small)]),
        para("二、怎样申请", style=S["h1"]),
        apply_table,
        para("三、识别程序和时限", style=S["h1"]),
        # steps come with their notes (policy monitoring.step_notes): the 承诺授权书 of 入户核实
        tight([run("{% for s in steps %}{{ loop.index }}．{{ s }}{% if not loop.last %} → {% endif %}{% endfor %}。", **small)]),
        tight([run("村级初选后在村内公示不少于{{ publicity_days }}天；从发现风险线索到完成识别认定一般不超过{{ identification_days }}天；"
                  "县级批准后{{ entry_days }}天内完成系统录入，{{ plan_days }}天内明确帮扶责任人、制定帮扶计划。", **small)]),
    ]  # fmt: skip
    support = [
        para("四、风险消除", style=S["h1"]),
        tight([run("收入稳定超过当年监测范围，“三保障”和饮水安全持续巩固，返贫致贫风险已稳定消除的，按入户核查、村级初选"
                  "（公示不少于{{ publicity_days }}天）、乡级审核、县级审批、结果公告、系统标注的程序标注风险消除。", **small)]),
        para("五、帮扶政策（标“★”的与您家情况相关）", style=S["h1"]),
        para("{%p for p in policies %}"),
        para("{%p if p.highlight %}"),
        tight([run("★{{ p.title }}（{{ p.reason }}）：", bold=True, **small), run("{{ p.text }}", bold=True, **small)]),
        para("{%p else %}"),
        tight([run("{{ p.title }}：", bold=True, **small), run("{{ p.text }}", **small)]),
        para("{%p endif %}"),
        para("{%p endfor %}"),
    ]  # fmt: skip
    receipt = [
        para(""),
        _plain("户主（签收）：＿＿＿＿＿　发放人（签字）：＿＿＿＿＿　日期：＿＿＿＿＿"),
    ]
    # `card`: a household being monitored (监测对象明白卡) or a 脱贫户 (脱贫人口明白卡); only the
    # monitored get the 帮扶政策 (seed 三.一.(三).4③ names both cards).
    body = "".join(
        [
            para("{%p if card %}"),
            *card,
            para("{%p endif %}"),
            para("{%p if monitored %}"),
            paper_title,
            para("{%p else %}"),
            *declaration_head,
            para("{%p endif %}"),
            *declaration,
            para("{%p if monitored %}"),
            *support,
            para("{%p else %}"),
            *receipt,
            para("{%p endif %}"),
        ]
    )
    _package(body, "防止返贫监测明白纸").save(path)


def dropout_archive(path: Path) -> None:
    """控辍保学档案: 登记表, 劝返记录表, 送教上门记录表 (when 送教上门), 处置情况, 发现的问题; one student per file."""
    width = CARD_PAGE.text_width_twips
    quarter = [1700, width // 2 - 1700, 1700, width - width // 2 - 1700]
    five = {"size_pt": 10.5}

    def grid(columns: list[tuple[str, int]], loop: str, cells: list[str]) -> str:
        widths = [w for _, w in columns]
        total = sum(widths)
        header = row(
            [cell(h, w, style=S["table_header"], shade="E7EEF7", **five) for h, w in columns],
            header=True,
        )
        start = row([cell(f"{{%tr for {loop} %}}", total, span=len(columns), style=S["table"])])
        data = row([cell(c, w, style=S["table"], **five) for c, (_, w) in zip(cells, columns)])
        end = row([cell("{%tr endfor %}", total, span=len(columns), style=S["table"])])
        return table([header, start, data, end], widths, style="a-grid")

    register = _kv_table(
        [[("姓名", "{{ name }}"), ("学籍号", "{{ student_no }}")],
         [("身份证号", "{{ id_masked }}"), ("当前状态", "{{ status }}")],
         [("学校", "{{ school }}")],
         [("年级", "{{ grade }}"), ("班级", "{{ class_name }}")],
         [("监护人", "{{ guardian }}"), ("联系电话", "{{ guardian_phone }}")],
         [("家庭类别", "{{ household_category }}"), ("所在村", "{{ village }}")],
         [("辍学原因", "{{ reason }}")],
         [("发现日期", "{{ found_on }}"), ("档案截至", "{{ as_of }}")]],
        quarter,
    )  # fmt: skip
    attempts = grid(
        [("序号", 600), ("劝返日期", 1750), ("劝返人员（单位）", width - 600 - 1750 - 1250 - 1250),
         ("劝返方式", 1250), ("劝返结果", 1250)],
        "p in persuasions",
        ["{{ p.no }}", "{{ p.date }}", "{{ p.persons }}", "{{ p.method }}", "{{ p.result }}"],
    )  # fmt: skip
    visits = grid(
        [("序号", 600), ("送教日期", 1750), ("送教教师", 2400), ("课时", 650),
         ("送教内容", width - 600 - 1750 - 2400 - 650 - 1500), ("备注", 1500)],
        "v in visits",
        ["{{ v.no }}", "{{ v.date }}", "{{ v.teacher }}", "{{ v.hours }}", "{{ v.content }}", "{{ v.counted }}"],
    )  # fmt: skip
    month_width = width // 4
    months = grid(
        [("月份", month_width), ("送教次数", month_width), ("达到课时的次数", month_width),
         ("是否达标", width - 3 * month_width)],
        "m in months",
        ["{{ m.month }}", "{{ m.visits }}", "{{ m.counted }}", "{{ m.verdict }}"],
    )  # fmt: skip
    label = width * 2 // 5
    disposal = _kv_table(
        [[("报县联合劝返工作组日期", "{{ reported_on }}")],
         [("县级批准日期（延缓入学/休学）", "{{ approved_on }}")],
         [("县残联评估认定日期", "{{ assessed_on }}")],
         [("复学或结案", "{{ outcome }}")]],
        [label, width - label],
    )  # fmt: skip
    small = {"style": S["note"]}

    def heading(text: str) -> str:  # a little air between a table and the next heading
        return para(text, style=S["h1"], ppr_extra='<w:spacing w:before="160" w:after="60"/>')

    body = "".join(
        [
            para("控辍保学学生档案", style=S["title"], ppr_extra='<w:spacing w:after="120"/>'),
            para("（一生一表一档案）", style=S["docno"]),
            _plain("{{ school }}　{{ grade }}{{ class_name }}　{{ name }}", align="center"),
            heading("一、辍学学生登记表"),
            register,
            heading("二、劝返记录表"),
            para("{%p if persuasions %}"),
            attempts,
            para("{%p else %}"),
            _plain("截至{{ as_of }}没有劝返记录。"),
            para("{%p endif %}"),
            _plain("共劝返{{ persuasion_count }}次，其中未返校{{ failed_count }}次。劝返不少于{{ min_attempts }}次仍不复学的，"
                   "应报县联合劝返工作组（梳理 二.一.(二).1②）。", **small),
            para("{%p if home_teaching %}"),
            heading("三、送教上门记录表"),
            para("{%p if visits %}"),
            visits,
            para("{%p else %}"),
            _plain("截至{{ as_of }}没有送教记录。"),
            para("{%p endif %}"),
            _plain("每月送教情况（标准：{{ standard }}，不足课时的送教不计次；梳理 二.一.(二).4）：", **small),
            para("{%p if months %}"),
            months,
            _plain("检查期间：{{ judged_through }}（从首次送教的月份到截至日已满的最后一个月）；未达标{{ months_under }}个月。", **small),
            para("{%p else %}"),
            _plain("尚无已满的月份可检查（首次送教在本月，或没有送教记录）。", **small),
            para("{%p endif %}"),
            para("{%p endif %}"),
            heading("{{ '四' if home_teaching else '三' }}、处置情况"),
            disposal,
            heading("{{ '五' if home_teaching else '四' }}、发现的问题"),
            para("{%p if problems %}"),
            para("{%p for p in problems %}"),
            _plain([run("{{ p.no }}．{{ p.title }}：", bold=True), run("{{ p.text }}（梳理 {{ p.seed }}）")]),
            para("{%p endfor %}"),
            para("{%p else %}"),
            _plain("截至{{ as_of }}未发现问题。"),
            para("{%p endif %}"),
            _plain("表中“＿＿＿＿”处为数据中没有的信息，请核实后如实填写，不得补造。", **small),
            para(""),
            _plain("填表人：＿＿＿＿＿　学校负责人（签字）：＿＿＿＿＿　学校（盖章）　日期：＿＿＿＿"),
        ]
    )  # fmt: skip
    _package(body, "控辍保学学生档案").save(path)


NOTICE_LANDSCAPE = od.PageSetup(
    width=297, height=210, top=25, bottom=22, left=25, right=25, lines=18, chars=40, footer=12
)


def project_notice(path: Path) -> None:
    """项目公示/公告: landscape A4 (an 11-column table), title 2号小标宋, body 3号仿宋, table 五号.
    The header texts come from the context (`heads`): a 公示 shows the plan, a 公告 the results."""
    page = NOTICE_LANDSCAPE
    width = page.text_width_twips
    shares = [4, 11, 5, 8, 14, 11, 10, 10, 9, 10, 10]
    widths = [width * x // sum(shares) for x in shares]
    widths[-1] += width - sum(widths)
    heads = [f"{{{{ heads[{i}] }}}}" for i in range(len(shares))]
    keys = [
        "no",
        "name",
        "type",
        "places",
        "content",
        "funds",
        "unit",
        "period",
        "benefit",
        "linkage",
        "goal",
    ]
    five = {"size_pt": 10.5}
    header = row(
        [
            cell([para([run(h, **five)], style=S["table_header"])], w, shade="E7EEF7")
            for h, w in zip(heads, widths)
        ],
        header=True,
    )
    start = row([cell("{%tr for r in rows %}", width, span=len(widths), style=S["table"])])
    data = row(
        [
            cell([para([run(f"{{{{ r.{k} }}}}", **five)], style=S["table"])], w)
            for k, w in zip(keys, widths)
        ],
        cant_split=True,  # a project's row (its funds take up to ten lines) never splits between pages
    )
    end = row([cell("{%tr endfor %}", width, span=len(widths), style=S["table"])])
    grid = table([header, start, data, end], widths, style="a-grid")
    body = "".join(
        [
            para("{{ title }}", style=S["title"]),
            para("{{ recipient }}：", style=S["recipient"]),
            para("{%p for text in paragraphs %}"),
            para("{{ text }}"),
            para("{%p endfor %}"),
            grid,
            para("{%p for text in closing %}"),
            # GB/T 9704 7.3.5: 署名 and 成文日期 never stand alone on a page; the closing lines
            # (period, objections, hotline) travel with them.
            para("{{ text }}", ppr_extra="<w:keepNext/>"),
            para("{%p endfor %}"),
            para("", ppr_extra="<w:keepNext/>"),
            para("{{ issuer }}", style=S["signature"]),
            para("{{ date|cndate }}", style=S["date"]),
        ]
    )
    pkg = DocxPackage(body, "", styles=od.styles_xml(page), font_table=od.font_table_xml(), settings=od.settings_xml(even_and_odd=False),
                      title="项目公示公告")  # fmt: skip
    footer = pkg.add_footer(
        od.page_number_footer("center")
        + para("{{ _meta.footnote }}", style=S["note"], align="center")
    )
    pkg.sect_pr = od.sect_pr(page, footer_default=footer, grid=False).replace(
        f'<w:pgSz w:w="{mm_to_twips(297)}" w:h="{mm_to_twips(210)}"/>',
        f'<w:pgSz w:w="{mm_to_twips(297)}" w:h="{mm_to_twips(210)}" w:orient="landscape"/>',
    )
    pkg.save(path)


def main() -> None:
    out = ROOT / "templates" / "docx"
    aid_card(out / "学生资助政策明白卡.docx")
    aid_notice(out / "学生受助情况温馨告知书.docx")
    monitor_sheet(out / "防止返贫监测明白纸.docx")
    project_notice(out / "项目公示公告.docx")
    dropout_archive(out / "控辍保学档案.docx")


if __name__ == "__main__":
    main()
