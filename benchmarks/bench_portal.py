"""The web portal on a county-size dataset: server time of its list and search pages, and a
generation started from the portal against the same command typed at the CLI (issue 23).

    python benchmarks/bench_portal.py                        # 500,000 persons, 150,000 students
    python benchmarks/bench_portal.py --persons 100000       # a quicker try (students: 30%)
    python benchmarks/bench_portal.py --skip-generation      # only the pages
    python benchmarks/bench_portal.py --skip-pages --runs 5  # only the generation
    python benchmarks/bench_portal.py --county-generation    # generate for the whole county
    python benchmarks/bench_portal.py --repeat 100 --warmup 10

Generates the workbooks once (data_examples/generate.py: generate_large, cached under
benchmarks/_work/ and shared with bench_import.py and bench_documents.py), then makes once a
workspace benchmarks/_work/portal_<dataset>/ with `reportgen init`, `reportgen import` and three
users (`reportgen user add --password-stdin`): an admin, a county user and a township user of the
first township of the regions table. Later runs reuse it (delete the folder to start afresh).

1. Pages: the app of `reportgen.web.create_app(workspace)` in this process, through Flask's test
   client (so the figures are the server's time: routing, scope, SQL, audit log, templates; no
   network), logged in through the login form as the county and as the township user. Each
   request is asked --warmup times, then --repeat times with the query varied among real values
   of the user's scope (villages, common surnames, 户编号, ID tails, IDs as printed masked, whole
   IDs) and names that are nowhere (a search that finds nothing reads everything), and the script
   prints count, median, p95 and max in ms and the rows each answer listed, and finally whether
   every list/search page's p95 is under 200 ms (the 户 page and the home page are shown for
   reference, outside that verdict).
2. Generation: `monitor-sheet --township=<code> --all` (every household of the first township;
   --county-generation: of the county), as the
   CLI command (`python -m reportgen -C <ws> -q monitor-sheet … --out=<tmp>`, timed around
   subprocess.run) and from the portal as the county user (POST /api/documents with the session's
   X-CSRF-Token, then GET /api/jobs/<id> every --poll seconds until the job is finished, timed from
   the POST to the answer that says done), alternately, --runs times each; prints min and median of
   each and the ratio portal / CLI.

Figures, not asserts.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "_work"
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from bench_import import dataset  # noqa: E402  (the same cached county-size workbooks)

PASSWORD = "bench-portal-2023"
USERS = {  # name: role (the township user's scope: the first township of the regions table)
    "bench_admin": "admin",
    "bench_county": "county",
    "bench_town": "township",
}
TARGET_MS = 200.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


# ---------------------------------------------------------------------- the workspace
def reportgen(ws: Path | None, *args: str, stdin: str | None = None) -> str:
    """`python -m reportgen -C ws args…`; its output (SystemExit with its errors when it fails)."""
    where = ["-C", str(ws)] if ws else []
    done = subprocess.run(
        [sys.executable, "-m", "reportgen", *where, *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"reportgen {' '.join(args)} 失败：\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


def first_township(ws: Path) -> tuple[str, str]:
    """(code, name) of the first township in the regions table."""
    import sqlalchemy as sa

    from reportgen.dataset.schema import TABLES
    from reportgen.dataset.store import Dataset

    r = TABLES["regions"]
    ds = Dataset.open("sqlite:///" + str(ws / "reportgen.db"))
    with ds.engine.connect() as conn:
        row = conn.execute(
            sa.select(r.c.code, r.c.name).where(r.c.level == "乡").order_by(r.c.code).limit(1)
        ).one()
    ds.engine.dispose()
    return row.code, row.name


def workspace(folder: Path) -> Path:
    """benchmarks/_work/portal_<dataset>/: init, import, users; made once."""
    ws = WORK / f"portal_{folder.name}"
    if (ws / ".done").exists():
        return ws
    shutil.rmtree(ws, ignore_errors=True)
    reportgen(None, "init", str(ws), "--county", "青山县", "--code", "411599")
    t = time.perf_counter()
    reportgen(ws, "-q", "import", str(folder))
    print(f"已导入 {folder.name}：{time.perf_counter() - t:.0f} 秒")
    code, _ = first_township(ws)
    for name, role in USERS.items():
        scope = ["--scope", code] if role == "township" else []
        print(reportgen(ws, "user", "add", name, "--role", role, *scope, "--password-stdin",
                        stdin=PASSWORD + "\n").strip())  # fmt: skip
    (ws / ".done").write_text("ok")
    return ws


# ---------------------------------------------------------------------- the values asked for
def samples(app, user_name: str, seed: int = 2023) -> dict[str, list[str]]:
    """Query values: real ones of the user's scope (villages, surnames of its students, 户编号, ID
    tails, IDs as printed masked, whole IDs) and names that are nowhere in the dataset."""
    import sqlalchemy as sa

    from reportgen.accounts import get_user
    from reportgen.dataset.schema import TABLES
    from reportgen.engine.filters import mask_id
    from reportgen.scope import Scope

    portal = app.extensions["reportgen"]
    scope = Scope.of(portal.dataset, get_user(portal.dataset, user_name))
    h, p, s = TABLES["households"], TABLES["persons"], TABLES["students"]
    rng = random.Random(seed)
    with portal.dataset.engine.connect() as conn:
        ids = conn.execute(
            sa.select(h.c.household_id).where(scope.households_filter()).order_by(h.c.household_id)
        ).scalars().all()  # fmt: skip
        villages = conn.execute(
            sa.select(h.c.village_code).where(scope.households_filter()).distinct()
        ).scalars().all()  # fmt: skip
        picked = rng.sample(ids, min(100, len(ids)))
        people = conn.execute(
            sa.select(p.c.id_number).where(p.c.household_id.in_(picked[:40]))
        ).scalars().all()  # fmt: skip
        surnames = conn.execute(
            sa.select(sa.func.substr(s.c.name, 1, 1)).where(scope.students_filter())
            .group_by(sa.func.substr(s.c.name, 1, 1)).order_by(sa.func.count().desc()).limit(10)
        ).scalars().all()  # fmt: skip
    people = rng.sample(people, min(40, len(people)))
    return {
        "village": sorted(villages),
        "surname": surnames or ["王", "李", "张"],
        "household": picked,
        "tail": [n[-4:] for n in people],
        "masked": [mask_id(n) for n in people],
        "full": people,
        "absent": [
            a + b for a in ("欧阳", "司马", "诸葛", "上官") for b in ("一鸣", "晓燕", "子轩")
        ],
    }


# ---------------------------------------------------------------------- the pages
def login(app, name: str):
    client = app.test_client()
    page = client.get("/login")
    token = CSRF.search(page.get_data(as_text=True))
    assert token, "登录页没有 csrf_token"
    answer = client.post(
        "/login", data={"username": name, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    if answer.status_code != 302:
        raise SystemExit(f"{name} 登录失败：HTTP {answer.status_code}")
    return client


def csrf_of(client) -> str:
    """The session's CSRF token, as a page of the portal carries it in its forms."""
    token = CSRF.search(client.get("/documents").get_data(as_text=True))
    assert token, "文书页没有 csrf_token"
    return token.group(1)


def requests_of(v: dict[str, list[str]]) -> list[tuple[str, bool, object]]:
    """(label, list/search page under the 200 ms target, values → URL for the i-th request)."""
    pick = lambda key: lambda i: v[key][i % len(v[key])]  # noqa: E731
    village, surname, hid = pick("village"), pick("surname"), pick("household")
    tail, masked, full, absent = pick("tail"), pick("masked"), pick("full"), pick("absent")
    return [
        ("村列表        GET /households", True, lambda i: "/households"),
        ("某村的户      GET /households?village=", True, lambda i: f"/households?village={village(i)}"),
        ("按姓搜户      GET /households?q=王", True, lambda i: f"/households?q={surname(i)}"),
        ("按户编号搜    GET /households?q=户编号", True, lambda i: f"/households?q={hid(i)}"),
        ("证件号后4位   GET /households?q=1234", True, lambda i: f"/households?q={tail(i)}"),
        ("打印的证件号  GET /households?q=411***…1234", True, lambda i: f"/households?q={masked(i)}"),
        ("完整证件号    GET /households?q=18位", True, lambda i: f"/households?q={full(i)}"),
        ("查无此人      GET /households?q=欧阳一鸣", True, lambda i: f"/households?q={absent(i)}"),
        ("按姓搜学生    GET /students?q=王", True, lambda i: f"/students?q={surname(i)}"),
        ("API 按姓搜户  GET /api/households?q=王", True, lambda i: f"/api/households?q={surname(i)}"),
        ("户详情        GET /households/<户编号>", False, lambda i: f"/households/{hid(i)}"),
        ("首页          GET /", False, lambda i: "/"),
    ]  # fmt: skip


def cell(text: str, width: int, right: bool = False) -> str:
    """`text` padded to `width` columns of a terminal (a Chinese character takes two)."""
    wide = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    pad = " " * max(0, width - wide)
    return pad + text if right else text + pad


def p95(times: list[float]) -> float:
    """The nearest-rank 95th percentile."""
    ordered = sorted(times)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def pages(app, role_user: str, label: str, repeat: int, warmup: int) -> list[tuple[str, float]]:
    """Each request warmup + repeat times; prints its figures; (label, p95) of the target pages."""
    client = login(app, role_user)
    values = samples(app, role_user)
    print(f"\n{label}（{role_user}）：{len(values['village'])} 个村，"
          f"每项预热 {warmup} 次后计时 {repeat} 次（毫秒）")  # fmt: skip
    heads = [cell(h, w, right=True) for h, w in (("次数", 6), ("中位", 9), ("p95", 9), ("最长", 9))]
    print(cell("请求", 50) + "".join(heads) + cell("结果行数", 12, right=True))
    out = []
    for name, target, url in requests_of(values):
        times, results = [], set()
        for i in range(-warmup, repeat):
            path = url(i)
            start = time.perf_counter()
            answer = client.get(path)
            elapsed = (time.perf_counter() - start) * 1000
            if answer.status_code != 200:
                raise SystemExit(f"{path}：HTTP {answer.status_code}")
            if i >= 0:
                times.append(elapsed)
                if path.startswith("/api/"):
                    results.add(answer.get_json()["count"])
                elif target:  # the rows of the page's one table, less its header
                    results.add(answer.get_data(as_text=True).count("<tr>") - 1)
        shown = f"{min(results)}–{max(results)}" if results else ""
        mark = "" if target else "（参考）"
        print(
            f"{cell(name + mark, 50)}{len(times):>6}{statistics.median(times):>9.1f}"
            f"{p95(times):>9.1f}{max(times):>9.1f}{shown:>12}"
        )
        if target:
            out.append((f"{label} {name.split()[0]}", p95(times)))
    return out


# ---------------------------------------------------------------------- the generation
def by_cli(ws: Path, place: str, out: Path) -> tuple[float, int, str]:
    """`reportgen monitor-sheet --<place> --all` as the portal's job runs it, in a fresh process:
    (seconds, files written, the command's first line)."""
    param, _, code = place.partition(":")
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "reportgen", "-C", str(ws), "-q", "monitor-sheet",
         f"--{param}={code}" if code else f"--{param}", "--all", f"--out={out}"],
        capture_output=True, text=True, check=False, cwd=ws,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(
            f"命令行生成失败（{done.returncode}）：\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    files = sum(1 for f in out.rglob("*") if f.is_file())
    shutil.rmtree(out, ignore_errors=True)
    return seconds, files, (done.stdout.strip().splitlines() or [""])[0]


def by_portal(app, client, token: str, place: str, poll: float) -> tuple[float, int]:
    """POST /api/documents, then GET /api/jobs/<id> until it is finished: (seconds, files)."""
    body = {"kind": "monitor-sheet", "place": place, "options": {"include_all": True}}
    start = time.perf_counter()
    answer = client.post("/api/documents", json=body, headers={"X-CSRF-Token": token})
    if answer.status_code != 202:
        raise SystemExit(
            f"POST /api/documents：HTTP {answer.status_code} {answer.get_data(as_text=True)}"
        )
    job_id = answer.get_json()["id"]
    while True:
        job = client.get(f"/api/jobs/{job_id}").get_json()
        if job["state"] in ("done", "failed", "interrupted"):
            break
        time.sleep(poll)
    seconds = time.perf_counter() - start
    if job["state"] != "done":
        raise SystemExit(
            f"门户生成没有完成：{job['state_text']}\n{job['message']}\n{job['verified'] or ''}"
        )
    jobs = app.extensions["reportgen"].jobs
    jobs.remove(jobs.get(job_id))
    return seconds, len(job["files"])


def generation(app, ws: Path, runs: int, poll: float, whole_county: bool) -> None:
    code, name = first_township(ws)
    place, label = (
        ("county", "--county")
        if whole_county
        else (f"township:{code}", f"--township={code}（{name}）")
    )
    client = login(app, "bench_county")
    token = csrf_of(client)
    out = WORK / "portal_cli_out"
    print(f"\n生成：monitor-sheet {label} --all，命令行与门户交替各 {runs} 次"
          f"（门户每 {poll:g} 秒查询一次状态）")  # fmt: skip
    print(cell("次", 3, right=True) + "  " + cell("方式", 8) + cell("秒", 9, right=True)
          + cell("文件数", 8, right=True))  # fmt: skip
    cli_times, portal_times, said = [], [], ""
    for i in range(runs):
        order = ("命令行", "门户") if i % 2 == 0 else ("门户", "命令行")
        for way in order:
            if way == "命令行":
                seconds, files, said = by_cli(ws, place, out)
                cli_times.append(seconds)
            else:
                seconds, files = by_portal(app, client, token, place, poll)
                portal_times.append(seconds)
            print(f"{i + 1:>3}  {cell(way, 8)}{seconds:>9.2f}{files:>8}")
    print(f"（命令行输出：{said}）")
    for way, times in (("命令行", cli_times), ("门户", portal_times)):
        print(f"{way}：最短 {min(times):.2f} 秒，中位 {statistics.median(times):.2f} 秒")
    print(f"门户 / 命令行：最短之比 {min(portal_times) / min(cli_times):.2f}×，"
          f"中位之比 {statistics.median(portal_times) / statistics.median(cli_times):.2f}×")  # fmt: skip


# ---------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=500_000)
    parser.add_argument("--students", type=int, help="默认为人数的 30%%（500,000 人时 150,000）")
    parser.add_argument("--repeat", type=int, default=60, help="每项计时的请求数")
    parser.add_argument("--warmup", type=int, default=5, help="每项计时前的预热请求数")
    parser.add_argument("--runs", type=int, default=3, help="命令行和门户各生成几次")
    parser.add_argument("--poll", type=float, default=0.1, help="门户生成时查询状态的间隔（秒）")
    parser.add_argument("--skip-generation", action="store_true", help="只测页面，不比较生成")
    parser.add_argument("--skip-pages", action="store_true", help="只比较生成，不测页面")
    parser.add_argument(
        "--county-generation", action="store_true", help="生成全县（默认第一个乡镇）的明白纸"
    )
    args = parser.parse_args()
    students = args.students if args.students is not None else args.persons * 3 // 10
    folder = dataset(args.persons, students)
    ws = workspace(folder)
    os.environ.setdefault("REPORTGEN_TODAY", "2023-09-30")

    from reportgen.web import create_app

    app = create_app(ws)
    print(f"cpus: {os.cpu_count()}；数据：{folder.name}；工作区：{ws.relative_to(ROOT)}")
    try:
        found = []
        if not args.skip_pages:
            found += pages(app, "bench_county", "县级用户", args.repeat, args.warmup)
            found += pages(app, "bench_town", "乡镇用户", args.repeat, args.warmup)
        if not args.skip_generation:
            generation(app, ws, args.runs, args.poll, args.county_generation)
    finally:
        app.extensions["reportgen"].jobs.shutdown()
    slow = [(name, t) for name, t in found if t >= TARGET_MS]
    if not found:
        return
    if slow:
        listed = "；".join(f"{name} {t:.0f} ms" for name, t in slow)
        print(f"\n列表和搜索页 p95 未全部低于 {TARGET_MS:.0f} ms：{listed}")
    else:
        worst = max(found, key=lambda x: x[1])
        print(
            f"\n列表和搜索页 p95 全部低于 {TARGET_MS:.0f} ms（最长 {worst[0]} {worst[1]:.1f} ms）"
        )


if __name__ == "__main__":
    main()
