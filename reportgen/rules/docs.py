"""The rule list of docs/自查规则.md, generated from the registry and the built-in policy.

The page is prose written by hand around a generated part between two markers; a test keeps that
part equal to `rules_markdown()`, so the list cannot drift from the code.

    python -m reportgen.rules.docs            # print the generated part
    python -m reportgen.rules.docs --update   # rewrite it in docs/自查规则.md
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from reportgen.generated_text import between, replace_between

BEGIN = "<!-- BEGIN python -m reportgen.rules.docs -->"
END = "<!-- END python -m reportgen.rules.docs -->"
PAGE = Path(__file__).resolve().parents[2] / "docs" / "自查规则.md"

ENTITY_NAMES = {"household": "户（户编号）", "person": "人员（证件号码）", "student": "学生（学籍号）",
                "project": "项目（项目编号）", "dropout_case": "辍学个案（学籍号）", "township": "乡镇/全县（区划代码）"}  # fmt: skip


def rule_order(rules: list, groups: tuple[str, ...] | list[str]) -> list:
    """The pack's problem groups in order (the seed's four for henan-2023); within a group the
    built-in modules in BUILTIN_MODULES order, then the county's own rules, each module in
    definition order. Registry order alone depends on which rule module some other code
    happened to import first."""
    from reportgen.rules import BUILTIN_MODULES

    groups = list(groups)

    index = {r.id: i for i, r in enumerate(rules)}

    def key(r):
        module = r.check.__module__
        rank = BUILTIN_MODULES.index(module) if module in BUILTIN_MODULES else len(BUILTIN_MODULES)
        group = groups.index(r.group) if r.group in groups else len(groups)
        return (group, rank, index[r.id])

    return sorted(rules, key=key)


def _num(value) -> str:
    d = Decimal(str(value))
    return f"{d.normalize():f}" if d != d.to_integral_value() else f"{int(d):,}"


def descriptions(policy) -> dict[str, str]:
    """What each built-in rule checks, exactly, with its boundary — numbers from `policy`."""
    v = policy.value
    ident, entry, plan = (
        v(f"monitoring.{k}") for k in ("identification_max_days", "entry_max_days", "plan_max_days")
    )
    pub, line = v("monitoring.publicity_min_days"), _num(v("monitoring.income_line"))
    below = _num(Decimal(str(v("monitoring.income_line"))) - 1)
    areas = v("housing.rebuilt_area_by_size")
    years, placements = (
        v("employment.welfare_job_max_years"),
        v("employment.welfare_job_max_placements"),
    )
    loan_max, subsidy_max = v("microcredit.max_amount"), v("microcredit.interest_subsidy_max")
    loan_max = Decimal(str(loan_max))
    # A-SHORT's example: the pack's first item with a fixed yearly amount
    terms = int(v("aid.terms_per_year"))
    example_aid = next(i for i in policy.student_aid if "amount" in i)
    per_term = Decimal(str(example_aid["amount"])) / terms
    attempts = v("dropout.persuasion_min_attempts")
    visits, hours = (
        v("dropout.home_teaching_min_visits_per_month"),
        _num(v("dropout.home_teaching_min_hours_per_visit")),
    )
    monitored = "正在监测的户（户类型为监测户或填了监测类型，且风险未消除）"
    return {
        "M-IDENT": f"识别纳入程序从风险发现日期到县级审批日期超过{ident}天的报。天数数开始日之后的日历天：发现9月1日、"
                      f"审批9月16日为15天，不报；9月17日为16天，报。尚未县级审批的（审批日期晚于检查日的同样）按检查日计算已用天数，"
                      f"超过{ident}天即报。",
        "M-ENTRY": f"已县级审批的识别纳入程序，从县级审批日期到系统录入日期超过{entry}天的报（审批7月14日、录入7月24日为10天，"
                      "不报；7月25日为11天，报）。尚未录入的（录入日期晚于检查日的同样）按检查日计算。",
        "M-PLAN": f"已县级审批的识别纳入程序，从县级审批日期到帮扶计划制定日期超过{plan}天的报（审批6月20日、计划6月30日为10天，"
                     "不报；7月1日为11天，报）。没有帮扶计划日期的（日期晚于检查日的同样）按检查日计算。",
        "M-PUBLICITY": f"识别纳入、风险消除、整户无劳动能力认定程序的公示期少于{pub}天的报。公示期首尾两天都算：9月1日至9月5日为"
                         "5天，不报；9月1日至9月4日为4天，报。已乡级审核或县级审批、却没有公示起止日期的也报。",
        "M-DEV-MEASURE": f"{monitored}有普通劳动力或技能劳动力成员，却没有任何开发式帮扶措施"
                         f"（{'、'.join(v('monitoring.development_measures'))}）的报。弱劳动力或半劳动力不算有劳动力。",
        "M-NOLABOR-JOB": "劳动技能为丧失劳动力或无劳动力的人员在公益岗位上（没有结束日期，或结束日期不早于检查日）的报；"
                         "有帮扶车间措施、但家庭成员都没有劳动能力（普通、技能、弱劳动力或半劳动力都没有）的户也报。",
        "M-ILL-HEALTH": f"{monitored}，监测帮扶程序的风险类型含“因病”，却没有“健康帮扶”措施的报。",
        "M-STUDY-EDU": f"{monitored}，监测帮扶程序的风险类型含“因学”，却没有“教育帮扶”措施的报。",
        "M-UNMONITORED": f"家庭年人均纯收入低于监测范围{line}元、又不在监测中的户（一般农户或脱贫户）报：{below}元报，{line}元不报。"
                         "已标注风险消除的户由 M-ELIM-INCOME 判断；收入未填的不判断。",
        "M-ELIM-INCOME": f"已风险消除（户信息“风险是否消除”为是，或有检查日前已县级审批的风险消除程序）而家庭年人均纯收入"
                         f"未超过{line}元的报（风险消除要求收入稳定超过当年监测范围）：{line}元报，"
                         f"{line}.01元不报。",
        "M-NO-HELPER": f"{monitored}没有填帮扶责任人的报。",
        "DATA-ORDER": "监测帮扶程序的入户核实、乡级审核或县级审批日期早于风险发现日期的报（每个程序报一次）。",
        "DATA-FUTURE": "监测帮扶程序的任一日期、帮扶措施的落实日期晚于该行数据导入之日（不可能发生）的报；恰为导入当日的不报。"
                       "只晚于检查日的不报：按季度自查时，检查日之后的日期视为检查日尚未发生（如9月30日的报告中10月8日系统录入）。",
        "DATA-TYPE": "户类型为监测户、监测类型为空的报（导入时已拒绝这样的行；本规则检查以其他方式写入数据库的数据）。",
        "DATA-SIZE": "户信息带有“家庭人口”（或家庭人口数、家庭成员数、人口数）列时，所填人数与人员信息中该户的人数不同的报。",
        "A-UNPAID": "按政策参数的资助标准可能符合至少一项资助的学生，本学年（9月1日起算，如2023年9月30日属2023—2024学年）"
                    "秋季、春季两个学期都没有任何发放记录的报。",
        "A-SPECIAL": "原建档立卡、监测户、低保、特困、孤儿、事实无人抚养、残疾学生（含由关联户推出的），学校未认定为家庭经济困难的报。",
        "H-UNINSURED": "脱贫户、监测户（或填了监测类型的户）的成员，“参加城乡居民基本医疗保险”为否或未填的报（风险已消除的监测户成员也计入）。",
        "H-RATE": f"按乡镇和全县计算脱贫户、监测户全部成员的基本医保参保率（参保人数/成员人数），低于{_num(Decimal(str(v('health.insurance_rate_min'))) * 100)}%的报"
                  "（示例县：城关镇144/146=98.63%，报；全县553/557=99.28%，不报）。",
        "R-UNSAFE": f"住房安全等级为{'、'.join(v('housing.unsafe_grades'))}，危房改造状态为“未改造”或未填的户报；改造中、已竣工验收的不报。",
        "R-AREA": "危房改造已竣工验收的户，住房面积低于按人员信息人数计算的标准的报："
                  + "、".join(f"{k}人{_num(areas[k])}㎡" for k in sorted(areas, key=int))
                  + f"，更多人每人{_num(v('housing.rebuilt_area_per_person_above'))}㎡（3人户40㎡不报，39㎡报）。",
        "W-WATER": f"人均日用水量低于{_num(v('water.min_liters_per_day'))}升（干旱地区{_num(v('water.min_liters_per_day_dry'))}升，"
                   f"由 water.dry_areas 配置村或乡镇），或取水往返超过{_num(v('water.max_fetch_minutes'))}分钟，或水质不达标的户报"
                   "（40升不报、39升报；10分钟不报、11分钟报）。未填的项不判断。",
        "J-TERM": f"公益岗位在开始日期满{years}年之日（{years}年后的同月同日）之后仍在岗的报：结束日期恰为该日不报，晚一天报；"
                  "没有结束日期的按检查日计算。",
        "J-PLACEMENTS": f"安置次数超过{placements}次的报（{placements}次不报，{placements + 1}次报）。",
        "J-TWO-POSTS": f"检查日同时在岗（开始日期不晚于检查日，结束日期为空或不早于检查日）的公益岗位超过"
                       f"{v('employment.welfare_job_max_posts_per_person')}个的人员报。",
        "C-OVER-MAX": f"一户未还的小额信贷（检查日前放款、未到期或已逾期）合计超过{_num(loan_max)}元的报，不是逐笔看："
                      f"两笔各{_num(loan_max * Decimal('0.6'))}元、{_num(loan_max / 2)}元，合计{_num(loan_max * Decimal('1.1'))}元也报"
                      f"（合计{_num(loan_max)}元不报，{_num(loan_max + 1)}元报）。",
        "C-NO-SUBSIDY": f"一户未还的小额信贷合计超过{_num(subsidy_max)}元的报，提示超出部分不予贴息（合计{_num(subsidy_max)}元不报，"
                        f"{_num(subsidy_max + 1)}元报）。",
        "M-NO-ANNOUNCE": f"识别纳入或风险消除程序县级审批后，到检查日超过{v('monitoring.announce_max_days')}天（审批日之后的日历天）"
                         "仍没有公告日期（或公告日期晚于检查日）的报，公告日期在审批后超过这么多天的（补发的公告）也报；"
                         "正好这么多天的不报。天数是县里可调整的工作要求。",
        "I-DROP": "脱贫户的家庭年人均纯收入低于“上年家庭年人均纯收入”的报（收入同比下降，两类群体之一）：少1元报，相等不报；"
                  "两项有一项未填的不判断。填了人均工资性收入、人均生产经营性收入的，写明各占人均纯收入的比例（梳理第四部分 1②）。",
        "I-LOW": f"脱贫户的家庭年人均纯收入低于{_num(v('income_focus.low_income_line'))}元（政策包 income_focus.low_income_line，示例值，县里按当年口径改写）"
                 f"的报（收入较低，两类群体之一，提示）：{_num(Decimal(str(v('income_focus.low_income_line'))) - 1)}元报，"
                 f"{_num(v('income_focus.low_income_line'))}元不报；收入未填的不判断。",
        "B-SEVERE-DISABLED": "脱贫户、正在监测的户中残疾等级为一级或二级、残疾类别含“智力”或“精神”的成员，所在户兜底类型不是特困或低保的报"
                             "（提示，供排查）；三级不报。",
        "B-NO-DISABILITY-GRADE": "脱贫户、正在监测的户中健康状况为“残疾”、残疾等级未填的成员报（提示，疑似未鉴定、未办残疾人证）。",
        "P-UNPAID": "项目状态为已完工、已验收，或计划完工日期已过（早于检查日）的项目，已拨付资金或已支付资金少于资金合计（六项资金之和）"
                    "或未填的报：等于合计不报，少0.0001万元报。资金合计为0的不判断。",
        "P-FUNDS-DOWN": "按计划开工日期的年份合计各级衔接资金（中央、省级、市级、县级），检查日所在年低于上一年的报（全县）；"
                        "数据中没有上一年开工的项目时不判断（须导入上年项目）。",
        "P-ASSET": "项目状态为已完工、已验收的项目，其项目资产（项目资产表）在检查日仍持有而经营性资产未确权（确权对象或确权日期未填）、"
                   "任一资产未移交（移交日期未填或晚于检查日），或已处置而处置方式未填的报，每个项目一条；项目未建成的不判断。",
        "M-SCREEN": "未纳入监测（不是正在监测的户，也没有标注风险消除）的户，住房安全等级为C/D/无房且未改造、饮水不达标"
                    "（同 W-WATER）、有成员未参加基本医保（填“否”）或有成员辍学未复学的，列出原因供入户排查（提示）。",
        "M-ELIM-UNSAFE": "已标注风险消除的户，仍有上面任一项（住房、饮水、医保、辍学）未解决的报。",
        "D-NOT-FOUND": f"脱贫户、正在监测的户或有兜底类型的户中，检查日满{v('dropout.compulsory_age_min')}周岁、"
                       f"不超过{v('dropout.compulsory_age_max')}周岁（出生日期，未填时按证件号码）的成员，证件号码既不在学生表"
                       "也不在辍学登记中的报（提示，供核查）；人员信息“在校生状况”写了年级等在校情况的不报（可能在县外就读），"
                       "写“辍学”“非在校生”“未入学”等的照报并写明。",
        "B-NO-LABOUR": "填了劳动技能的成员全部为丧失劳动力或无劳动力、且无兜底类型的户报（提示）。",
        "B-FLAG": "整户无劳动能力兜底保障户为“是”，但有成员为普通、技能或弱劳动力（半劳动力）的报。",
        "B-LOW-INCOME": f"无兜底类型、家庭年人均纯收入低于农村低保标准全年额（{_num(v('social_assistance.dibao_rural_monthly_min'))}元×12）"
                        "的户报（提示，供排查）；恰好等于不报。",
        "A-SHORT": f"检查日所在学年（9月起）已发放（发放日期不晚于检查日）的资助，逐条与学生可能符合的资助项目比对：项目不在其中的报"
                   f"（发错项目）；某学期金额低于该项目学年标准的 1/{terms} 的报（如{example_aid['name']}"
                   f"{'、'.join(example_aid['stage'])} {_num(example_aid['amount'])} 元/年，每学期不低于 {_num(per_term)} 元；"
                   f"{_num(per_term)} 元不报，{_num(per_term - 1)} 元报）。按学校收费标准、标准未填的免学费、免住宿费不比金额；"
                   "一分未发的见 A-UNPAID。",
        "J-SUBSIDY": f"检查日在岗的公益岗位，月补贴低于当地月最低工资标准（{_num(v('employment.local_minimum_wage_monthly'))}元，"
                     f"县里按本县类别设置）的{_num(Decimal(str(v('employment.welfare_subsidy_min_share'))) * 100)}%的报；月补贴未填的不判断。",
        "B-EDGE-SINGLE": "兜底类型为低保边缘的户中，健康状况为患有大病，或残疾等级一级、二级（三级的智力、精神残疾）的成员报"
                         "（提示：本人申请可参照单人户纳入低保）；四级、三级肢体残疾不报。",
        "C-OVERDUE": "逾期为“是”、放款日期不晚于检查日的小额信贷逐笔列出。",
        "H-DOCTOR": "脱贫户或正在监测的户中，健康状况为长期慢性病、家庭医生签约不是“是”（否或未填）的成员报；"
                    "患有大病、残疾不在此列，一般农户不查。",
        "R-NO-GRADE": "脱贫户、正在监测的户或有兜底类型的户，住房安全等级未填的报（填了A、B、C、D或无房的不报）。",
        "E-RELOCATED": "易地搬迁户中有劳动能力（普通、技能、弱劳动力或半劳动力）的成员，都没有务工月数（空或0）、"
                       "检查日也都不在公益岗位上的报；有一人务工或在岗即不报。",
        "P-OVERDUE": "计划完工日期早于检查日、项目状态仍为“计划”或“实施中”的项目报（计划完工日当天不报，"
                     "已完工、已验收的不报）。",
        "P-LINKAGE": "资产类型为经营性的项目，联农带农机制或绩效目标未填的报。",
        "P-NO-PUBLICITY": "计划开工日期不晚于检查日的项目，没有项目公示或项目公告记录（reportgen notice 生成公示时记录，"
                          "公示开始日不晚于检查日）的报。",
        "D-ATTEMPTS": f"既未复学也未结案（超龄离校、已销号）的个案，截至检查日劝返少于{attempts}次的报（{attempts - 1}次报，{attempts}次不报）。",
        "D-NOT-REPORTED": f"未复学、未结案的个案，截至检查日未返校的劝返已有{attempts}次以上，却没有报县联合劝返工作组日期的报。",
        "D-NO-APPROVAL": "状态为延缓入学或休学，没有县级批准日期（或日期晚于检查日）的报。",
        "D-NO-ASSESSMENT": "因残疾（辍学原因写明残疾，或学生、户籍人员登记为残疾）延缓入学或休学，没有县残联评估认定日期的报。",
        "D-HOME-TEACHING": f"送教上门的个案，从首次送教的月份到检查日前最后一个完整月份，逐月数达到{hours}课时的送教次数，"
                           f"少于{visits}次的月份报（按2023年10月1日检查，判断到9月）。",
        "D-NO-VISITS": "状态为送教上门，截至检查日没有任何送教记录的报。",
    }  # fmt: skip


def describe(rule, policy) -> str:
    """A built-in rule's description; a county's own rule is described by its function's docstring."""
    text = descriptions(policy).get(rule.id)
    if text:
        return text
    doc = (rule.check.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(doc.split()) or "（未说明）"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_markdown(policy=None) -> str:
    """The generated part of docs/自查规则.md: an overview table, then each rule in detail."""
    from reportgen.config import DEFAULT_POLICY, load_policy
    from reportgen.rules import bind_rules, builtin_rules

    policy = policy or load_policy(DEFAULT_POLICY)
    rules = rule_order(bind_rules(builtin_rules().values(), policy), policy.groups)
    lines = [
        f"内置规则共 {len(rules)} 条（政策参数：{policy.name}）。按《重点工作梳理》关注问题的四个方面排列。",
        "",
        "| 编号 | 问题 | 方面 | 程度 | 对象 | 梳理章节 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| [{r.id}](#{r.id.lower()}) | {_cell(r.title_text(policy))} | {r.group} | {r.severity} | {ENTITY_NAMES.get(r.entity, r.entity)} "
              f"| {_cell(r.seed)} |" for r in rules]  # fmt: skip
    for group in policy.groups:
        lines += ["", f"### {group}方面"]
        for r in (r for r in rules if r.group == group):
            lines += [
                "",
                f"#### {r.id}",
                "",
                f"**{r.title_text(policy)}**（{r.severity}；对象：{ENTITY_NAMES.get(r.entity, r.entity)}）",
                "",
                f"- 梳理章节：{r.seed}",
                f"- 政策依据：{r.basis_text(policy)}",
                f"- 检查内容：{describe(r, policy)}",
                f"- 整改措施（默认）：{r.fix}",
            ]
    return "\n".join(lines) + "\n"


def replace_generated(page: str, generated: str) -> str:
    return replace_between(page, BEGIN, END, generated)


def generated_part(page: str) -> str:
    return between(page, BEGIN, END)


if __name__ == "__main__":
    if "--update" in sys.argv[1:]:
        PAGE.write_text(
            replace_generated(PAGE.read_text(encoding="utf-8"), rules_markdown()), encoding="utf-8"
        )
    else:
        print(rules_markdown(), end="")
