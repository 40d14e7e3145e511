"""The portal's pages within a user's scope (the county's own pages are in admin.py). Each reads
through the user's Scope (reportgen.scope) or, for jobs, through jobs.can_see; a record outside
the scope answers 403 (recorded in the audit log) and shows nothing of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from reportgen.accounts import audit, authenticate
from reportgen.documents.catalog import BY_COMMAND
from reportgen.engine.filters import mask_id, mask_phone
from reportgen.errors import ConfigError, ReportgenError
from reportgen.scope import (
    SEARCH_LIMIT,
    NotFound,
    OutOfScope,
    Scope,
    find_households,
    find_students,
    household,
    student,
)
from reportgen.web import data
from reportgen.web.forms import FormError, ScopeRefused, arguments, kind_form, kinds_for
from reportgen.web.jobs import Job, QueueFull, can_see
from reportgen.web.security import end_session, login_required, refuse, source, start_session

bp = Blueprint("portal", __name__)
ADMIN, COUNTY = ("admin",), ("admin", "county")
SELFCHECK_CACHE = 20  # self-checks kept (a scope and a day each) until the data change
VILLAGE_LIMIT = 3000  # households listed for one village (a larger one: the page says so)


def portal():
    return current_app.extensions["reportgen"]


def cached(name: str, make, detail=None, keep: int | None = None):
    """What `make()` gives for this user's scope and the data's latest import (a page's counts and
    lists do not change until the next import, from the portal or the command line, or a
    generation: jobs clear the cache). `detail`: what else the answer depends on (a day); `keep`:
    at most so many answers of this `name`, the oldest dropped."""
    p, sc = portal(), scope()
    last = p.dataset.latest_import() or {}
    key = (name, detail, sc.role, sc.townships, sc.schools, last.get("id"))
    if key not in p.cache:
        for old in [k for k in list(p.cache) if k[-1] != key[-1]]:  # from an earlier import
            p.cache.pop(old, None)
        same = [k for k in list(p.cache) if k[0] == name]
        for old in same[: max(0, len(same) - keep + 1)] if keep else []:
            p.cache.pop(old, None)
        p.cache[key] = make()
    return p.cache[key]


def did(action: str, target: str, detail: dict | None = None) -> None:
    """Record in the audit log what the logged-in user just did, and from where."""
    audit(portal().dataset, g.user.name, action, target, source=source(), detail=detail)


def in_scope(lookup, key: str, what: str):
    """`lookup(dataset, scope, key)` (scope.household, scope.student): 404 when there is no such
    record, 403 (audited, nothing of it shown) when it is outside the user's scope."""
    try:
        return lookup(portal().dataset, scope(), key)
    except NotFound as exc:
        abort(404, description=exc.message)
    except OutOfScope:
        refuse(f"{what} {key}", f"这个{what}不在您的范围内。")


def require_data() -> None:
    """Pages that need imported data say so first (not the dataset's words about 县级区划)."""
    if portal().dataset.latest_import() is None:
        raise ConfigError(
            "还没有导入数据：请管理员先在“导入”页面上传数据（或用 reportgen import 导入）。"
        )


def scope() -> Scope:
    if "scope" not in g:
        g.scope = Scope.of(portal().dataset, g.user)
    return g.scope


@bp.app_template_filter("mask_id")
def _mask_id(value):
    return mask_id(value) if value else ""


@bp.app_template_filter("mask_phone")
def _mask_phone(value):
    return mask_phone(value) if value else ""


@bp.app_template_filter("yesno")
def _yesno(value):
    return "" if value is None else "是" if value else "否"


@bp.app_template_filter("day")
def _day(value):
    return value.strftime("%Y-%m-%d") if value else ""


@bp.app_template_filter("size")
def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


# ---------------------------------------------------------------------- login
@bp.route("/login", methods=["GET", "POST"])
def login():
    target = request.values.get("next") or url_for("portal.home")
    if (
        urlsplit(target).netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        target = url_for("portal.home")  # only this site's pages (a browser reads /\\x as //x)
    message = "登录已超时，请重新登录。" if request.args.get("expired") else None
    if request.method == "POST":
        name = request.form.get("username", "").strip()[:64]  # no account has a longer name
        password = request.form.get("password", "")[:1024]
        p = portal()
        # tries of one name one at a time: each is counted before the next is checked
        with p.throttle.lock(name):
            wait = p.throttle.wait_minutes(p.dataset, name, source())
            if wait:
                audit(p.dataset, None, "login_throttled", name, source=source())
                message = f"登录失败次数过多，请 {wait} 分钟后再试，或请管理员核对。"
                return render_template("login.html", message=message, next=target, name=name), 429
            user = (
                authenticate(p.dataset, name, password, source=source())
                if name and password
                else None
            )
            if user is None:
                p.throttle.failed(source())
                message = "用户名或密码不对，或该用户已停用。"
                return render_template("login.html", message=message, next=target, name=name), 401
        start_session(user)
        return redirect(target)
    return render_template("login.html", message=message, next=target, name="")


@bp.route("/logout", methods=["POST"])
def logout():
    if g.user is not None:
        did("logout", g.user.name)
    end_session()
    return redirect(url_for("portal.login"))


# ---------------------------------------------------------------------- 首页
@bp.route("/")
@login_required()
def home():
    p = portal()
    last = p.dataset.latest_import()
    schedule = (
        data.schedule_overview(p.settings.workspace, p.db_option) if g.user.role in COUNTY else None
    )
    return render_template(
        "home.html",
        last=last,
        counts=cached("counts", lambda: data.counts(p.dataset, scope())),
        stored=data.latest_stored(p.dataset, scope()),
        schedule=schedule,
        jobs=p.jobs.jobs(g.user, limit=5),
    )


# ---------------------------------------------------------------------- 村/户/学生
@bp.route("/households")
@login_required("admin", "county", "township")
def households():
    p, q = portal(), request.args.get("q", "").strip()
    village = request.args.get("village", "").strip()
    found = None
    if q:
        found = find_households(p.dataset, scope(), q)
        did("search", q, {"results": len(found)})
    elif village:
        if scope().villages is not None and village not in scope().villages:
            refuse(f"村 {village}")
        found = data.households_of_village(p.dataset, scope(), village, limit=VILLAGE_LIMIT)
    villages = (
        cached("villages", lambda: data.villages(p.dataset, scope())) if not (q or village) else []
    )
    return render_template("households.html", q=q, village=village, found=found, villages=villages,
                           limit=SEARCH_LIMIT if q else VILLAGE_LIMIT)  # fmt: skip


@bp.route("/households/<household_id>")
@login_required("admin", "county", "township")
def household_page(household_id: str):
    p = portal()
    h = in_scope(household, household_id, "户")
    did("view", household_id)
    from reportgen.cli.options import today
    from reportgen.web.forms import place_label

    return render_template(
        "household.html", h=h, village=place_label(p.dataset, h["village_code"]),
        procedures=data.procedures(p.dataset, p.settings, household_id, today()),
        measures=data.measures(p.dataset, household_id), today=today(),
    )  # fmt: skip


@bp.route("/students")
@login_required()
def students():
    p, q = portal(), request.args.get("q", "").strip()
    found = find_students(p.dataset, scope(), q)
    if q:
        did("search", q, {"results": len(found), "what": "学生"})
    return render_template("students.html", q=q, found=found)


@bp.route("/students/<student_no>")
@login_required()
def student_page(student_no: str):
    s = in_scope(student, student_no, "学生")
    did("view_student", student_no)
    return render_template("student.html", s=s)


# ---------------------------------------------------------------------- 文书
@bp.route("/documents")
@login_required()
def documents():
    p = portal()
    require_data()
    return render_template(
        "documents.html", kinds=kinds_for(p.dataset, scope()), jobs=p.jobs.jobs(g.user)
    )


@bp.route("/documents/<kind>", methods=["GET", "POST"])
@login_required()
def document_form(kind: str):
    form = declared_form(kind)
    error = None
    values = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        try:
            job = start_job(kind, request.form)
        except FormError as exc:
            error = exc.message
        else:
            return redirect(url_for("portal.job_page", job_id=job.id))
    return render_template("document_form.html", form=form, values=values, error=error), (
        400 if error else 200
    )


def declared_form(kind: str):
    """The kind's form within the user's scope: 404 for no such kind, 403 (audited) for a kind the
    user has no place for (a township user and the county's monthly report)."""
    if kind not in BY_COMMAND:
        abort(404, description=f"没有这种文书：{kind}")
    require_data()
    form = kind_form(portal().dataset, scope(), kind)
    if not form.places and g.user.role not in COUNTY:
        refuse(f"文书 {kind}", f"{form.info.name}不在您的范围内。")
    return form


def start_job(kind: str, form) -> Job:
    """Check the form against the scope and the command, queue the job, audit it."""
    p = portal()
    try:
        args, place = arguments(p.dataset, scope(), kind, form)
    except ScopeRefused as exc:
        refuse(f"文书 {kind}：{exc.what}", exc.message)
    try:
        job = p.jobs.submit(g.user, kind, BY_COMMAND[kind].name, place, args)
    except QueueFull as exc:
        abort(429, description=exc.message)
    did("generate", f"{BY_COMMAND[kind].name}：{place}", {"job": job.id, "command": kind, "args": args})  # fmt: skip
    return job


def visible_job(job_id: str) -> Job:
    try:
        job = portal().jobs.get(job_id)
    except KeyError:
        abort(404, description="没有这次生成。")
    if not can_see(g.user, job):
        refuse(f"生成 {job_id}")
    return job


@bp.route("/jobs/<job_id>")
@login_required()
def job_page(job_id: str):
    p = portal()
    job = visible_job(job_id)
    return render_template("job.html", job=job, progress=p.jobs.progress(job), position=p.jobs.position(job),
                           files=p.jobs.files(job) if job.finished else [])  # fmt: skip


@bp.route("/jobs/<job_id>/files/<path:name>")
@login_required()
def job_file(job_id: str, name: str):
    p = portal()
    job = visible_job(job_id)
    try:
        path = p.jobs.file_path(job, name)
    except KeyError:
        refuse(f"文件 {job_id}/{name}", "这个文件不在本次生成的输出文件夹中。")
    did("download", f"{job.title}：{name}", {"job": job.id})
    return send_file(path, as_attachment=True, download_name=Path(name).name)


@bp.route("/jobs/<job_id>/zip")
@login_required()
def job_zip(job_id: str):
    p = portal()
    job = visible_job(job_id)
    if job.state != "done":
        abort(404, description="这次生成没有完成，没有可下载的文件。")
    path = p.jobs.zip_path(job)
    did("download", f"{job.title}：{path.name}", {"job": job.id})
    return send_file(path, as_attachment=True, download_name=path.name)


# ---------------------------------------------------------------------- 自查
@bp.route("/selfcheck")
@login_required()
def selfcheck():
    from reportgen.cli.options import parse_date_option, today
    from reportgen.rules.runs import check, make_scope, select_rules

    p = portal()
    require_data()
    try:
        as_of = parse_date_option(request.args.get("as_of") or None) or today()
    except ReportgenError as err:
        abort(400, description=err.message)
    if not dt.date(2015, 1, 1) <= as_of <= today() + dt.timedelta(days=366):
        abort(400, description=f"检查日应在 2015 年到明年之间：{as_of:%Y-%m-%d}")

    def run_check():
        sc = scope()
        township = next(iter(sc.townships)) if sc.role == "township" and sc.townships else None
        found = check(p.settings, p.dataset, make_scope(p.dataset, township=township), as_of)
        students = data.student_numbers(p.dataset, sc) if sc.schools is not None else None
        return data.in_scope(found, sc, students)

    found = cached("check", run_check, detail=as_of, keep=SELFCHECK_CACHE)
    rules = {r.id: r for r in select_rules(p.settings.workspace, policy=p.settings.policy)}
    groups: dict[str, list] = {}
    for f in found:
        groups.setdefault(f.rule, []).append(f)
    return render_template("selfcheck.html", groups=groups, rules=rules, as_of=as_of, policy=p.settings.policy,
                           source=p.settings.policy.text("source.name"))  # fmt: skip
