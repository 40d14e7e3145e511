"""The portal's JSON API for other tools of the county, with the pages' scopes: a session (POST
then needs the X-CSRF-Token header) or `Authorization: Bearer <token>` (`reportgen user token`).

    GET  /api/households?q=         search within the scope
    GET  /api/households/<户编号>     one household (404, or 403 outside the scope: never its data)
    GET  /api/students?q=           search the scope's students
    POST /api/documents             {"kind": "notice", "place": "village:<code>", "options": {...}}
    GET  /api/jobs/<id>             state, progress, files (with their download addresses)
    GET  /api/kinds                 the kinds the user may make, their places and options
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, request, url_for
from werkzeug.datastructures import MultiDict

from reportgen.engine.filters import mask_id
from reportgen.scope import find_households, find_students, household
from reportgen.web.forms import FormError, kind_form, kinds_for
from reportgen.web.pages import (
    declared_form,
    did,
    in_scope,
    portal,
    require_data,
    scope,
    start_job,
    visible_job,
)
from reportgen.web.security import login_required

bp = Blueprint("api", __name__, url_prefix="/api")


def _household_row(r: dict) -> dict:
    return {"household_id": r["household_id"], "village_code": r["village_code"], "head_name": r["head_name"],
            "category": r["category"], "monitor_type": r["monitor_type"],
            "url": url_for("api.household_api", household_id=r["household_id"])}  # fmt: skip


@bp.route("/households")
@login_required()
def households_api():
    p, q = portal(), request.args.get("q", "")
    found = find_households(p.dataset, scope(), q)
    if q:
        did("search", q, {"results": len(found), "api": True})
    return {"q": q, "count": len(found), "households": [_household_row(r) for r in found]}


@bp.route("/households/<household_id>")
@login_required()
def household_api(household_id: str):
    h = in_scope(household, household_id, "户")
    did("view", household_id, {"api": True})
    members = [{"name": m["name"], "id_number": mask_id(m["id_number"]), "relation": m["relation"],
                "sex": m["sex"], "health": m["health"], "labor_skill": m["labor_skill"]}
               for m in h["members"]]  # fmt: skip
    keep = ("household_id", "village_code", "head_name", "category", "monitor_type", "risk_eliminated",
            "baodi_type", "income_per_capita", "helper_name")  # fmt: skip
    return {
        **{k: h[k] for k in keep},
        "head_id_number": mask_id(h["head_id_number"]),
        "members": members,
    }


@bp.route("/students")
@login_required()
def students_api():
    p, q = portal(), request.args.get("q", "")
    found = find_students(p.dataset, scope(), q)
    return {
        "q": q,
        "count": len(found),
        "students": [{**r, "id_number": mask_id(r["id_number"])} for r in found],
    }


@bp.route("/kinds")
@login_required()
def kinds_api():
    p = portal()
    require_data()
    out = []
    for info in kinds_for(p.dataset, scope()):
        form = kind_form(p.dataset, scope(), info.command)
        out.append({"kind": info.command, "name": info.name, "places": [v for v, _ in form.places],
                    "options": [asdict(f) for f in form.fields]})  # fmt: skip
    return {"kinds": out}


@bp.route("/documents", methods=["POST"])
@login_required()
def documents_api():
    if (request.content_length or 0) > 64 * 1024:
        abort(413, description="请求体太大（一次生成的选项不会超过 64 KB）")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
        abort(
            400,
            description='请求体应为 JSON：{"kind": "notice", "place": "village:代码", "options": {...}}',
        )
    options = body.get("options") or {}
    if not isinstance(options, dict):
        abort(400, description="options 应为对象")
    form = MultiDict()
    form.add("place", str(body.get("place") or ""))
    for key, value in options.items():
        for v in value if isinstance(value, list) else [value]:
            form.add(key, "on" if v is True else "off" if v is False else str(v))
    kind = body["kind"]
    declared_form(kind)
    try:
        job = start_job(kind, form)
    except FormError as exc:
        abort(400, description=exc.message)
    return job_json(job), 202, {"Location": url_for("api.job_api", job_id=job.id)}


@bp.route("/jobs/<job_id>")
@login_required()
def job_api(job_id: str):
    return job_json(visible_job(job_id))


def job_json(job) -> dict:
    p = portal()
    files = p.jobs.files(job) if job.finished else []
    return {
        "id": job.id, "kind": job.command, "title": job.title, "place": job.place, "state": job.state,
        "state_text": job.state_text, "user": job.user, "created_at": job.created_at,
        "started_at": job.started_at, "finished_at": job.finished_at, "exit_code": job.exit_code,
        "message": job.message, "verified": job.verified, "progress": p.jobs.progress(job),
        "queue_position": p.jobs.position(job),
        "files": [{**f, "url": url_for("portal.job_file", job_id=job.id, name=f["file"])} for f in files],
        "zip": url_for("portal.job_zip", job_id=job.id) if job.state == "done" else None,
    }  # fmt: skip
