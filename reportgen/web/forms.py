"""The 文书 page's form of a document kind, built from the kind's own declaration: its click
command's options (documents/catalog lists the kinds, cli/*_cmds declares their options). A new
option of a command appears in the portal without touching this module.

The place options (--village, --township, --county, --school) become one 范围 choice that offers
only what the user's scope holds; --household and --student are checked against the scope too.
Options about where and how a command runs (--out, --workers, --cluster) are the portal's own.
The submitted form becomes the command's argument list (`--option=value`, never through a shell)
and is parsed by the real click command before it is queued, so a form the command would refuse is
refused in the page.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import click
import sqlalchemy as sa

from reportgen.dataset.schema import TABLES
from reportgen.dataset.store import Dataset
from reportgen.dates import DateTextError, parse_day
from reportgen.documents.catalog import BY_COMMAND, DOCUMENT_KINDS, KindInfo
from reportgen.errors import ReportgenError
from reportgen.places import county_place, resolve_place, resolve_school, villages_under
from reportgen.scope import NotFound, OutOfScope, Scope, household, student

PLACE_PARAMS = ("village", "township", "county", "school")
RECORD_OPTIONS = ("household", "student")
COUNTY_ONLY = {"full_ids"}  # whole ID numbers in a list: the county's setting decides for others
MAX_TEXT = 200  # a free-text option (班级, 学期, 季度…)
PLACE_LABELS = {"village": "村", "township": "乡镇", "county": "全县", "school": "学校"}
HIDDEN = {"out_dir", "workers", "cluster"}
COUNTY_ROLES = ("admin", "county")


class FormError(ReportgenError):
    """A form the command would not accept."""


class ScopeRefused(FormError):
    """A place, household or student outside the user's scope (the web answers 403)."""

    def __init__(self, message: str, what: str):
        super().__init__(message)
        self.what = what


@dataclass
class Field:
    name: str  # the click parameter name (the form field's name)
    opt: str  # --pdf
    kind: str  # flag | choice | multi | text | int | tristate
    label: str
    help: str
    required: bool = False
    choices: list[str] = field(default_factory=list)
    choice_labels: dict[str, str] = field(
        default_factory=dict
    )  # project → 项目公示 (from the help)
    off_opt: str = ""  # the secondary option of a --full-ids/--masked-ids switch
    on_label: str = ""  # what each side of such a switch means (from the help: "完整 / 遮挡")
    off_label: str = ""
    date: bool = False  # a day (metavar 日期): a date input, checked before the job is queued


@dataclass
class KindForm:
    info: KindInfo
    places: list[tuple[str, str]]  # (value, label): "village:411528101201" → 城关镇/王庄村
    fields: list[Field]


def command(name: str) -> click.Command:
    import reportgen.cli.commands  # noqa: F401  (registers every command)
    from reportgen.cli.app import cli

    return cli.commands[name]


def _label(option: click.Option) -> str:
    text = (option.help or option.metavar or option.name or "").strip()
    short = re.split(r"[（：。，(]", text, maxsplit=1)[0].strip()
    return short or text


def _choice_labels(help_text: str, choices: list[str]) -> dict[str, str]:
    """What the help says each choice is: "project 项目公示、inclusion 识别纳入公示" → labels."""
    out = {}
    for c in choices:
        m = re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])\s+([^、，,。；（(]+)", help_text)
        out[c] = m.group(1).strip() if m else c
    return out


def _switch_labels(help_text: str) -> tuple[str, str]:
    """The two sides of a --x/--no-x help written "名单写完整证件号码 / 遮挡（默认…）"."""
    on, _, off = help_text.partition(" / ")
    off = re.split(r"[（(。]", off, maxsplit=1)[0].strip()
    return (on.strip() or "是", off or "否")


def fields_of(name: str) -> list[Field]:
    out = []
    for p in command(name).params:
        if not isinstance(p, click.Option) or p.name in HIDDEN or p.name in PLACE_PARAMS:
            continue
        assert p.name is not None
        opt = max(p.opts, key=len)
        base = Field(p.name, opt, "text", _label(p), p.help or "", bool(p.required))
        if p.is_flag and p.secondary_opts:
            base.kind, base.off_opt = "tristate", p.secondary_opts[0]
            base.on_label, base.off_label = _switch_labels(p.help or "")
        elif p.is_flag:
            base.kind = "flag"
        elif isinstance(p.type, click.Choice):
            base.kind = "multi" if p.multiple else "choice"
            base.choices = [str(c) for c in p.type.choices]
            base.choice_labels = _choice_labels(p.help or "", base.choices)
        elif isinstance(p.type, (click.types.IntParamType, click.IntRange)):
            base.kind = "int"
        elif p.metavar == "日期":
            base.date = True
        out.append(base)
    return out


def place_params(name: str) -> list[str]:
    names = {p.name for p in command(name).params}
    return [p for p in PLACE_PARAMS if p in names]


def places_for(dataset: Dataset, scope: Scope, name: str) -> list[tuple[str, str]]:
    """The 范围 choices of a kind within the scope, widest first."""
    params = place_params(name)
    regions, schools = TABLES["regions"], TABLES["schools"]
    out: list[tuple[str, str]] = []
    if "county" in params and scope.villages is None and scope.schools is None:
        out.append(("county", f"全县（{county_place(dataset).name}）"))
    # read before the connection below is opened: one connection per request at a time, so that
    # many requests at once never wait on each other for the pool
    villages = villages_in(dataset, scope) if "village" in params and scope.role != "school" else []
    with dataset.engine.connect() as conn:
        if "township" in params and scope.role != "school":
            query = sa.select(regions.c.code, regions.c.name).where(regions.c.level == "乡")
            if scope.townships is not None:
                query = query.where(regions.c.code.in_(sorted(scope.townships)))
            out += [
                (f"township:{r.code}", r.name) for r in conn.execute(query.order_by(regions.c.code))
            ]
        out += [(f"village:{v.code}", v.label) for v in villages]
        if "school" in params:
            query = sa.select(schools.c.school_code, schools.c.name)
            if scope.schools is not None:
                query = query.where(schools.c.school_code.in_(sorted(scope.schools)))
            out += [(f"school:{r.school_code}", f"{r.name}（{r.school_code}）")
                    for r in conn.execute(query.order_by(schools.c.school_code))]  # fmt: skip
    return out


def villages_in(dataset: Dataset, scope: Scope):
    county = county_place(dataset)
    return [v for v in villages_under(dataset, county)
            if scope.villages is None or v.code in scope.villages]  # fmt: skip


def kinds_for(dataset: Dataset, scope: Scope) -> list[KindInfo]:
    """The kinds the user can make for some place of the scope (a kind without place options,
    such as the county's monthly report, only for county users)."""
    out = []
    for info in DOCUMENT_KINDS:
        params = place_params(info.command)
        if not params:
            if scope.role in COUNTY_ROLES:
                out.append(info)
        elif places_for(dataset, scope, info.command):
            out.append(info)
    return out


def kind_form(dataset: Dataset, scope: Scope, name: str) -> KindForm:
    if name not in BY_COMMAND:
        raise FormError(f"没有这种文书：{name}")
    fields = [f for f in fields_of(name) if scope.role in COUNTY_ROLES or f.name not in COUNTY_ONLY]
    return KindForm(BY_COMMAND[name], places_for(dataset, scope, name), fields)


def arguments(
    dataset: Dataset, scope: Scope, name: str, form: dict[str, Any]
) -> tuple[list[str], str]:
    """(argument list, readable place) of a submitted form; FormError for anything the scope or
    the command does not allow."""
    kf = kind_form(dataset, scope, name)
    args: list[str] = []
    place = "全县"
    chosen = str(form.get("place") or "")
    # one household (--household) or one student (--student) is a place of its own: the command
    # takes it instead of --village/--township/--school, once it is found inside the scope
    record = any(
        f.name in RECORD_OPTIONS and str(form.get(f.name) or "").strip() for f in kf.fields
    )
    if kf.places and not record:  # a record is checked against the scope with the options below
        allowed = dict(kf.places)
        if not chosen:
            raise FormError("请选择范围")
        if chosen not in allowed:
            raise ScopeRefused(f"所选范围不在 {scope.label} 之内：{chosen}", chosen)
        param, _, code = chosen.partition(":")
        args.append(f"--{param}" if param == "county" else f"--{param}={code}")
        place = allowed[chosen].split("（")[0] if param != "school" else allowed[chosen]
    elif not kf.places and scope.role not in COUNTY_ROLES:
        raise FormError(f"{BY_COMMAND[name].name}是全县的文书，只有县级用户可以生成")
    for f in kf.fields:
        value = form.get(f.name)
        values = form.getlist(f.name) if hasattr(form, "getlist") else ([value] if value else [])
        if f.kind == "flag":
            if value in ("on", "1", "true", True):
                args.append(f.opt)
        elif f.kind == "tristate":
            if value == "on":
                args.append(f.opt)
            elif value == "off":
                args.append(f.off_opt)
        elif f.kind == "multi":
            for v in values:
                if v not in f.choices:
                    raise FormError(f"{f.label}：没有“{v}”这一项")
                args.append(f"{f.opt}={v}")
        else:
            text = str(value or "").strip()
            if len(text) > MAX_TEXT or any(unicodedata.category(c) == "Cc" for c in text):
                raise FormError(f"{f.label}：不超过 {MAX_TEXT} 个字符，且不能含控制字符")
            if not text:
                if f.required:
                    raise FormError(f"请填写：{f.label}")
                continue
            if f.kind == "choice" and text not in f.choices:
                raise FormError(f"{f.label}：没有“{text}”这一项")
            if f.kind == "int" and not re.fullmatch(r"-?\d+", text):
                raise FormError(f"{f.label}：应为整数，实为“{text}”")
            if f.date:
                try:
                    text = parse_day(text).isoformat()
                except DateTextError:
                    raise FormError(f"{f.label}：日期写法不对：“{text}”（如 2023-09-01）") from None
            if f.name == "household":
                _own(household, dataset, scope, text)
                place = f"户 {text}"
            if f.name == "student":
                _own(student, dataset, scope, text)
                place = f"学生 {text}"
            args.append(f"{f.opt}={text}")
    problem = parse_problem(name, args)
    if problem:
        raise FormError(problem)
    return args, place


def _own(lookup, dataset: Dataset, scope: Scope, key: str) -> None:
    """A household (scope.household) or student (scope.student) the user may make documents for."""
    try:
        lookup(dataset, scope, key)
    except NotFound as exc:
        raise FormError(exc.message) from None
    except OutOfScope as exc:
        raise ScopeRefused(exc.message, key) from None


def parse_problem(name: str, args: list[str]) -> str | None:
    """What click says of the argument list (None: the command accepts it)."""
    cmd = command(name)
    try:
        with cmd.make_context(name, list(args), resilient_parsing=False):
            pass
    except click.ClickException as exc:
        return exc.format_message()
    except click.exceptions.Exit:
        return None
    return None


def place_label(dataset: Dataset, code: str) -> str:
    try:
        return resolve_place(dataset, code).label
    except ReportgenError:
        try:
            return resolve_school(dataset, code).name
        except ReportgenError:
            return code
