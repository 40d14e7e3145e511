"""The web portal (`reportgen serve`, reportgen/web) in a real browser: Debian's chromium driven by
Playwright against the real server (waitress, a subprocess) over a workspace with the example
county's data, as the county's clerks use it.

    login          an anonymous visit lands on 登录; a 城关镇 clerk logs in and sees the scope
    household      村/户 search by name → the household's page (户编号, members, 监测程序和时限)
    documents      文书 → 公示公告 and 防止返贫监测明白纸 for 城关镇/王庄村: the job page refreshes
                   itself until 已完成; the .zip and one .docx download and hold the village's text
    import         an admin uploads a workbook with one bad cell: the problem is named (file,
                   sheet, row, value), the 问题清单 downloads, nothing was imported
    scope          a 城关镇 clerk asking for a 河口乡 household gets 没有权限 (403) and none of its data

Needs /usr/bin/chromium (skipped without it on a developer machine; fails in CI, where .ci/run
installs it). Screenshots for people to look at go to /tmp/portal-shots/.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
SHOTS = Path("/tmp/portal-shots")
TODAY = "2023-10-08"  # the example data's documents are dated around it
EXAMPLE = Path(__file__).resolve().parents[1] / "data_examples" / "示例县"
PASSWORD = "Qingshan#2023"
CLERK, HEKOU_CLERK, ADMIN = "chengguan", "hekou", "admin"
VILLAGE = "城关镇/王庄村"
JOB_WAIT_MS = 120_000  # a wait, never an assertion: the generation runs as its own process
SERVER_WAIT_S = 30


try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pyproject's [test] extra installs it; _browser_available says so
    sync_playwright = None
else:
    expect.set_options(timeout=15_000)  # waits (a busy CI machine), never an asserted limit


@pytest.fixture(scope="module", autouse=True)
def _browser_available() -> None:
    """Before anything is set up: skipped without the browser on a developer machine, failed in
    CI (CI set), where .ci/run installs Debian's chromium and the [test] extra playwright."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Debian's chromium ({CHROMIUM}; apt-get install chromium)")
    if sync_playwright is None:
        missing.append("the Python package playwright (pip install '.[test]')")
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the portal's browser tests need {' and '.join(missing)}", pytrace=False)
    pytest.skip(f"no {' and no '.join(missing)}")


# ----------------------------------------------------------------------------- the served workspace
def _env() -> dict[str, str]:
    env = {**os.environ, "REPORTGEN_TODAY": TODAY, "PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"}
    for name in ("REPORTGEN_DB", "REPORTGEN_SCHEDULE_RUN"):  # the workspace's own SQLite file
        env.pop(name, None)
    return env


def reportgen(ws: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "reportgen", "-C", str(ws), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(),
    )
    assert done.returncode == 0, (
        f"reportgen {' '.join(args)} → {done.returncode}\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    """A workspace with the example county imported and three users."""
    ws = tmp_path_factory.mktemp("portal")
    reportgen(ws, "init", "--county", "青山县")
    reportgen(ws, "import", str(EXAMPLE))
    for name, role, scope in (
        (CLERK, "township", "城关镇"),
        (HEKOU_CLERK, "township", "河口乡"),
        (ADMIN, "admin", None),
    ):
        where = ["--scope", scope] if scope else []
        add = ["user", "add", name, "--role", role, *where, "--password-stdin"]
        reportgen(ws, *add, stdin=PASSWORD + "\n")
    return ws


def query(ws: Path, sql: str, *params) -> list[tuple]:
    """What the dataset holds, read straight from the workspace's SQLite file (not via the app)."""
    db = ws / "reportgen.db"
    assert db.is_file(), f"no {db}: the workspace is expected on its default SQLite database"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


TOWNSHIP_HOUSEHOLDS = """
    SELECT h.household_id, h.head_name, h.head_id_number FROM households h
    JOIN regions v ON v.code = h.village_code JOIN regions t ON t.code = v.parent_code
    WHERE t.name = ? AND t.level = '乡'"""


def township_households(ws: Path, township: str) -> list[tuple[str, str, str]]:
    return query(ws, TOWNSHIP_HOUSEHOLDS + " ORDER BY h.household_id", township)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(ws) -> Iterator[str]:
    """`reportgen serve` on a free port of 127.0.0.1; its base URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = ws / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "reportgen", "-C", str(ws), "serve", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_env(),
        )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    deadline = time.monotonic() + SERVER_WAIT_S
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"reportgen serve exited ({proc.returncode}):\n{_text(log_path)}")
            try:
                with opener.open(f"{url}/login", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"reportgen serve did not answer on {url} within {SERVER_WAIT_S} s:\n"
                    f"{_text(log_path)}"
                )
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-4000:]


# ----------------------------------------------------------------------------- the browser
@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@contextlib.contextmanager
def new_page(browser, server: str) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies: nobody logged in)."""
    context = browser.new_context(
        base_url=server, viewport=VIEWPORT, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser, server) -> Iterator[Page]:
    with new_page(browser, server) as pg:
        yield pg


def shot(page: Page, name: str) -> None:
    """A full-page screenshot for a human to look at (not asserted)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page: Page, name: str, target: str = "/") -> None:
    """Through the login form, as a clerk does: ask for `target`, land on 登录, log in."""
    page.goto(target)
    expect(page).to_have_url(re.compile(r"/login\?"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()


def home_counts(page: Page) -> dict[str, str]:
    """The home page's counts table: {村: …, 户: …, 其中监测户: …, 人: …, 学校: …, 学生: …}."""
    table = page.locator("table.counts")
    expect(table).to_be_visible()
    heads = table.locator("th").all_inner_texts()
    cells = table.locator("td").all_inner_texts()
    return {h.strip(): c.strip() for h, c in zip(heads, cells)}


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a .docx, headers and footers too."""
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    tables = list(document.tables)
    for section in document.sections:
        for part in (section.header, section.footer):
            parts += [p.text for p in part.paragraphs]
            tables += part.tables
    for table in tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


# ----------------------------------------------------------------------------- 1. login
def test_login_then_the_home_page_shows_the_scope_and_its_counts(page, ws):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_role("navigation")).to_have_count(0)  # nothing of the portal before login

    page.get_by_label("用户名").fill(CLERK)
    page.get_by_label("密码").fill("not the password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不对")

    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^城关镇"))
    expect(page.locator("header")).to_contain_text(f"{CLERK}（")
    expect(page.locator("header")).to_contain_text("城关镇")
    expect(page.locator("p.asof")).to_contain_text("数据截至第 1 次导入")

    households = township_households(ws, "城关镇")
    [(persons,)] = query(
        ws,
        f"SELECT count(*) FROM persons WHERE household_id IN "
        f"(SELECT household_id FROM ({TOWNSHIP_HOUSEHOLDS}))",
        "城关镇",
    )
    [(villages,)] = query(
        ws,
        "SELECT count(*) FROM regions v JOIN regions t ON t.code = v.parent_code "
        "WHERE t.name = '城关镇' AND v.level = '村'",
    )
    counts = home_counts(page)
    assert counts["户"] == str(len(households)), counts
    assert counts["人"] == str(persons), counts
    assert counts["村"] == str(villages), counts
    [(everyone,)] = query(ws, "SELECT count(*) FROM households")
    assert len(households) < everyone  # the page counts the scope, not the county
    shot(page, "home")

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?"))


# ----------------------------------------------------------------------------- 2. a household
def test_search_a_household_by_name_and_open_its_page(page, ws):
    # a household of 城关镇 under monitoring (its page has procedures to show), its head's name
    # used by no other household of the county
    [(hid, head, head_id)] = query(
        ws,
        TOWNSHIP_HOUSEHOLDS
        + """
        AND EXISTS (SELECT 1 FROM monitoring_procedures m WHERE m.household_id = h.household_id)
        AND (SELECT count(*) FROM households x WHERE x.head_name = h.head_name) = 1
        ORDER BY h.household_id LIMIT 1""",
        "城关镇",
    )
    members = [
        name for (name,) in query(ws, "SELECT name FROM persons WHERE household_id = ?", hid)
    ]
    assert members

    log_in(page, CLERK)
    nav(page, "村/户")
    expect(page.get_by_role("heading", name="村/户")).to_be_visible()
    search = page.get_by_placeholder(re.compile("姓名、户编号"))
    search.fill(head)
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"/households\?q="))
    result = page.get_by_role("row").filter(has=page.get_by_role("link", name=hid, exact=True))
    expect(result).to_contain_text(head)
    result.get_by_role("link", name=hid, exact=True).click()

    expect(page).to_have_url(re.compile(f"/households/{hid}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{head}户（{hid}）")
    expect(page.get_by_role("heading", name=f"家庭成员（{len(members)} 人）")).to_be_visible()
    member_table = page.locator("table.list").first
    for name in members:
        expect(member_table.get_by_role("cell", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^监测程序和时限"))).to_contain_text(TODAY)
    expect(page.get_by_text("没有监测程序记录")).to_have_count(0)
    assert head_id not in page.content()  # the ID number is shown masked
    shot(page, "household")


# ----------------------------------------------------------------------------- 3. documents
def open_kind_form(page: Page, kind_name: str) -> None:
    nav(page, "文书")
    expect(page.get_by_role("heading", name="文书", exact=True)).to_be_visible()
    page.get_by_role("link", name=kind_name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(kind_name)


def choose_village(page: Page) -> None:
    """范围: 城关镇/王庄村 (labelled 城关镇/王庄村（411599101201）; 河口乡 has a 王庄村 too)."""
    place = page.get_by_label("范围")
    [label] = [o for o in place.locator("option").all_inner_texts() if o.startswith(VILLAGE + "（")]
    place.select_option(label=label)


def submit_and_wait(page: Page, kind_name: str) -> None:
    """生成, then the job page (refreshing itself every 2 s) until the job has finished: done."""
    page.get_by_role("button", name="生成").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{kind_name}：{VILLAGE}")
    state = page.locator("#state")
    expect(state).to_have_text(re.compile("^(已完成|失败|已中断)$"), timeout=JOB_WAIT_MS)
    message = page.locator("pre.message")
    said = message.inner_text() if message.count() else ""
    assert state.inner_text() == "已完成", f"the job ended {state.inner_text()}:\n{said}"


def test_generate_a_villages_notices_and_monitor_sheets_and_download_them(page, tmp_path):
    log_in(page, CLERK)

    open_kind_form(page, "公示公告")
    options = page.get_by_label("范围").locator("option").all_inner_texts()
    assert not [o for o in options if o.startswith("河口乡")], options  # the clerk's township only
    choose_village(page)
    page.get_by_label("公示第一天").fill("2023-09-01")  # --date
    submit_and_wait(page, "公示公告")
    expect(page.get_by_text("输出文件夹已与 manifest.json 核对无误")).to_be_visible()
    shot(page, "job")

    listed = page.locator("table.list").get_by_role("link").all_inner_texts()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载全部（.zip）").click()
    assert download.value.suggested_filename.endswith(".zip")
    saved = tmp_path / "notices.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as z:
        names = z.namelist()
        documents = {n: docx_text(z.read(n)) for n in names if n.endswith(".docx")}
    assert sorted(names) == sorted(listed)  # the .zip holds what the page lists
    assert documents, names
    assert any("王庄村" in text for text in documents.values()), list(documents)
    assert any("2023年9月1日" in text for text in documents.values())  # the 公示第一天 given

    open_kind_form(page, "防止返贫监测明白纸")
    choose_village(page)
    submit_and_wait(page, "防止返贫监测明白纸")
    word = page.locator("table.list").get_by_role("link", name=re.compile(r"\.docx$")).first
    with page.expect_download() as download:
        word.click()
    assert download.value.suggested_filename.endswith(".docx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert "王庄村" in docx_text(saved.read_bytes())


# ----------------------------------------------------------------------------- 4. import
def _id_number(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def bad_upload(path: Path) -> None:
    """02_户籍人口.xlsx cut down: 户信息 with one new household (H9001, valid), 人员信息 with the
    first household's three members and the new head, the second member's 出生日期 not a date.
    Without that one cell the importer takes it (1 household added)."""
    import openpyxl

    new_id = _id_number("41302819900307123")
    wb = openpyxl.load_workbook(EXAMPLE / "02_户籍人口.xlsx")
    households, persons = wb["户信息"], wb["人员信息"]
    households.delete_rows(3, households.max_row)
    households.cell(2, 1).value, households.cell(2, 3).value = "H9001", "测试新户"
    households.cell(2, 4).value = new_id
    persons.delete_rows(5, persons.max_row)
    head = [new_id, "H9001", "测试新户", "户主", "男", dt.datetime(1990, 3, 7), "普通劳动力"]
    persons.append([*head, "健康", None, None, "是", "是", 0, None, None])
    assert persons.cell(1, 6).value == "出生日期"
    persons.cell(4, 6).value = "不详"
    wb.save(path)


def test_an_import_with_a_bad_cell_names_the_problem_and_changes_nothing(page, ws, tmp_path):
    upload = tmp_path / "户籍人口_有错.xlsx"
    bad_upload(upload)
    [(households_before,)] = query(ws, "SELECT count(*) FROM households")

    log_in(page, ADMIN)
    before = home_counts(page)
    assert before["户"] == str(households_before), before
    nav(page, "导入")
    expect(page.get_by_role("heading", name="导入数据")).to_be_visible()
    page.locator("input[type=file]").set_input_files(upload)
    page.get_by_role("button", name="导入").click()

    expect(
        page.get_by_role("heading", name=re.compile(r"问题（1 个），本批数据没有导入"))
    ).to_be_visible()
    problem = page.locator("ol.problems li")
    expect(problem).to_have_count(1)
    for part in (upload.name, "人员信息", "第4行", "出生日期", "不详"):
        expect(problem).to_contain_text(part)

    with page.expect_download() as download:
        page.get_by_role("link", name="下载完整问题清单（.xlsx）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / "问题清单.xlsx"
    download.value.save_as(saved)
    import openpyxl

    wb = openpyxl.load_workbook(saved, read_only=True)
    rows = [
        [str(v) for v in row if v is not None]
        for sheet in wb
        for row in sheet.iter_rows(values_only=True)
    ]
    wb.close()
    [row] = [r for r in rows if "不详" in r]  # the problem's row: file, sheet, row, column, value
    assert "人员信息" in row and "4" in row and "出生日期" in row, row
    assert any(cell.endswith(upload.name) for cell in row), row

    nav(page, "首页")
    assert home_counts(page) == before
    assert query(ws, "SELECT count(*) FROM households WHERE household_id = 'H9001'") == [(0,)]
    assert query(ws, "SELECT count(*) FROM imports") == [(1,)]


# ----------------------------------------------------------------------------- 5. scope
def test_a_township_clerk_cannot_open_another_townships_household(page, ws, browser, server):
    ours = {head for _, head, _ in township_households(ws, "城关镇")}
    hid, head, _ = next(h for h in township_households(ws, "河口乡") if h[1] not in ours)
    log_in(page, CLERK)
    response = page.goto(f"/households/{hid}")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("没有权限（403）")
    assert head not in page.content()

    page.goto(f"/households?q={head}")  # nor does a search find it
    expect(page.get_by_text(f"“{head}”：0 户")).to_be_visible()
    expect(page.get_by_role("link", name=hid)).to_have_count(0)

    with new_page(browser, server) as hekou:  # while 河口乡's clerk opens it
        log_in(hekou, HEKOU_CLERK, f"/households/{hid}")
        expect(hekou).to_have_url(re.compile(f"/households/{hid}$"))
        expect(hekou.get_by_role("heading", level=1)).to_have_text(f"{head}户（{hid}）")
