"""The web portal over HTTP (issue 23), through Flask's test client on the example county: who may
see and do what, sessions, CSRF, escaping, downloads, the queue, the audit log. The same app in a
real browser: tests/test_portal_browser.py."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from reportgen import accounts as accounts_module
from reportgen.accounts import (
    add_token,
    add_user,
    audit_entries,
    revoke_tokens,
    set_active,
    set_password,
)
from reportgen.config import load_settings
from reportgen.dataset.schema import TABLES
from reportgen.web import create_app
from reportgen.web import security as security_module
from reportgen.web.jobs import verify_text
from reportgen.workspace import open_dataset

PASSWORD = "Qingshan#2023"
CGZ_HOUSEHOLD = "H0002"  # 王晓东, 城关镇/王庄村 (411599101201)
HK_HOUSEHOLD = "H0204"  # 王永刚, 河口乡/张寨村
WANGZHUANG = "411599101201"
HK_VILLAGE = "411599102203"
CGZ_SCHOOL = "2141599003"  # 城关镇第一小学


@pytest.fixture
def portal(example):
    """The app on a copy of the example county with one user per role (and a second township)."""
    app = create_app(example)
    dataset = app.extensions["reportgen"].dataset
    add_user(dataset, "admin", "admin", None, PASSWORD)
    add_user(dataset, "county", "county", None, PASSWORD)
    add_user(dataset, "cgz", "township", "城关镇", PASSWORD)
    add_user(dataset, "hk", "township", "河口乡", PASSWORD)
    add_user(dataset, "xx", "school", CGZ_SCHOOL, PASSWORD)
    yield app
    app.extensions["reportgen"].jobs.shutdown()
    dataset.dispose()


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(app, name: str, password: str = PASSWORD):
    client = app.test_client()
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": name, "password": password, "csrf_token": token})
    assert r.status_code == 302, r.text
    return client


def token_of(client) -> str:
    return csrf_of(client.get("/documents").text)


def wait(client, job_id: str, limit: float = 180) -> dict:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        doc = client.get(f"/api/jobs/{job_id}").get_json()
        if doc["state"] in ("done", "failed", "interrupted"):
            return doc
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {doc}")


def wait_with(client, headers: dict, job_id: str) -> dict:
    for _ in range(600):
        doc = client.get(f"/api/jobs/{job_id}", headers=headers).get_json()
        if doc["state"] in ("done", "failed", "interrupted"):
            return doc
        time.sleep(0.2)
    raise AssertionError(doc)


def generate(client, kind: str, place: str, **options) -> dict:
    r = client.post("/api/documents", json={"kind": kind, "place": place, "options": options},
                    headers={"X-CSRF-Token": token_of(client)})  # fmt: skip
    assert r.status_code == 202, r.get_json()
    return r.get_json()


# ---------------------------------------------------------------------- anonymous, login, session
def test_anonymous_requests_go_to_the_login_page_and_the_api_answers_401(portal):
    client = portal.test_client()
    for url in (
        "/",
        "/households",
        f"/households/{CGZ_HOUSEHOLD}",
        "/documents",
        "/import",
        "/audit",
    ):
        r = client.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login"), url
    r = client.get(f"/api/households/{CGZ_HOUSEHOLD}")
    assert r.status_code == 401 and "王晓东" not in r.text
    page = client.get("/login").text
    assert "登录" in page and "王晓东" not in page


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(portal):
    client = portal.test_client()
    token = csrf_of(client.get("/login").text)
    form = {"username": "cgz", "password": PASSWORD, "csrf_token": token}
    r = client.post("/login", data={**form, "next": "/households?q=王"})
    assert r.headers["Location"] == "/households?q=%E7%8E%8B"  # 王, as the browser sent it
    client = portal.test_client()
    form["csrf_token"] = csrf_of(client.get("/login").text)
    for elsewhere in (
        "//evil.example/x",
        "/\\evil.example/x",
        "https://evil.example/",
        "javascript:alert(1)",
    ):
        client = portal.test_client()
        form["csrf_token"] = csrf_of(client.get("/login").text)
        r = client.post("/login", data={**form, "next": elsewhere})
        assert r.headers["Location"] == "/", elsewhere


def test_the_session_cookie_is_httponly_and_samesite(portal):
    client = portal.test_client()
    r = client.get("/login")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_wrong_password_is_refused_and_audited(portal):
    client = portal.test_client()
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login", data={"username": "cgz", "password": "wrong-pass", "csrf_token": token}
    )
    assert r.status_code == 401 and "用户名或密码不对" in r.text
    assert client.get("/").status_code == 302
    dataset = portal.extensions["reportgen"].dataset
    assert audit_entries(dataset, 1)[0]["action"] == "login_failed"


def test_logins_are_throttled_after_five_failures_even_with_the_right_password(portal):
    client = portal.test_client()
    for _ in range(security_module.MAX_FAILURES):
        token = csrf_of(client.get("/login").text)
        r = client.post(
            "/login", data={"username": "cgz", "password": "wrong-pass", "csrf_token": token}
        )
        assert r.status_code == 401
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "cgz", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    assert client.get("/").status_code == 302  # not logged in
    dataset = portal.extensions["reportgen"].dataset
    assert audit_entries(dataset, 1)[0]["action"] == "login_throttled"
    # another user is not held up by cgz's failures
    login(portal, "hk")


def test_a_session_ends_after_the_idle_timeout(portal, monkeypatch):
    client = login(portal, "cgz")
    assert client.get("/").status_code == 200
    later = accounts_module._now() + dt.timedelta(minutes=security_module.IDLE_MINUTES, seconds=5)
    monkeypatch.setattr(accounts_module, "_now", lambda: later)
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert "登录已超时" in client.get(r.headers["Location"]).text
    dataset = portal.extensions["reportgen"].dataset
    assert audit_entries(dataset, 1)[0]["action"] == "session_expired"


def test_disabling_a_user_or_changing_the_password_ends_the_session(portal):
    dataset = portal.extensions["reportgen"].dataset
    client = login(portal, "cgz")
    set_active(dataset, "cgz", False)
    assert client.get("/").status_code == 302
    set_active(dataset, "cgz", True)
    client = login(portal, "cgz")
    time.sleep(1.1)  # password_changed_at has whole seconds on some backends
    set_password(dataset, "cgz", "Another#2024")
    assert client.get("/").status_code == 302


def test_logout_needs_the_csrf_token_and_ends_the_session(portal):
    client = login(portal, "cgz")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": token_of(client)})
    assert client.get("/").status_code == 302


# ---------------------------------------------------------------------- scope
def test_a_township_user_sees_only_its_own_households(portal):
    client = login(portal, "cgz")
    page = client.get("/households?q=王").text
    assert CGZ_HOUSEHOLD in page and HK_HOUSEHOLD not in page
    assert client.get(f"/households/{CGZ_HOUSEHOLD}").status_code == 200
    r = client.get(f"/households/{HK_HOUSEHOLD}")
    assert r.status_code == 403 and "王永刚" not in r.text
    r = client.get(f"/api/households/{HK_HOUSEHOLD}")
    assert r.status_code == 403 and "王永刚" not in r.text
    assert client.get("/api/households/H9999").status_code == 404
    assert client.get(f"/households?village={HK_VILLAGE}").status_code == 403
    found = client.get("/api/households?q=王").get_json()["households"]
    assert found and all(h["village_code"].startswith("411599101") for h in found)
    dataset = portal.extensions["reportgen"].dataset
    refused = [e for e in audit_entries(dataset, 20) if e["action"] == "refused"]
    assert {e["target"] for e in refused} >= {f"户 {HK_HOUSEHOLD}", f"村 {HK_VILLAGE}"}


def test_a_township_user_sees_only_the_students_of_its_schools(portal):
    dataset = portal.extensions["reportgen"].dataset
    s, schools = TABLES["students"], TABLES["schools"]
    with dataset.engine.connect() as conn:
        other = conn.execute(sa.select(s.c.student_no, s.c.name).join(schools, schools.c.school_code == s.c.school_code)
                             .where(schools.c.region_code.like("411599102%")).limit(1)).one()  # fmt: skip
    client = login(portal, "cgz")
    r = client.get(f"/students/{other.student_no}")
    assert r.status_code == 403 and other.name not in r.text
    assert "<p>0 名</p>" in client.get(f"/students?q={other.student_no}").text
    assert login(portal, "hk").get(f"/students/{other.student_no}").status_code == 200


def test_a_county_user_sees_every_township(portal):
    client = login(portal, "county")
    assert client.get(f"/households/{HK_HOUSEHOLD}").status_code == 200
    assert client.get(f"/api/households/{CGZ_HOUSEHOLD}").get_json()["head_name"] == "王晓东"


def test_a_school_user_sees_its_students_and_no_household(portal):
    client = login(portal, "xx")
    assert client.get(f"/households/{CGZ_HOUSEHOLD}").status_code == 403
    students = client.get("/api/students?q=").get_json()["students"]
    assert students and {s["school_code"] for s in students} == {CGZ_SCHOOL}
    kinds = {k["kind"] for k in client.get("/api/kinds").get_json()["kinds"]}
    assert kinds == {"card", "aid-notice", "dropout", "form"}


def test_the_household_page_shows_facts_procedures_deadlines_and_document_links(portal):
    client = login(portal, "cgz")
    page = client.get(f"/households/{CGZ_HOUSEHOLD}").text
    assert "王晓东" in page and "家庭成员" in page and "监测程序和时限" in page
    assert "/documents/monitor-sheet?place=village" in page
    dataset = portal.extensions["reportgen"].dataset
    assert audit_entries(dataset, 1)[0]["action"] == "view"
    # a household with a procedure: each step with its deadline
    mp = TABLES["monitoring_procedures"]
    h = TABLES["households"]
    with dataset.engine.connect() as conn:
        hid = conn.execute(sa.select(mp.c.household_id).join(h, h.c.household_id == mp.c.household_id)
                           .where(h.c.village_code.like("411599101%"), mp.c.county_approved_on.is_not(None))
                           .limit(1)).scalar_one()  # fmt: skip
    page = client.get(f"/households/{hid}").text
    assert "县级审批" in page and "发现后 15 天内" in page and "审批后 10 天内" in page


def test_names_are_shown_as_text_never_as_markup(portal):
    dataset = portal.extensions["reportgen"].dataset
    h = TABLES["households"]
    with dataset.engine.begin() as conn:
        conn.execute(h.update().where(h.c.household_id == CGZ_HOUSEHOLD)
                     .values(head_name="<script>alert(1)</script>"))  # fmt: skip
    client = login(portal, "cgz")
    for url in (f"/households?q={CGZ_HOUSEHOLD}", f"/households/{CGZ_HOUSEHOLD}"):
        page = client.get(url).text
        assert "<script>alert(1)</script>" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
    r = client.get(f"/households?q={CGZ_HOUSEHOLD}")
    assert (
        "script-src" not in r.headers["Content-Security-Policy"]
    )  # no inline script allowed at all
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")


# ---------------------------------------------------------------------- CSRF
def test_a_post_without_the_csrf_token_is_refused(portal):
    client = login(portal, "cgz")
    r = client.post("/documents/notice", data={"place": f"village:{WANGZHUANG}"})
    assert r.status_code == 400 and "CSRF" in r.text
    r = client.post("/api/documents", json={"kind": "notice", "place": f"village:{WANGZHUANG}"})
    assert r.status_code == 400
    r = client.post("/api/documents", json={"kind": "notice", "place": f"village:{WANGZHUANG}"},
                    headers={"X-CSRF-Token": "forged"})  # fmt: skip
    assert r.status_code == 400
    assert portal.extensions["reportgen"].jobs.jobs() == []


# ---------------------------------------------------------------------- documents
def test_the_form_is_built_from_the_commands_options_within_the_scope(portal):
    client = login(portal, "cgz")
    page = client.get("/documents/monitor-sheet").text
    places = re.findall(r'<option value="([a-z]+:?[0-9]*)"', page)
    assert f"village:{WANGZHUANG}" in places and "township:411599101" in places
    assert not any(p.startswith("village:411599102") for p in places) and "county" not in places
    assert 'name="include_all"' in page and 'name="poor"' in page and 'name="pdf"' in page
    assert 'name="out_dir"' not in page and 'name="workers"' not in page
    county_page = login(portal, "county").get("/documents/monitor-sheet").text
    assert '<option value="county"' in county_page
    # the county's monthly report has no place: not for a township
    assert login(portal, "cgz").get("/documents/monthly").status_code == 403


def test_a_choice_outside_the_scope_is_refused_before_anything_runs(portal):
    client = login(portal, "cgz")
    token = token_of(client)
    r = client.post(
        "/documents/notice", data={"csrf_token": token, "place": f"village:{HK_VILLAGE}"}
    )
    assert r.status_code == 403 and "不在" in r.text
    r = client.post("/api/documents", json={"kind": "monitor-sheet", "place": "county"},
                    headers={"X-CSRF-Token": token})  # fmt: skip
    assert r.status_code == 403
    r = client.post("/api/documents", headers={"X-CSRF-Token": token},
                    json={"kind": "monitor-sheet", "place": f"village:{WANGZHUANG}", "options": {"household": HK_HOUSEHOLD}})  # fmt: skip
    assert r.status_code == 403 and "不在" in r.get_json()["message"] and "王永刚" not in r.text
    r = client.post("/api/documents", json={"kind": "monitor-sheet", "options": {"household": "H9999"}},
                    headers={"X-CSRF-Token": token})  # fmt: skip
    assert r.status_code == 400 and "没有户 H9999" in r.get_json()["message"]
    refused = {
        e["target"]
        for e in audit_entries(portal.extensions["reportgen"].dataset, 20)
        if e["action"] == "refused"
    }
    assert {
        f"文书 notice：village:{HK_VILLAGE}",
        f"文书 monitor-sheet：{HK_HOUSEHOLD}",
        "文书 monitor-sheet：county",
    } <= refused
    r = client.post("/api/documents", json={"kind": "monthly", "options": {"month": "2023-09"}},
                    headers={"X-CSRF-Token": token})  # fmt: skip
    assert r.status_code == 403
    r = client.post(
        "/documents/selfcheck", data={"csrf_token": token, "place": "township:411599101"}
    )
    assert r.status_code == 400 and "季度" in r.text  # a required option, as the command says
    assert portal.extensions["reportgen"].jobs.jobs() == []


def test_the_form_speaks_chinese_and_checks_dates_and_numbers_before_queueing(portal):
    client = login(portal, "county")
    page = client.get("/documents/notice").text
    assert "项目公示" in page and "识别纳入结果公告" in page and ">project<" not in page
    assert "type=date" in page and "`" not in page
    monthly = client.get("/documents/monthly").text
    assert (
        "名单（.xlsx）写完整证件号码" in monthly
        and "遮挡" in monthly
        and "--full-ids" not in monthly
    )
    token = token_of(client)
    place = f"village:{WANGZHUANG}"
    r = client.post(
        "/documents/notice", data={"csrf_token": token, "place": place, "date_text": "2023-13-45"}
    )
    assert r.status_code == 400 and "日期写法不对" in r.text and "2023-13-45" in r.text
    r = client.post("/documents/notice", data={"csrf_token": token, "place": place, "days": "abc"})
    assert r.status_code == 400 and "应为整数" in r.text and "Invalid value" not in r.text
    assert portal.extensions["reportgen"].jobs.jobs() == []


def test_one_households_documents_from_its_page(portal):
    client = login(portal, "cgz")
    page = client.get(f"/households/{CGZ_HOUSEHOLD}").text
    link = (
        re.search(r'href="(/documents/monitor-sheet\?[^"]+)"', page).group(1).replace("&amp;", "&")
    )
    form = client.get(link).text
    assert f'value="{CGZ_HOUSEHOLD}"' in form
    values = dict(re.findall(r"[?&]([a-z_]+)=([^&]+)", link))
    r = client.post("/documents/monitor-sheet", data={"csrf_token": csrf_of(form), **values})
    assert r.status_code == 302, r.text
    job = wait(client, r.headers["Location"].rsplit("/", 1)[1])
    assert job["state"] == "done", job["message"]
    assert job["place"] == f"户 {CGZ_HOUSEHOLD}" and "1 户" in job["message"]
    # the household's members: 户主 first
    names = re.findall(r"<tr><td>([^<]+)</td><td>(户主|[^<]*)</td>", page)
    assert names and names[0][1] == "户主"


def test_a_village_notice_is_generated_downloaded_and_fenced(portal):
    client = login(portal, "cgz")
    job = generate(client, "monitor-sheet", f"village:{WANGZHUANG}")
    done = wait(client, job["id"])
    assert done["state"] == "done", done["message"]
    assert done["verified"] is None and done["exit_code"] == 0
    files = {f["file"]: f for f in done["files"]}
    assert "防止返贫监测明白纸_城关镇王庄村.docx" in files and "manifest.json" in files
    r = client.get(files["防止返贫监测明白纸_城关镇王庄村.docx"]["url"])
    assert r.status_code == 200 and r.data[:2] == b"PK"
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.data)).paragraphs)
    assert "王庄村" in text
    z = zipfile.ZipFile(io.BytesIO(client.get(done["zip"]).data))
    assert set(z.namelist()) == set(files)
    page = client.get(f"/jobs/{job['id']}").text
    assert "已完成" in page and "/tmp" not in page  # the server's folders are not shown
    # another township: neither the job, its page, its files nor its zip
    other = login(portal, "hk")
    assert other.get(f"/jobs/{job['id']}").status_code == 403
    assert other.get(f"/api/jobs/{job['id']}").status_code == 403
    assert other.get(files["防止返贫监测明白纸_城关镇王庄村.docx"]["url"]).status_code == 403
    assert other.get(done["zip"]).status_code == 403
    assert job["id"] not in other.get("/documents").text
    # the county sees it; the audit log has the generation and the downloads
    assert login(portal, "county").get(f"/api/jobs/{job['id']}").status_code == 200
    actions = [e["action"] for e in audit_entries(portal.extensions["reportgen"].dataset, 50)]
    assert {"generate", "download", "refused"} <= set(actions)


def test_a_download_path_outside_the_output_folder_is_refused(portal):
    client = login(portal, "cgz")
    job = wait(client, generate(client, "monitor-sheet", f"village:{WANGZHUANG}")["id"])
    base = f"/jobs/{job['id']}/files/"
    for name in ("../job.json", "..%2Fjob.json", "%2e%2e/job.json", "../../session.key",
                 "../../../reportgen.toml", "/etc/passwd", "%2Fetc%2Fpasswd", "..\\job.json", ""):  # fmt: skip
        r = client.get(base + name, follow_redirects=True)
        assert r.status_code in (403, 404), name
        assert b'"scope_key"' not in r.data and b"[county]" not in r.data and b"root:" not in r.data
    for bad in ("../x", "20261203-000000-zzzzzzzzzz", "..", "%2e%2e"):
        assert client.get(f"/jobs/{bad}").status_code in (403, 404)


def test_a_failed_generation_is_shown_as_failed_with_the_commands_words(portal):
    client = login(portal, "county")
    job = generate(client, "selfcheck", "county", quarter="2023Q9")
    done = wait(client, job["id"])
    assert done["state"] == "failed" and done["exit_code"] not in (0, None)
    assert "2023Q9" in done["message"] and done["zip"] is None
    page = client.get(f"/jobs/{job['id']}").text
    assert "生成失败" in page and "退出码" in page


def test_an_output_folder_that_does_not_match_its_manifest_is_not_done(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.txt").write_text("x", encoding="utf-8")
    from reportgen.engine.manifest import OutputEntry, write_manifest

    write_manifest(folder, outputs=[OutputEntry.for_file(folder / "a.txt", folder, records=1)])
    assert verify_text(folder) is None
    (folder / "a.txt").write_text("changed", encoding="utf-8")
    assert "a.txt" in verify_text(folder)
    (folder / "manifest.json").unlink()
    assert "manifest.json" in verify_text(folder)


def test_twenty_generations_asked_at_once_are_queued_and_all_finish(portal, backend):
    if backend != "sqlite":
        pytest.skip("the queue is the same on every backend; once is enough")
    client = login(portal, "cgz")
    token = token_of(client)
    got: list = []

    def ask(i: int) -> None:
        village = WANGZHUANG if i % 2 else "411599101202"
        r = client.post("/api/documents", json={"kind": "monitor-sheet", "place": f"village:{village}"},
                        headers={"X-CSRF-Token": token})  # fmt: skip
        got.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s for s, _ in got] == [202] * 20
    ids = {doc["id"] for _, doc in got}
    assert len(ids) == 20
    results = [wait(client, i, limit=600) for i in sorted(ids)]
    assert [r["state"] for r in results] == ["done"] * 20, [
        r["message"] for r in results if r["state"] != "done"
    ]
    assert all(r["verified"] is None and len(r["files"]) == 3 for r in results)
    # queued, not run side by side (serve --jobs 1): each started when the one before had finished
    runs = sorted((r["started_at"], r["finished_at"]) for r in results)
    assert all(start >= end for (_, end), (start, _) in zip(runs, runs[1:])), runs


# ---------------------------------------------------------------------- import
def bad_workbook(folder: Path) -> Path:
    """The example's 户籍人口 workbook with one impossible ID number."""
    from reportgen.paths import example_data_dir

    book = openpyxl.load_workbook(example_data_dir() / "示例县" / "02_户籍人口.xlsx")
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(headers, 1) if h and "证件号码" in str(h))
    sheet.cell(row=3, column=column, value="41159919800101123X")  # wrong check digit
    path = folder / "户籍人口_有错.xlsx"
    book.save(path)
    return path


def test_an_import_with_an_error_changes_nothing_and_names_the_problem(portal, tmp_path):
    path = bad_workbook(tmp_path)
    dataset = portal.extensions["reportgen"].dataset
    before = dataset.latest_import()["id"]
    client = login(portal, "admin")
    with path.open("rb") as f:
        r = client.post("/import", data={"csrf_token": token_of(client), "files": (f, path.name)},
                        content_type="multipart/form-data")  # fmt: skip
    assert r.status_code == 422
    page = r.text
    assert (
        "本批数据没有导入" in page and "户籍人口_有错.xlsx" in page and "41159919800101123X" in page
    )
    assert "第3行" in page or "第 3 行" in page
    assert (
        str(portal.extensions["reportgen"].folder) not in page
    )  # the name uploaded, not the server's path
    link = re.search(r'href="(/import/[^/"]+/[^"]+)"', page).group(1)
    book = openpyxl.load_workbook(io.BytesIO(client.get(link).data))
    rows = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    bad = [r for r in rows if "41159919800101123X" in " ".join(map(str, r))]
    assert bad and bad[0][1:5] == ["户籍人口_有错.xlsx", "户信息", 3, "户主证件号码"], rows[:3]
    assert dataset.latest_import()["id"] == before
    assert [e["action"] for e in audit_entries(dataset, 2)] == ["download", "import_failed"]


def test_only_admin_and_county_users_import(portal):
    client = login(portal, "cgz")
    assert client.get("/import").status_code == 403
    r = client.post("/import", data={"csrf_token": token_of(client)})
    assert r.status_code == 403


def test_a_good_import_from_the_page(portal):
    from reportgen.paths import example_data_dir

    client = login(portal, "county")
    path = example_data_dir() / "示例县" / "01_行政区划.xlsx"
    with path.open("rb") as f:
        r = client.post("/import", data={"csrf_token": token_of(client), "files": (f, path.name)},
                        content_type="multipart/form-data")  # fmt: skip
    assert r.status_code == 200 and "导入成功" in r.text
    assert audit_entries(portal.extensions["reportgen"].dataset, 1)[0]["action"] == "import"


# ---------------------------------------------------------------------- pages
def test_home_selfcheck_and_schedule_pages(portal):
    client = login(portal, "cgz")
    home = client.get("/").text
    assert "城关镇" in home and "数据截至第" in home
    check = client.get("/selfcheck?as_of=2023-10-08").text
    assert "检查日 2023-10-08" in check and "依据：" in check
    county = login(portal, "county").get("/selfcheck?as_of=2023-10-08").text
    assert "王永刚" in county and "王永刚" not in check  # H0204's short publicity, in 河口乡
    assert client.get("/schedule").status_code == 403
    assert login(portal, "county").get("/schedule").status_code == 200
    home = login(portal, "county").get("/").text
    assert "没有计划任务" in home and "有错" not in home  # no schedule.toml is not an error
    workspace = portal.extensions["reportgen"].settings.workspace
    (workspace / "schedule.toml").write_text("[[job]]\nname = \n", encoding="utf-8")
    home = login(portal, "county").get("/").text
    assert "计划任务文件有错，到期的任务不会运行" in home


def test_the_audit_log_is_for_admins_and_exports_to_xlsx(portal):
    client = login(portal, "cgz")
    client.get(f"/households/{CGZ_HOUSEHOLD}")
    assert client.get("/audit").status_code == 403
    admin = login(portal, "admin")
    page = admin.get("/audit").text
    assert "查看户信息" in page and CGZ_HOUSEHOLD in page and "登录" in page
    book = openpyxl.load_workbook(io.BytesIO(admin.get("/audit.xlsx").data))
    rows = [[c.value for c in r] for r in book.active.iter_rows()]
    assert rows[0][:3] == ["时间（UTC）", "用户", "操作"]
    assert ["cgz", "查看户信息", CGZ_HOUSEHOLD] in [r[1:4] for r in rows]


# ---------------------------------------------------------------------- API tokens
def test_an_api_token_acts_as_its_user_with_its_scope(portal):
    dataset = portal.extensions["reportgen"].dataset
    token = add_token(dataset, "cgz", "看板")
    client = portal.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/households/{CGZ_HOUSEHOLD}", headers=auth).status_code == 200
    assert client.get(f"/api/households/{HK_HOUSEHOLD}", headers=auth).status_code == 403
    r = client.post("/api/documents", headers=auth,
                    json={"kind": "monitor-sheet", "place": f"village:{WANGZHUANG}"})  # fmt: skip
    assert r.status_code == 202  # a token needs no CSRF token: no cookie is involved
    assert wait_with(client, auth, r.get_json()["id"])["state"] == "done"
    assert (
        client.get("/api/households", headers={"Authorization": "Bearer rg_forged"}).status_code
        == 401
    )
    revoke_tokens(dataset, "cgz")
    assert client.get("/api/households", headers=auth).status_code == 401
    assert "/login" in client.get("/", headers=auth).headers.get("Location", "")


def test_user_token_and_audit_commands(example, run, tmp_path):
    dataset = open_dataset(load_settings(example))
    add_user(dataset, "cgz", "township", "城关镇", PASSWORD)
    dataset.dispose()
    r = run("user", "token", "cgz", "--label", "看板")
    assert r.exit_code == 0 and re.search(r"^rg_\S{20,}$", r.stdout.strip(), re.M)
    r = run("user", "audit", "--user", "cgz")
    assert "添加用户" in r.output or "新建API令牌" in r.output
    target = tmp_path / "审计.xlsx"
    r = run("user", "audit", "--xlsx", str(target))
    assert r.exit_code == 0
    values = [c.value for row in openpyxl.load_workbook(target).active.iter_rows() for c in row]
    assert "新建API令牌" in values
    assert (
        json.dumps(values, ensure_ascii=False).count("rg_") == 0
    )  # the token itself is never logged


def test_serve_says_when_its_port_is_taken(example, run):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = run("serve", "--port", str(port))
    assert r.exit_code == 3
    assert (
        f"无法在 127.0.0.1:{port} 上提供服务：端口已被占用" in r.output
        and f"--port {port + 1}" in r.output
    )


def test_a_workspace_without_data_says_so_in_every_page(workspace):
    (workspace / "reportgen.toml").write_text('[county]\nname = "青山县"\n', encoding="utf-8")
    app = create_app(workspace)
    add_user(app.extensions["reportgen"].dataset, "admin", "admin", None, PASSWORD)
    client = login(app, "admin")
    try:
        assert "还没有导入数据" in client.get("/").text
        for url in ("/households", "/students", "/documents", "/documents/notice", "/selfcheck", "/import",
                    "/schedule", "/audit", "/api/kinds", "/api/households?q=王"):  # fmt: skip
            r = client.get(url)
            assert r.status_code in (200, 409), (url, r.status_code)
            if r.status_code == 409:
                assert "还没有导入数据" in r.text, url
    finally:
        app.extensions["reportgen"].jobs.shutdown()
        app.extensions["reportgen"].dataset.dispose()


def test_admins_manage_users_from_the_page_with_the_same_checks(portal):
    dataset = portal.extensions["reportgen"].dataset
    assert login(portal, "county").get("/users").status_code == 403
    admin = login(portal, "admin")
    token = token_of(admin)
    r = admin.post("/users", data={"csrf_token": token, "action": "add", "name": "shiqiao", "role": "township",
                                   "scope": "石桥镇", "password": "Shiqiao#2023"})  # fmt: skip
    assert r.status_code == 200 and "已添加用户 shiqiao" in r.text
    login(portal, "shiqiao", "Shiqiao#2023")
    r = admin.post("/users", data={"csrf_token": token, "action": "add", "name": "bad", "role": "township",
                                   "scope": "城关镇/王庄村", "password": "Whatever#2023"})  # fmt: skip
    assert r.status_code == 400 and "须是乡镇" in r.text  # a village is not a township user's scope
    r = admin.post("/users", data={"csrf_token": token, "action": "add", "name": "bad", "role": "township",
                                   "scope": "王庄村", "password": "Whatever#2023"})  # fmt: skip
    assert (
        r.status_code == 400 and "候选" in r.text and "河口乡 / 王庄村" in r.text
    )  # two villages of that name
    r = admin.post(
        "/users",
        data={"csrf_token": token, "action": "passwd", "name": "shiqiao", "password": "short"},
    )
    assert r.status_code == 400 and "至少 8 个字符" in r.text
    r = admin.post("/users", data={"csrf_token": token, "action": "disable", "name": "admin"})
    assert r.status_code == 400 and "不能停用自己" in r.text
    admin.post("/users", data={"csrf_token": token, "action": "disable", "name": "shiqiao"})
    client = portal.test_client()
    form = {
        "username": "shiqiao",
        "password": "Shiqiao#2023",
        "csrf_token": csrf_of(client.get("/login").text),
    }
    assert client.post("/login", data=form).status_code == 401
    assert (
        admin.post("/users", data={"action": "enable", "name": "shiqiao"}).status_code == 400
    )  # no CSRF token
    done = {(e["action"], e["user_name"], e["target"]) for e in audit_entries(dataset, 30)}
    assert {("user_add", "admin", "shiqiao"), ("user_disable", "admin", "shiqiao")} <= done


def test_admins_read_the_settings_and_the_policy_numbers(portal):
    assert login(portal, "county").get("/settings").status_code == 403
    page = login(portal, "admin").get("/settings").text
    assert (
        "county.name" in page and "青山县" in page and "monitoring.identification_max_days" in page
    )
    assert "只能查看" in page


# ---------------------------------------------------------------------- found by the review
def test_logging_out_makes_a_copy_of_the_cookie_worthless(portal):
    client = login(portal, "cgz")
    stolen = client.get_cookie("reportgen_session").value
    client.post("/logout", data={"csrf_token": token_of(client)})
    thief = portal.test_client()
    thief.set_cookie("reportgen_session", stolen)
    r = thief.get(f"/api/households/{CGZ_HOUSEHOLD}")
    assert r.status_code == 401 and "王晓东" not in r.text


def test_many_tries_at_once_are_throttled_like_tries_one_after_another(portal, monkeypatch):
    real = accounts_module.verify_password

    def slow(password, stored):  # a slower machine: every try is checked while the others wait
        time.sleep(0.3)
        return real(password, stored)

    monkeypatch.setattr(accounts_module, "verify_password", slow)
    pages = [portal.test_client() for _ in range(12)]
    forms = [
        {"username": "hk", "password": "wrong-pass", "csrf_token": csrf_of(c.get("/login").text)}
        for c in pages
    ]
    codes: list[int] = []
    threads = [threading.Thread(target=lambda c=c, f=f: codes.append(c.post("/login", data=f).status_code))
               for c, f in zip(pages, forms)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [401] * security_module.MAX_FAILURES + [429] * (
        12 - security_module.MAX_FAILURES
    )


def test_behind_a_proxy_the_address_is_the_forwarded_one_only_when_told(example):
    app = create_app(example, proxies=1)
    add_user(app.extensions["reportgen"].dataset, "cgz", "township", "城关镇", PASSWORD)
    try:
        for address in ("10.1.1.7", "10.1.1.8"):
            client = app.test_client()
            headers = {"X-Forwarded-For": address}
            token = csrf_of(client.get("/login", headers=headers).text)
            for _ in range(security_module.MAX_FAILURES):
                form = {"username": "cgz", "password": "wrong-pass", "csrf_token": token}
                assert client.post("/login", data=form, headers=headers).status_code == 401
        # two computers behind the proxy guessed; a third, the clerk's, still logs in
        client = app.test_client()
        headers = {"X-Forwarded-For": "10.1.1.9"}
        form = {
            "username": "cgz",
            "password": PASSWORD,
            "csrf_token": csrf_of(client.get("/login", headers=headers).text),
        }
        assert client.post("/login", data=form, headers=headers).status_code == 302
        sources = {e["source"] for e in audit_entries(app.extensions["reportgen"].dataset, 20)}
        assert {"10.1.1.7", "10.1.1.8", "10.1.1.9"} <= sources
    finally:
        app.extensions["reportgen"].jobs.shutdown()
        app.extensions["reportgen"].dataset.dispose()
    # without --proxies the header is the visitor's own words and is not believed
    plain = create_app(example)
    try:
        client = plain.test_client()
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": "x", "password": "y", "csrf_token": token},
                    headers={"X-Forwarded-For": "10.9.9.9"})  # fmt: skip
        assert audit_entries(plain.extensions["reportgen"].dataset, 1)[0]["source"] == "127.0.0.1"
    finally:
        plain.extensions["reportgen"].jobs.shutdown()
        plain.extensions["reportgen"].dataset.dispose()


def test_option_values_with_control_characters_or_too_long_are_refused(portal):
    client = login(portal, "county")
    headers = {"X-CSRF-Token": token_of(client)}
    for value in ("1班\u0000", "1班\n--county", "班" * 201):
        r = client.post("/api/documents", headers=headers,
                        json={"kind": "card", "place": "township:411599101", "options": {"class_name": value}})  # fmt: skip
        assert r.status_code == 400 and "控制字符" in r.get_json()["message"]
    r = client.post(
        "/api/documents",
        headers=headers,
        data="{" + " " * 70_000 + "}",
        content_type="application/json",
    )
    assert r.status_code == 413
    assert portal.extensions["reportgen"].jobs.jobs() == []


def test_a_job_whose_command_cannot_start_fails_instead_of_running_forever(portal, monkeypatch):
    from reportgen.web import jobs as jobs_module

    def cannot(*args, **kwargs):
        raise ValueError("embedded null byte")

    monkeypatch.setattr(jobs_module.subprocess, "run", cannot)
    client = login(portal, "cgz")
    done = wait(client, generate(client, "monitor-sheet", f"village:{WANGZHUANG}")["id"])
    assert (
        done["state"] == "failed"
        and "无法运行生成命令" in done["message"]
        and "/" not in done["message"]
    )


def test_a_scope_has_at_most_so_many_unfinished_jobs(portal, monkeypatch):
    from reportgen.web import jobs as jobs_module

    monkeypatch.setattr(jobs_module, "MAX_WAITING", 0)
    client = login(portal, "cgz")
    r = client.post("/api/documents", json={"kind": "monitor-sheet", "place": f"village:{WANGZHUANG}"},
                    headers={"X-CSRF-Token": token_of(client)})  # fmt: skip
    assert r.status_code == 429 and "排队" in r.get_json()["message"]


def test_an_invalid_api_token_is_401_even_on_post(portal):
    client = portal.test_client()
    r = client.post(
        "/login",
        data={"username": "cgz", "password": PASSWORD},
        headers={"Authorization": "Bearer x"},
    )
    assert r.status_code == 401
    assert client.get("/").status_code == 302


def test_school_users_see_their_students_dropout_findings_and_only_county_users_full_ids(portal):
    school = login(portal, "xx")
    page = school.get("/selfcheck?as_of=2023-10-08").text
    assert "[D-" in page  # 控辍保学 findings of the school's own students
    assert school.get("/selfcheck?as_of=9999-12-31").status_code == 400
    assert 'name="full_ids"' not in login(portal, "cgz").get("/documents/selfcheck").text
    assert 'name="full_ids"' in login(portal, "county").get("/documents/selfcheck").text


def test_the_problem_list_download_is_audited(portal, tmp_path):
    path = bad_workbook(tmp_path)
    client = login(portal, "admin")
    with path.open("rb") as f:
        page = client.post("/import", data={"csrf_token": token_of(client), "files": (f, path.name)},
                           content_type="multipart/form-data").text  # fmt: skip
    client.get(re.search(r'href="(/import/[^/"]+/[^"]+)"', page).group(1))
    entry = audit_entries(portal.extensions["reportgen"].dataset, 1)[0]
    assert entry["action"] == "download" and "导入问题清单" in entry["target"]


def test_a_steps_deadline_just_inside_and_just_outside():
    from reportgen.web.data import _step

    found = dt.date(2023, 9, 1)  # 识别认定 within 15 days: approved by 9月16日 is on time
    assert (
        _step("县级审批", dt.date(2023, 9, 16), found, 15, "", dt.date(2023, 10, 8)).state == "按时"
    )
    assert (
        _step("县级审批", dt.date(2023, 9, 17), found, 15, "", dt.date(2023, 10, 8)).state
        == "超时 1 天"
    )
    assert _step("县级审批", None, found, 15, "", dt.date(2023, 9, 16)).state == "未完成（未到期）"
    assert (
        _step("县级审批", None, found, 15, "", dt.date(2023, 9, 17)).state == "未完成，已超期 1 天"
    )
    step = _step("系统录入", None, None, 10, "", dt.date(2023, 9, 17))
    assert step.due is None and step.state == "—"  # not approved yet: no limit runs


def test_self_checks_kept_are_bounded_and_a_generation_clears_them(portal, monkeypatch):
    from reportgen.web import pages as pages_module

    monkeypatch.setattr(pages_module, "SELFCHECK_CACHE", 2)
    client = login(portal, "cgz")
    for day in ("2023-10-06", "2023-10-07", "2023-10-08"):
        assert client.get(f"/selfcheck?as_of={day}").status_code == 200
    cache = portal.extensions["reportgen"].cache
    assert sorted(k[1] for k in cache if k[0] == "check") == [
        dt.date(2023, 10, 7),
        dt.date(2023, 10, 8),
    ]
    wait(client, generate(client, "monitor-sheet", f"village:{WANGZHUANG}")["id"])
    assert not [
        k for k in cache if k[0] == "check"
    ]  # a generation may change data (a notice's dates)


def test_a_generation_over_its_time_limit_is_ended_and_failed(portal, monkeypatch):
    import sys

    from reportgen.web import jobs as jobs_module

    monkeypatch.setattr(jobs_module, "JOB_TIMEOUT", dt.timedelta(seconds=1))
    monkeypatch.setattr(jobs_module.JobQueue, "command_line",
                        lambda self, job: [sys.executable, "-c", "import time; time.sleep(30)"])  # fmt: skip
    client = login(portal, "cgz")
    done = wait(client, generate(client, "monitor-sheet", f"village:{WANGZHUANG}")["id"])
    # ended (left alone, the command would sleep its 30 s and exit 0: done)
    assert done["state"] == "failed" and done["message"].startswith("超时（时限 1 秒），已终止")
