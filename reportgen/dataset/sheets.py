"""The import contract of DOMAIN §2 as data: every sheet, its Chinese headers, aliases, types and keys.

One declaration drives the database tables (schema.py), the import (importer.py), the export
(export.py) and the docs. To add a column: add a Field here and a migration in schema.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Field kinds understood by values.parse_cell.
CODE = "code"  # text that looks like a number; leading zeros kept, Excel's 123.0 → "123"
TEXT = "text"
INT = "int"
MONEY = "money"  # 元, 2 decimals
WAN = "wan"  # 万元, 4 decimals
NUMBER = "number"  # a measured quantity (㎡, L, minutes)
DATE = "date"
BOOL = "bool"
ENUM = "enum"
MULTI = "multi"  # several enumeration values joined by 、
ID_NUMBER = "id_number"
PHONE = "phone"


@dataclass(frozen=True)
class Field:
    name: str  # column name in the database and English alias in sheets
    header: str  # the Chinese header of DOMAIN §2
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other accepted header spellings
    default: object = None  # value stored when the cell is empty
    # A blank cell keeps what is stored instead of erasing it: dates that reportgen itself records
    # (a notice writes its period into 公示开始/结束日期) survive re-importing the original sheet.
    keep_when_blank: bool = False


@dataclass(frozen=True)
class Reference:
    """A foreign key: these columns of this sheet must exist as `target_columns` of `target`."""

    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]


@dataclass(frozen=True)
class SheetSpec:
    table: str  # database table and English sheet alias
    title: str  # Chinese sheet name of DOMAIN §2
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # natural key: re-importing the same key updates the row
    references: tuple[Reference, ...] = ()
    aliases: tuple[str, ...] = ()
    summary_key: str = ""  # key of `reportgen data summary --json`

    @property
    def field_map(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @property
    def required(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        return self.field_map[name]


REGION_LEVELS = ("县", "乡", "村")
HOUSEHOLD_CATEGORIES = ("脱贫户", "监测户", "一般农户")
MONITOR_TYPES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
BAODI_TYPES = ("低保", "特困", "低保边缘")
HOUSING_GRADES = ("A", "B", "C", "D", "无房")
RENOVATION = ("未改造", "改造中", "已竣工验收")
LABOR_SKILLS = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力")
HEALTH = ("健康", "长期慢性病", "患有大病", "残疾")
DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
WORK_PLACES = ("县内", "省内县外", "省外")
SCHOOL_STAGES = ("学前", "小学", "初中", "九年一贯", "普通高中", "中职", "高职", "本科", "研究生")
STUDENT_STAGES = (
    "学前",
    "小学",
    "初中",
    "普通高中",
    "中职",
    "高职专科",
    "本科",
    "硕士研究生",
    "博士研究生",
)
DROPOUT_STATUS = ("劝返中", "已复学", "送教上门", "延缓入学", "休学", "超龄离校", "已销号")
PROCEDURE_KINDS = ("识别纳入", "风险消除", "整户无劳动能力认定")
RISK_TYPES = (
    "因病", "因学", "因残", "因灾", "因意外事故", "因务工就业不稳", "因产业项目失败",
    "因住房出现安全问题", "因饮水安全问题", "缺劳动力", "其他",
)  # fmt: skip
MEASURE_CATEGORIES = (
    "产业帮扶", "就业帮扶", "公益岗位", "帮扶车间", "教育帮扶", "健康帮扶",
    "住房保障", "饮水保障", "综合保障", "金融帮扶", "其他",
)  # fmt: skip
PROJECT_TYPES = (
    "产业发展",
    "就业项目",
    "乡村建设",
    "易地搬迁后扶",
    "巩固三保障成果",
    "项目管理费",
    "其他",
)
PROJECT_STATUS = ("计划", "实施中", "已完工", "已验收")
ASSET_TYPES = ("经营性", "公益性", "到户类")
# A 项目资产's class, in the seed's words (三.三.(二).4①: 经营性资产、公益性资产和到户类资产).
PROJECT_ASSET_TYPES = ("经营性资产", "公益性资产", "到户类资产")
SEX = ("男", "女")

F = Field

REGIONS = SheetSpec(
    "regions", "行政区划",
    (
        F("code", "区划代码", CODE, True),
        F("name", "名称", TEXT, True, aliases=("区划名称",)),
        F("level", "级别", ENUM, True, REGION_LEVELS),
        F("parent_code", "上级区划代码", CODE),
    ),
    key=("code",),
    aliases=("区划", "行政区划表"),
    summary_key="regions",
)  # fmt: skip

HOUSEHOLDS = SheetSpec(
    "households", "户信息",
    (
        F("household_id", "户编号", CODE, True),
        F("village_code", "村区划代码", CODE, True),
        F("head_name", "户主姓名", TEXT, True),
        F("head_id_number", "户主证件号码", ID_NUMBER, True),
        F("category", "户类型", ENUM, True, HOUSEHOLD_CATEGORIES),
        F("monitor_type", "监测类型", ENUM, False, MONITOR_TYPES),
        F("risk_eliminated", "风险是否消除", BOOL),
        F("baodi_type", "兜底类型", ENUM, False, BAODI_TYPES),
        F("no_labor_baodi", "整户无劳动能力兜底保障户", BOOL),
        F("income_per_capita", "家庭年人均纯收入", MONEY),
        F("prev_income_per_capita", "上年家庭年人均纯收入", MONEY, aliases=("上年人均纯收入",)),
        F("wage_income", "人均工资性收入", MONEY, aliases=("工资性收入",)),
        F("business_income", "人均生产经营性收入", MONEY, aliases=("生产经营性收入",)),
        F("phone", "联系电话", PHONE),
        F("helper_name", "帮扶责任人", TEXT),
        F("helper_phone", "帮扶责任人电话", PHONE),
        F("helper_unit", "帮扶责任人单位", TEXT),
        F("relocated", "易地搬迁户", BOOL),
        F("housing_grade", "住房安全等级", ENUM, False, HOUSING_GRADES),
        F("housing_area", "住房面积", NUMBER),
        F("renovation_status", "危房改造状态", ENUM, False, RENOVATION),
        F("water_liters_per_day", "人均日用水量", NUMBER),
        F("water_fetch_minutes", "取水往返时间", NUMBER),
        F("water_quality_ok", "水质达标", BOOL),
    ),
    key=("household_id",),
    references=(Reference(("village_code",), "regions", ("code",)),),
    aliases=("户信息表", "农户信息", "户"),
    summary_key="households",
)  # fmt: skip

PERSONS = SheetSpec(
    "persons", "人员信息",
    (
        F("id_number", "证件号码", ID_NUMBER, True, aliases=("身份证号码", "身份证号")),
        F("household_id", "户编号", CODE, True),
        F("name", "姓名", TEXT, True),
        F("relation", "与户主关系", TEXT, True),
        F("sex", "性别", ENUM, False, SEX),
        F("birth_date", "出生日期", DATE),
        F("labor_skill", "劳动技能", ENUM, False, LABOR_SKILLS),
        F("health", "健康状况", ENUM, False, HEALTH),
        F("disability_grade", "残疾等级", ENUM, False, DISABILITY_GRADES),
        F("disability_type", "残疾类别", TEXT),
        F("medical_insured", "参加城乡居民基本医疗保险", BOOL, aliases=("参加城乡居民基本医疗保险是否", "参保")),
        F("family_doctor", "家庭医生签约", BOOL),
        F("work_months", "务工月数", INT),
        F("work_place", "务工地点", ENUM, False, WORK_PLACES),
        F("school_status", "在校生状况", TEXT),
    ),
    key=("id_number",),
    references=(Reference(("household_id",), "households", ("household_id",)),),
    aliases=("人员信息表", "家庭成员", "人员"),
    summary_key="persons",
)  # fmt: skip

SCHOOLS = SheetSpec(
    "schools", "学校",
    (
        F("school_code", "学校代码", CODE, True),
        F("name", "学校名称", TEXT, True),
        F("region_code", "所在区划代码", CODE, True),
        F("stage", "学段", ENUM, True, SCHOOL_STAGES),
        F("inclusive_kindergarten", "普惠性幼儿园", BOOL),
        F("national_nutrition", "国定营养改善计划", BOOL),
        F("tuition", "学费标准", MONEY),
        F("lodging_fee", "住宿费标准", MONEY),
        F("aid_hotline", "资助咨询电话", PHONE),
    ),
    key=("school_code",),
    references=(Reference(("region_code",), "regions", ("code",)),),
    aliases=("学校信息", "学校表"),
    summary_key="schools",
)  # fmt: skip

STUDENTS = SheetSpec(
    "students", "学生",
    (
        F("student_no", "学籍号", CODE, True),
        F("name", "姓名", TEXT, True),
        F("id_number", "证件号码", ID_NUMBER, True, aliases=("身份证号码", "身份证号")),
        F("school_code", "学校代码", CODE, True),
        F("stage", "学段", ENUM, True, STUDENT_STAGES),
        F("grade", "年级", TEXT, True),
        F("class_name", "班级", TEXT),
        F("boarding", "寄宿生", BOOL),
        F("formal_enrollment", "正式学籍", BOOL, default=True),
        F("hardship", "家庭经济困难", BOOL),
        F("former_poor", "原建档立卡", BOOL),
        F("monitored", "监测户", BOOL),
        F("dibao", "低保", BOOL),
        F("tekun", "特困", BOOL),
        F("orphan", "孤儿", BOOL),
        F("unsupported", "事实无人抚养", BOOL),
        F("disabled", "残疾", BOOL),
        F("guardian_name", "监护人姓名", TEXT),
        F("guardian_phone", "监护人电话", PHONE),
    ),
    key=("student_no",),
    references=(Reference(("school_code",), "schools", ("school_code",)),),
    aliases=("学生信息", "学生名单", "学生表"),
    summary_key="students",
)  # fmt: skip

AID_PAYMENTS = SheetSpec(
    "aid_payments", "资助发放",
    (
        F("student_no", "学籍号", CODE, True),
        F("item", "资助项目", TEXT, True),
        F("amount", "金额", MONEY, True),
        F("term", "学期", TEXT, True),
        F("paid_on", "发放日期", DATE),
    ),
    key=("student_no", "item", "term"),
    references=(Reference(("student_no",), "students", ("student_no",)),),
    aliases=("资助发放记录", "资助发放表"),
    summary_key="aid_payments",
)  # fmt: skip

DROPOUT_CASES = SheetSpec(
    "dropout_cases", "辍学学生",
    (
        F("student_no", "学籍号", CODE, True),
        F("found_on", "发现日期", DATE, True),
        F("reason", "辍学原因", TEXT),
        F("status", "当前状态", ENUM, True, DROPOUT_STATUS),
        F("reported_county_on", "报县联合劝返工作组日期", DATE),
        F("county_approved_on", "县级批准日期", DATE),
        F("disability_assessed_on", "残联评估日期", DATE),
    ),
    key=("student_no",),
    references=(Reference(("student_no",), "students", ("student_no",)),),
    aliases=("辍学学生名单", "控辍保学"),
    summary_key="dropout_cases",
)  # fmt: skip

PERSUASIONS = SheetSpec(
    "persuasions", "劝返记录",
    (
        F("student_no", "学籍号", CODE, True),
        F("date", "劝返日期", DATE, True),
        F("persons", "劝返人员", TEXT, True),
        F("method", "劝返方式", TEXT),
        F("result", "劝返结果", TEXT),
    ),
    key=("student_no", "date", "persons"),
    references=(Reference(("student_no",), "dropout_cases", ("student_no",)),),
    aliases=("劝返记录表",),
    summary_key="persuasions",
)  # fmt: skip

HOME_TEACHING = SheetSpec(
    "home_teaching", "送教记录",
    (
        F("student_no", "学籍号", CODE, True),
        F("date", "送教日期", DATE, True),
        F("teacher", "送教教师", TEXT, True),
        F("hours", "课时", NUMBER, True),
        F("content", "送教内容", TEXT),
    ),
    key=("student_no", "date"),
    references=(Reference(("student_no",), "dropout_cases", ("student_no",)),),
    aliases=("送教上门记录", "送教记录表"),
    summary_key="home_teaching",
)  # fmt: skip

MONITORING_PROCEDURES = SheetSpec(
    "monitoring_procedures", "监测帮扶",
    (
        F("household_id", "户编号", CODE, True),
        F("kind", "程序类型", ENUM, True, PROCEDURE_KINDS),
        F("risk_types", "风险类型", MULTI, False, RISK_TYPES),
        F("found_on", "风险发现日期", DATE, True),
        F("verified_on", "入户核实日期", DATE),
        F("publicity_start", "公示开始日期", DATE, keep_when_blank=True),
        F("publicity_end", "公示结束日期", DATE, keep_when_blank=True),
        F("township_reviewed_on", "乡级审核日期", DATE),
        F("county_approved_on", "县级审批日期", DATE),
        F("announced_on", "公告日期", DATE),
        F("entered_on", "系统录入日期", DATE),
        F("plan_on", "帮扶计划制定日期", DATE),
    ),
    key=("household_id", "kind", "found_on"),
    references=(Reference(("household_id",), "households", ("household_id",)),),
    aliases=("监测帮扶程序", "监测程序"),
    summary_key="monitoring_procedures",
)  # fmt: skip

MEASURES = SheetSpec(
    "measures", "帮扶措施",
    (
        F("household_id", "户编号", CODE, True),
        F("category", "措施类别", ENUM, True, MEASURE_CATEGORIES),
        F("content", "措施内容", TEXT, default=""),
        F("done_on", "落实日期", DATE),
    ),
    key=("household_id", "category", "content"),
    references=(Reference(("household_id",), "households", ("household_id",)),),
    aliases=("帮扶措施表",),
    summary_key="measures",
)  # fmt: skip

PROJECTS = SheetSpec(
    "projects", "项目",
    (
        F("project_no", "项目编号", CODE, True),
        F("name", "项目名称", TEXT, True),
        F("type", "项目类型", ENUM, True, PROJECT_TYPES),
        F("places", "实施地点", MULTI, True),
        F("content_scale", "建设内容及规模", TEXT, True),
        F("fund_central", "中央衔接资金", WAN),
        F("fund_province", "省级衔接资金", WAN),
        F("fund_city", "市级衔接资金", WAN),
        F("fund_county", "县级衔接资金", WAN),
        F("fund_integrated", "统筹整合涉农资金", WAN),
        F("fund_other", "其他资金", WAN),
        F("unit", "实施单位", TEXT, True),
        F("leader", "项目负责人", TEXT),
        F("planned_start", "计划开工日期", DATE),
        F("planned_end", "计划完工日期", DATE),
        F("status", "项目状态", ENUM, False, PROJECT_STATUS),
        # Results, printed on the 项目公告 (DOMAIN §5: a 公告 shows what was done, not the plan).
        F("actual_end", "实际完工日期", DATE),
        F("accepted_on", "验收日期", DATE),
        F("funds_allocated", "已拨付资金", WAN),
        F("funds_paid", "已支付资金", WAN),
        F("beneficiary_households", "受益户数", INT),
        F("beneficiary_persons", "受益人数", INT),
        F("beneficiary_poor_households", "受益脱贫户数", INT),
        F("beneficiary_monitored_households", "受益监测户数", INT),
        F("farmer_linkage", "联农带农机制", TEXT),
        F("performance_goal", "绩效目标", TEXT),
        F("asset_type", "资产类型", ENUM, False, ASSET_TYPES),
        F("supervision_phone", "监督电话", PHONE),
    ),
    key=("project_no",),
    aliases=("项目库", "项目表", "衔接资金项目"),
    summary_key="projects",
)  # fmt: skip

# The assets a project formed (扶贫项目资产台账, seed 三.三.(二).4): one row per asset, with its
# 确权, 移交, 运营 and 处置.
PROJECT_ASSETS = SheetSpec(
    "project_assets", "项目资产",
    (
        F("project_no", "项目编号", CODE, True),
        F("asset_name", "资产名称", TEXT, True),
        F("asset_type", "资产类型", ENUM, True, PROJECT_ASSET_TYPES),
        F("original_value", "原值", WAN, aliases=("资产原值",)),
        F("owner", "确权对象", TEXT, aliases=("产权归属", "权属")),
        F("registered_on", "确权日期", DATE, aliases=("确权登记日期",)),
        F("handed_over_on", "移交日期", DATE),
        F("operation", "运营方式", TEXT, aliases=("运营管护方式",)),
        F("annual_income", "年收益", WAN),
        F("disposed_on", "处置日期", DATE),
        F("disposal", "处置方式", TEXT),
    ),
    key=("project_no", "asset_name"),
    references=(Reference(("project_no",), "projects", ("project_no",)),),
    aliases=("扶贫项目资产", "项目资产台账", "扶贫项目资产台账"),
    summary_key="project_assets",
)  # fmt: skip

WELFARE_JOBS = SheetSpec(
    "welfare_jobs", "公益岗位",
    (
        F("id_number", "证件号码", ID_NUMBER, True, aliases=("身份证号码", "身份证号")),
        F("post_name", "岗位名称", TEXT, True),
        F("start_on", "开始日期", DATE, True),
        F("end_on", "结束日期", DATE),
        F("monthly_subsidy", "月补贴", MONEY),
        F("placements", "安置次数", INT),
    ),
    key=("id_number", "post_name", "start_on"),
    references=(Reference(("id_number",), "persons", ("id_number",)),),
    aliases=("公益岗位表", "公益性岗位"),
    summary_key="welfare_jobs",
)  # fmt: skip

LOANS = SheetSpec(
    "loans", "小额信贷",
    (
        F("household_id", "户编号", CODE, True),
        F("amount", "贷款金额", MONEY, True),
        F("lent_on", "放款日期", DATE, True),
        F("due_on", "到期日期", DATE),
        F("renewed", "续贷或展期", BOOL),
        F("overdue", "逾期", BOOL),
    ),
    key=("household_id", "lent_on"),
    references=(Reference(("household_id",), "households", ("household_id",)),),
    aliases=("小额信贷表", "脱贫人口小额信贷"),
    summary_key="loans",
)  # fmt: skip

# Import order: parents before children (also the order of upserts and of the export).
SHEETS: tuple[SheetSpec, ...] = (
    REGIONS, HOUSEHOLDS, PERSONS, SCHOOLS, STUDENTS, AID_PAYMENTS, DROPOUT_CASES, PERSUASIONS,
    HOME_TEACHING, MONITORING_PROCEDURES, MEASURES, PROJECTS, PROJECT_ASSETS, WELFARE_JOBS, LOANS,
)  # fmt: skip
SHEETS_BY_TABLE = {s.table: s for s in SHEETS}

# Students' group flags that the linked household decides (DOMAIN §2 学生).
HOUSEHOLD_DERIVED_FLAGS = ("former_poor", "monitored", "dibao", "tekun")


@dataclass
class ColumnMap:
    """How one sheet's header row maps to fields: column index → field, plus unknown headers."""

    spec: SheetSpec
    header_row: int
    columns: dict[int, Field] = field(default_factory=dict)
    extras: dict[int, str] = field(default_factory=dict)
