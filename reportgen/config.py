"""Workspace settings (reportgen.toml) and the policy parameters they select.

Effective value of every key = built-in default < policy file < reportgen.toml < environment < option;
`Settings.sources` remembers which one won, for `reportgen config show`.
"""

from __future__ import annotations

import copy
import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.dataset.sheets import STUDENT_STAGES
from reportgen.errors import ConfigError
from reportgen.packs import (
    DATA_TABLES,
    PackData,
    find_pack,
    list_packs,
    read_pack,
    read_toml,
    render_text,
)

CONFIG_NAME = "reportgen.toml"
DEFAULT_DB_NAME = "reportgen.db"
DEFAULT_POLICY = "henan-2023"


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()  # the only values allowed, if any


# How ID numbers are written in a list (.xlsx) that leaves the office with a document.
IDS_MASKED, IDS_FULL = "遮挡", "完整"


# Every workspace setting, its default and its meaning: drives validation, `config show`,
# the commented file `reportgen init` writes, and a test that all are documented.
SETTINGS: tuple[Setting, ...] = (
    Setting("policy", DEFAULT_POLICY, "政策参数文件：内置名称（如 henan-2023）或 .toml 文件路径"),
    Setting("database", "", "数据库：SQLite 文件路径或数据库 URL；空则用工作目录下 reportgen.db"),
    Setting("database_password_file", "", "数据库密码文件（只含密码一行，须仅本人可读：chmod 600）；URL 中不写密码时从这里读取。也可用 PostgreSQL 的 ~/.pgpass 或 PGPASSFILE"),
    Setting("county.name", "", "县（市、区）名称，如 青山县"),
    Setting("county.code", "", "县级区划代码，如 411599"),
    Setting("offices.county", "", "县级落款单位（旧写法，同 [issuer] organ；两者都设置时以 organ 为准）"),
    Setting("offices.education", "", "县教育主管部门（资助、控辍保学），如 青山县教育局"),
    Setting("offices.township_suffix", "人民政府", "乡镇公告落款后缀：<乡镇名> + 后缀"),
    Setting("offices.village_suffix", "村民委员会", "村级公示落款后缀：<村名> + 后缀"),
    Setting("hotlines.aid", "", "县学生资助咨询电话（印在明白卡上）"),
    Setting("hotlines.supervision", "", "县监督电话（与 12317 一并印在公示上）"),
    Setting("hotlines.monitoring", "", "防返贫监测自主申报电话（印在明白纸上）"),
    Setting("hotlines.office_numbers", [], "允许在公示中出现的办公电话（其余手机号一律遮挡）"),
    Setting("monitoring.yimatong_url", "", "防返贫“一码通”申报网址（生成明白纸二维码）"),
    Setting("privacy.health_terms", [], "公示中不得出现的病情、治疗用语；空则用内置清单（癌、尿毒症、透析……）。风险类型“因病”等不受影响"),
    # 公文 parts of the county's issuing organ (GB/T 9704-2012, DOMAIN §5): the quarterly report
    # (上行文, 文件格式) and the monthly letter (函, 信函格式). A part left empty is printed as a
    # blank to fill by hand and reported at generation; nothing is made up.
    Setting("issuer.organ", "", "发文机关全称：报告、月报函的标题和落款（同一值），如 青山县乡村振兴局；空则用 offices.county"),
    Setting("issuer.mark", "", "发文机关标志（红头）；空则按 GB/T 9704 用发文机关全称，报告加“文件”二字"),
    Setting("issuer.number_pattern", "", "发文字号，{year} 为年份、{n} 为当年顺序号（自动递增），如 青乡振〔{year}〕{n}号"),
    Setting("issuer.letter_number_pattern", "", "函的发文字号（月报函），如 青乡振函〔{year}〕{n}号；空则用 number_pattern"),
    Setting("issuer.signer", "", "签发人姓名（上行文：季度自查报告）"),
    Setting("issuer.recipients.selfcheck", "", "季度自查报告的主送机关，如 市乡村振兴局"),
    Setting("issuer.recipients.monthly", "", "月报函的主送机关，如 县财政局、县卫生健康委员会、县医疗保障局"),
    Setting("issuer.contact", "", "联系人（附注）"),
    Setting("issuer.phone", "", "联系电话（附注）"),
    Setting("ids.selfcheck_list", IDS_MASKED, "季度自查问题清单（.xlsx，随报告上报）中的证件号码：遮挡 或 完整",
            (IDS_MASKED, IDS_FULL)),
    Setting("ids.monthly_list", IDS_FULL, "月报名单（.xlsx，供财政、卫健、医保部门核查比对）中的证件号码：完整 或 遮挡；函始终遮挡",
            (IDS_MASKED, IDS_FULL)),
)  # fmt: skip
_SETTING_KEYS = {s.key for s in SETTINGS}
_SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}
_NUMBER_PATTERNS = ("issuer.number_pattern", "issuer.letter_number_pattern")
_SECTIONS = {s.key.split(".")[0] for s in SETTINGS if "." in s.key}


def _check_number_pattern(config_path: Path, key: str, value: str) -> None:
    """发文字号 (GB/T 9704-2012 7.2.5): 代字, the full year in 六角括号 〔〕, the number with 号."""
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
    except ValueError:  # an unpaired { or }
        names = ["?"]
    unknown = [n for n in names if n not in ("year", "n")]
    if unknown or "year" not in names or "n" not in names:
        raise ConfigError(
            f"{config_path}：“{key}”应含 {{year}}（年份）和 {{n}}（顺序号），且只含这两项，"
            f"如 青乡振〔{{year}}〕{{n}}号；实为 {value!r}"
        )
    if "〔{year}〕" not in value:
        raise ConfigError(
            f"{config_path}：“{key}”中的年份应用六角括号〔〕括入（GB/T 9704），如 青乡振〔{{year}}〕{{n}}号；实为 {value!r}"
        )


def find_workspace(option: str | os.PathLike | None = None) -> Path:
    """The workspace folder: the -C option, else the current directory."""
    path = Path(option) if option else Path.cwd()
    if not path.is_dir():
        raise ConfigError(f"工作目录不存在：{path}")
    return path.resolve()


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    return read_toml(path, what)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and full not in ("policy",) and not _is_leaf_table(full):
            out.update(_flatten(value, full + "."))
        else:
            out[full] = value
    return out


def _is_leaf_table(key: str) -> bool:
    return key in DATA_TABLES


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _get_dotted(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(dotted)
        node = node[part]
    return node


class Policy:
    """A loaded policy pack: numbers by `policy.value("monitoring.income_line")` or
    `policy["monitoring"]`, words by `policy.text("rules.M-IDENT.title")` (rendered over the
    numbers; see packs.py)."""

    def __init__(self, data: dict[str, Any], source: str, pack: PackData | None = None):
        self.data = data
        self.source = source
        self.pack = pack
        self._texts: dict[str, str] = {}

    @property
    def texts(self) -> dict[str, Any]:
        return self.data.get("texts", {})

    def has_text(self, dotted: str) -> bool:
        try:
            return isinstance(_get_dotted(self.texts, dotted), str)
        except KeyError:
            return False

    def text(self, dotted: str, **extra: Any) -> str:
        """The pack's text `dotted` (under texts), filled from its numbers and `extra`."""
        if not extra and dotted in self._texts:
            return self._texts[dotted]
        try:
            source = _get_dotted(self.texts, dotted)
        except KeyError:
            raise ConfigError(f"政策包 {self.name} 缺少文字“{dotted}”（{self.source}）") from None
        try:
            out = render_text(str(source), self.data, extra)
        except Exception as exc:  # noqa: BLE001 - any template error names the text's place
            where = self.pack.where(f"texts.{dotted}") if self.pack else self.source
            raise ConfigError(f"政策包文字“{dotted}”有误（{where}）：{_text_error(exc)}") from None
        if not extra:
            self._texts[dotted] = out
        return out

    @property
    def groups(self) -> tuple[str, ...]:
        """The source document's problem groups, in the order reports list them."""
        return tuple(self.texts.get("groups", {}).get("order", ()))

    @property
    def name(self) -> str:
        return str(self.data.get("meta", {}).get("name", self.source))

    @property
    def year(self) -> int:
        return int(self.data.get("meta", {}).get("year", 0))

    def __getitem__(self, section: str) -> Any:
        return self.data[section]

    def value(self, dotted: str) -> Any:
        try:
            return _get_dotted(self.data, dotted)
        except KeyError:
            raise ConfigError(f"政策参数缺少“{dotted}”（政策文件：{self.source}）") from None

    @property
    def student_aid(self) -> list[dict[str, Any]]:
        return list(self.data.get("student_aid", []))


# Keys every policy file must define, with the type each must have.
_REQUIRED_POLICY_KEYS: dict[str, type | tuple[type, ...]] = {
    "meta.year": int,
    "monitoring.income_line": (int, float),
    "monitoring.publicity_min_days": int,
    "monitoring.identification_max_days": int,
    "monitoring.entry_max_days": int,
    "monitoring.announce_max_days": int,
    "monitoring.plan_max_days": int,
    "monitoring.development_measures": list,
    "social_assistance.dibao_rural_monthly_min": (int, float),
    "social_assistance.dibao_edge_factor": (int, float),
    "social_assistance.tekun_factor": (int, float),
    "social_assistance.tekun_rural_yearly_min": (int, float),
    "dropout.persuasion_min_attempts": int,
    "dropout.compulsory_age_min": int,
    "dropout.compulsory_age_max": int,
    "dropout.home_teaching_min_visits_per_month": int,
    "dropout.home_teaching_min_hours_per_visit": (int, float),
    "health.insurance_rate_min": (int, float),
    "housing.rebuilt_area_by_size": dict,
    "housing.rebuilt_area_per_person_above": (int, float),
    "housing.repair_subsidy_max": (int, float),
    "housing.rebuild_subsidy_max": (int, float),
    "water.min_liters_per_day": (int, float),
    "water.min_liters_per_day_dry": (int, float),
    "water.max_fetch_minutes": (int, float),
    "water.dry_areas": list,
    "employment.welfare_job_max_years": (int, float),
    "employment.welfare_job_max_placements": int,
    "employment.welfare_job_max_posts_per_person": int,
    "employment.yulu_vocational_yearly": (int, float),
    "employment.welfare_subsidy_min_share": (int, float),
    "employment.local_minimum_wage_monthly": (int, float),
    "microcredit.max_amount": (int, float),
    "microcredit.interest_subsidy_max": (int, float),
    "projects.industry_share_min": (int, float),
    "projects.publicity_default_days": int,
    "aid.terms_per_year": int,
}

_AID_GROUPS = {
    "all", "former_poor", "hardship", "orphan", "disabled", "dibao", "tekun", "monitored",
    "poor_or_monitored", "hardship_disabled", "unsupported",
}  # fmt: skip
_AID_REQUIRES = {
    "formal",
    "inclusive_kindergarten",
    "not_national_nutrition",
    "boarding",
    "non_boarding",
}


def _validate_policy(data: dict[str, Any], source: str, pack: PackData | None = None) -> None:
    def where(key: str) -> str:
        return pack.where(key) if pack is not None else source

    for key, typ in _REQUIRED_POLICY_KEYS.items():
        try:
            value = _get_dotted(data, key)
        except KeyError:
            raise ConfigError(f"政策参数缺少“{key}”（{source}）") from None
        if isinstance(value, bool) or not isinstance(value, typ):
            raise ConfigError(
                f"政策参数“{key}”的值类型不对（{where(key)}）：{value!r}，应为{_type_name(typ)}"
            )
    seen: set[str] = set()
    for i, item in enumerate(data.get("student_aid", []), start=1):
        where_item = f"{source} 第{i}个 [[student_aid]]"
        for k in ("id", "name", "stage", "groups"):
            if k not in item:
                raise ConfigError(f"{where_item} 缺少 {k}")
        if item["id"] in seen:
            raise ConfigError(f"{where_item} 的 id 重复：{item['id']}")
        seen.add(item["id"])
        bad_stage = [s for s in item["stage"] if s not in STUDENT_STAGES]
        bad_group = [g for g in item["groups"] if g not in _AID_GROUPS]
        bad_req = [r for r in item.get("requires", []) if r not in _AID_REQUIRES]
        if bad_stage or bad_group or bad_req:
            raise ConfigError(
                f"{where_item}（{item['id']}）含未知取值：{'、'.join(bad_stage + bad_group + bad_req)}"
            )
        if ("amount" in item) == ("amount_from" in item):
            raise ConfigError(
                f"{where_item}（{item['id']}）须且只须给出 amount 或 amount_from 之一"
            )
        if item.get("amount_from") not in (None, "tuition", "lodging"):
            raise ConfigError(f"{where_item}（{item['id']}）amount_from 只能是 tuition 或 lodging")
    _validate_texts(data, source, where)


def _type_name(typ) -> str:
    kinds = typ if isinstance(typ, tuple) else (typ,)
    if int in kinds and float in kinds:
        return "数字（如 7500、0.99，不加引号）"
    return {
        int: "整数（不加引号）",
        list: '列表（如 ["甲", "乙"]）',
        dict: "表（如 { 1 = 20 }）",
    }.get(kinds[0], "文字")


_RULE_TEXT_KEYS = ("title", "seed", "basis", "group", "severity", "fix")
_SEVERITIES = ("严重", "一般", "提示")


def _validate_texts(data: dict[str, Any], source: str, where) -> None:
    """Every text renders over the pack's numbers; rule texts name a known group, severity and
    basis. (Which rules must have texts is the rule registry's to say: rules.bind_rules.)"""
    texts = data.get("texts")
    if not texts:
        raise ConfigError(
            f"政策文件 {source} 没有文字（规则标题、整改措施等）：在它的 [meta] 表加一行 "
            'based_on = "henan-2023"，沿用内置政策包的文字、只改其中的数值；'
            "或用 reportgen policy new 名称 --from henan-2023 复制整个政策包来改"
        )
    if not isinstance(texts, dict):
        raise ConfigError(f"政策包的 texts 应为表（{source}）")
    groups = texts.get("groups", {}).get("order", [])
    if texts and (not isinstance(groups, list) or not all(isinstance(g, str) for g in groups)):
        raise ConfigError(
            f"政策包文字 [groups] order 应为文字列表（{where('texts.groups.order')}）"
        )
    basis = data.get("basis", {})
    for dotted, value, params in _flatten_texts(texts, data, where):
        if not isinstance(value, str):
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                continue
            raise ConfigError(
                f"政策包文字“{dotted}”应为文字（{where('texts.' + dotted)}）：{value!r}"
            )
        try:
            # a value known only when a document is made stands in as a sample: the text must
            # render with it, so a misspelt name fails here and not halfway through a batch
            render_text(value, data, dict.fromkeys(params, _SAMPLE_VALUE))
        except Exception as exc:  # noqa: BLE001 - reported with its place
            raise ConfigError(
                f"政策包文字“{dotted}”有误（{where('texts.' + dotted)}）：{_text_error(exc, params)}"
            ) from None
    sections = texts.get("monitor_sheet", {}).get("policies", {})
    for key, section in sections.items() if isinstance(sections, dict) else ():
        if not (isinstance(section, dict) and all(isinstance(section.get(k), str) for k in ("title", "text"))):  # fmt: skip
            raise ConfigError(
                f"政策包文字 [monitor_sheet.policies.{key}] 应有 title 和 text 两段文字"
                f"（{where(f'texts.monitor_sheet.policies.{key}')}）"
            )
    notes = data.get("monitoring", {}).get("step_notes", {})
    for step, note in notes.items() if isinstance(notes, dict) else ():
        try:
            render_text(str(note), data)
        except Exception as exc:  # noqa: BLE001 - reported with its place
            raise ConfigError(
                f"政策参数 monitoring.step_notes 中“{step}”的注释有误"
                f"（{where('monitoring.step_notes')}）：{_text_error(exc)}"
            ) from None
    for rule_id, fields in texts.get("rules", {}).items():
        if not isinstance(fields, dict):
            raise ConfigError(
                f"政策包文字 [rules.{rule_id}] 应为表（{where('texts.rules.' + rule_id)}）"
            )
        here = where(f"texts.rules.{rule_id}")
        missing = [k for k in _RULE_TEXT_KEYS if k not in fields]
        if missing:
            raise ConfigError(f"政策包文字 [rules.{rule_id}] 缺少 {'、'.join(missing)}（{here}）")
        if fields["group"] not in groups:
            raise ConfigError(
                f"规则 {rule_id} 的分组“{fields['group']}”不在 [groups] order 中"
                f"（{where(f'texts.rules.{rule_id}.group')}）；可用：{'、'.join(groups)}"
            )
        if fields["severity"] not in _SEVERITIES:
            raise ConfigError(
                f"规则 {rule_id} 的 severity 只能是 {' / '.join(_SEVERITIES)}"
                f"（{where(f'texts.rules.{rule_id}.severity')}）：{fields['severity']!r}"
            )
        if fields["basis"] not in basis:
            raise ConfigError(
                f"规则 {rule_id} 的政策依据“{fields['basis']}”不在 [basis] 表中"
                f"（{where(f'texts.rules.{rule_id}.basis')}）"
            )


# A text's runtime values are declared by its table: `params = ["place", "count"]` lets the texts
# of that table (not of the tables under it) use {{ place }} and {{ count }} beside the pack's
# numbers — the values the code passes to them. At load they render with this sample in their
# place (a number, so that filters such as yuan work too).
_SAMPLE_VALUE = 1
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _flatten_texts(node: Any, data: dict[str, Any], where, prefix: str = "", params=()):
    """(dotted key, text, names it may use besides the pack's numbers) of every text."""
    if not isinstance(node, dict):
        yield prefix.rstrip("."), node, params
        return
    own = node.get("params", [])
    params = ()
    if own:
        here = where(f"texts.{prefix}params")
        if not isinstance(own, list) or not all(isinstance(p, str) and _PARAM_NAME.match(p) for p in own):  # fmt: skip
            raise ConfigError(
                f'政策包文字 {prefix}params 应为名字的列表，如 ["place", "count"]（{here}）：{own!r}'
            )
        clash = [p for p in own if p in data]
        if clash:
            raise ConfigError(
                f"政策包文字 {prefix}params 中的“{'、'.join(clash)}”与政策参数的表同名（{here}）"
            )
        params = tuple(own)
    for key, value in node.items():
        if key == "params" and isinstance(value, list):
            continue
        yield from _flatten_texts(value, data, where, f"{prefix}{key}.", params)


def _text_error(exc: Exception, params: tuple[str, ...] | list[str] = ()) -> str:
    message = str(exc)
    if "has no attribute" in message:
        name = message.rsplit("attribute", 1)[-1].strip(" '\"")
        return f"“{name}”不是本政策包的参数（写法如 {{{{ monitoring.income_line }}}}；reportgen policy show 列出全部）"
    if "is undefined" in message:
        name = message.split("'")[1] if "'" in message else message
        if params:
            return (f"“{name}”不是本政策包的参数，也不是这段文字可用的值"
                    f"（可用：{'、'.join(params)}；参数写法如 {{{{ monitoring.income_line }}}}）")  # fmt: skip
        return f"“{name}”不是本政策包的参数（写法如 {{{{ monitoring.income_line }}}}）"
    if "no filter named" in message:
        return f"没有这个过滤器（可用 pct、wan_yuan、yuan）：{message}"
    return f"模板写法错误：{message}"


def builtin_policies() -> list[str]:
    return [r.name for r in list_packs(None)]


def load_policy(
    name_or_path: str, overrides: dict[str, Any] | None = None, base: Path | None = None
) -> Policy:
    """Load a policy pack (built-in or workspace name, folder or .toml path; `base` is the
    workspace), then apply dotted overrides from reportgen.toml [policy_overrides]."""
    ref = find_pack(name_or_path, base)
    pack = read_pack(ref, base)
    data = pack.data
    source = name_or_path if ref.origin == "内置" else str(ref.path)
    for dotted, value in (overrides or {}).items():
        try:
            old = _get_dotted(data, dotted)
        except KeyError:
            raise ConfigError(
                f"reportgen.toml 的 [policy_overrides] 覆盖了不存在的政策参数“{dotted}”"
                "（reportgen policy show 列出全部参数）"
            ) from None
        if (
            isinstance(old, (int, float))
            and not isinstance(old, bool)
            and (isinstance(value, bool) or not isinstance(value, (int, float)))
        ):
            raise ConfigError(
                f"reportgen.toml 的 [policy_overrides] 中“{dotted}”应为数值：{value!r}"
            )
        _set_dotted(data, dotted, copy.deepcopy(value))
    _validate_policy(data, source, pack)
    return Policy(data, source, pack)


@dataclass
class Settings:
    workspace: Path
    values: dict[str, Any]
    sources: dict[str, str]
    policy: Policy
    policy_overrides: dict[str, Any] = field(default_factory=dict)
    config_path: Path | None = None

    def get(self, key: str) -> Any:
        return self.values[key]

    @property
    def db_url(self) -> str:
        url = database_url(self.values["database"], self.workspace)
        return with_password_file(url, self.values["database_password_file"], self.workspace)

    @property
    def county_name(self) -> str:
        return self.values["county.name"]


def with_password_file(url: str, password_file: str, workspace: Path) -> str:
    """`url` with the password read from `password_file` when the URL has none (so that neither
    reportgen.toml, a command line nor a timer definition has to hold it)."""
    if not password_file or "://" not in url or url.startswith("sqlite"):
        return url
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    if parsed.password:
        return url
    path = Path(password_file).expanduser()
    if not path.is_absolute():
        path = workspace / path
    try:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            raise ConfigError(f"数据库密码文件 {path} 其他用户也能读取，请先执行：chmod 600 {path}")
        password = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"无法读取数据库密码文件 {path}：{exc.strerror}") from None
    if not password:
        raise ConfigError(f"数据库密码文件 {path} 是空的")
    return parsed.set(password=password).render_as_string(hide_password=False)


def database_url(value: str, workspace: Path) -> str:
    """A database URL from a path or URL; relative SQLite paths are relative to the workspace."""
    if not value:
        value = DEFAULT_DB_NAME
    if "://" in value:
        return value
    path = Path(value)
    if not path.is_absolute():
        path = workspace / path
    return f"sqlite:///{path}"


def load_settings(workspace: Path, db_option: str | None = None) -> Settings:
    """Read <workspace>/reportgen.toml (optional) and the policy it names."""
    values = {s.key: copy.deepcopy(s.default) for s in SETTINGS}
    sources = {s.key: "默认值" for s in SETTINGS}
    config_path = workspace / CONFIG_NAME
    overrides: dict[str, Any] = {}
    if config_path.is_file():
        raw = _read_toml(config_path, "配置文件")
        policy_table = raw.pop("policy_overrides", None)
        if isinstance(raw.get("policy"), dict):
            raise ConfigError(
                f"{config_path}：覆盖政策参数请写在 [policy_overrides] 表中；policy 本身是政策文件名"
            )
        for key, value in _flatten(raw).items():
            if key not in _SETTING_KEYS:
                section = key.split(".")[0]
                hint = "" if section in _SECTIONS or "." not in key else f"（未知的表 [{section}]）"
                raise ConfigError(
                    f"{config_path}：未知设置“{key}”{hint}。可用设置见 `reportgen config show`。"
                )
            default = values[key]
            if isinstance(default, list) and not isinstance(value, list):
                raise ConfigError(f'{config_path}：“{key}”应为列表，如 ["0376-1234567"]')
            if isinstance(default, str) and not isinstance(value, str):
                raise ConfigError(f"{config_path}：“{key}”应为文字（加英文引号），实为 {value!r}")
            choices = _SETTINGS_BY_KEY[key].choices
            if choices and value not in choices:
                raise ConfigError(
                    f"{config_path}：“{key}”只能是 {' 或 '.join(choices)}，实为 {value!r}"
                )
            if key in _NUMBER_PATTERNS and value:
                _check_number_pattern(config_path, key, value)
            values[key] = value
            sources[key] = str(config_path)
        if policy_table:
            overrides = _flatten(policy_table)
        # offices.county (older) and issuer.organ name the same organ: one value wherever the
        # county's 落款 is printed (reports, letters, county notices); organ wins if both differ.
        if values["issuer.organ"]:
            if values["offices.county"] != values["issuer.organ"]:
                values["offices.county"] = values["issuer.organ"]
                sources["offices.county"] = f"issuer.organ（{config_path}）"
        elif values["offices.county"]:
            values["issuer.organ"] = values["offices.county"]
            sources["issuer.organ"] = f"offices.county（{config_path}）"
    env_db = os.environ.get("REPORTGEN_DB")
    if env_db:
        values["database"], sources["database"] = env_db, "环境变量 REPORTGEN_DB"
    if db_option:
        values["database"], sources["database"] = db_option, "命令行 --db"
    policy = load_policy(values["policy"], overrides, base=workspace)
    # the pack's own templates/ (and those of the packs it is based on) replace built-in ones
    from reportgen.engine.registry import set_pack_template_dirs

    chain = policy.pack.chain if policy.pack is not None else []
    set_pack_template_dirs(
        workspace,
        [
            r.folder / "templates"
            for r in chain
            if r.folder is not None and (r.folder / "templates").is_dir()
        ],
    )
    return Settings(
        workspace,
        values,
        sources,
        policy,
        overrides,
        config_path if config_path.is_file() else None,
    )


def shown_settings(settings: Settings) -> list[tuple[Setting, Any]]:
    """Each setting with its value as `config show` and the portal's 设置 page show it: URLs
    without their password."""
    from reportgen.redact import redact

    return [(s, redact(v) if isinstance(v := settings.values[s.key], str) else v) for s in SETTINGS]


def shown_policy(settings: Settings) -> dict[str, Any]:
    """The policy pack's numbers, flat (节.键 = value), as `config show` lists them (the texts,
    the basis table and the aid items are `reportgen policy show`'s)."""
    return _flatten(
        {
            k: v
            for k, v in settings.policy.data.items()
            if k not in ("student_aid", "basis", "texts")
        }
    )


def init_workspace_text(county_name: str = "", county_code: str = "") -> str:
    """The commented reportgen.toml that `reportgen init` writes."""
    lines = [
        "# reportgen 工作目录配置。修改后保存即可，`reportgen config show` 查看生效值。",
        "# 以 # 开头的行是说明；去掉行首 # 即启用该设置。",
        "",
        f'policy = "{DEFAULT_POLICY}"      # 政策参数：内置名称或 .toml 文件路径',
        '# database = "reportgen.db"   # 数据库文件或 URL（如 postgresql://用户@主机/库）',
        '# database_password_file = ""   # 数据库密码文件（仅本人可读：chmod 600）；URL 中不写密码',
        "",
    ]
    current = ""
    for s in SETTINGS:
        if "." not in s.key:
            continue
        section, name = s.key.split(".", 1)
        if section != current:
            lines += ["", f"[{section}]"]
            current = section
        if s.key == "county.name" and county_name:
            lines.append(f'{name} = "{county_name}"   # {s.help}')
        elif s.key == "county.code" and county_code:
            lines.append(f'{name} = "{county_code}"   # {s.help}')
        elif isinstance(s.default, list):
            lines.append(f"# {name} = []   # {s.help}")
        else:
            value = s.default if s.default else ""
            lines.append(f'# {name} = "{value}"   # {s.help}')
    lines += [
        "",
        "# 覆盖政策参数（任何一项），如本县低保标准、监测线：",
        "[policy_overrides]",
        "# monitoring.income_line = 7500",
        "# social_assistance.dibao_rural_monthly_min = 440",
        '# water.dry_areas = ["411599103"]',
        "",
    ]
    return "\n".join(lines)
