"""Render the example pictures in docs/images/ from the example county (issue 16: "docs pages
updated with the rendered pictures of the changed documents").

    python tools/render_doc_images.py                 # writes docs/images/*.png
    python tools/render_doc_images.py --keep          # also keeps the temp workspace, .docx and .pdf
    python tools/render_doc_images.py --only 月报函示例  # just one picture
    python tools/render_doc_images.py --check         # compare with the stored pictures (tests/test_visual.py)

Needs LibreOffice (`soffice`) and poppler (`pdftoppm`, `pdftotext`, `pdfinfo`) and the package
installed (`pip install -e .`). Each run builds a fresh `reportgen demo` workspace in a temp folder
(it carries an [issuer] table; one is added if a future demo drops it), generates each document
with the ordinary CLI as a clerk would, converts the chosen .docx to PDF, finds the page of the
chosen record with pdftotext and renders that page at 70 dpi (lower if the PNG would exceed
~250 KB). Records are chosen from the data, never at random, so a re-run renders the same pages.

Dates: every command runs with REPORTGEN_TODAY set to the day of its story (a notice on its first
publicity day, the quarterly report and monthly letter on the demo's 2023-10-08). The demo stamps
its import with the machine's clock, and documents print that as "数据截至…" / "数据来源：第1次导入
（…）"; so that the pictures do not carry the day they were rendered on, the import time is set to
the morning of each command's day before it runs (a clerk imports, then generates).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
MAX_BYTES = 250_000
RESOLUTIONS = (70, 65, 60)

DEMO_DAY = "2023-10-08"  # reportgen.demo.DEMO_TODAY: the example county's data run to 2023-09-30

# The templates ask for the official fonts (仿宋_GB2312, 方正小标宋简体, 楷体_GB2312, 黑体, Times New
# Roman), which a Linux machine rarely has; LibreOffice would then set everything in a sans-serif
# face with DejaVu digits, wider than the real fonts, and pages overflow that do not in Word. These
# aliases give the nearest free faces (Noto CJK SC) for the pictures only.
FONT_ALIASES = {
    "仿宋_GB2312": "Noto Serif CJK SC",
    "仿宋": "Noto Serif CJK SC",
    "方正小标宋简体": "Noto Serif CJK SC",
    "宋体": "Noto Serif CJK SC",
    "楷体_GB2312": "Noto Serif CJK SC",
    "楷体": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC",
    "Times New Roman": "Noto Serif CJK SC",
}

# Written only if the demo workspace has no [issuer] table (docs/自查规则.md "公文各要素").
ISSUER_BLOCK = """
[issuer]
organ = "青山县乡村振兴局"
number_pattern = "青乡振〔{year}〕{n}号"
letter_number_pattern = "青乡振函〔{year}〕{n}号"
signer = "李建国"
recipients.selfcheck = "市乡村振兴局"
recipients.monthly = "青山县财政局、青山县卫生健康委员会、青山县医疗保障局"
contact = "王丽"
phone = "0376-5550110"
"""


@dataclass
class Pick:
    """Which file of a command's output folder, and which page of it (the first page whose text
    holds every needle; no needles = page 1)."""

    file: str
    needles: tuple[str, ...] = ()


@dataclass
class Shot:
    image: str  # docs/images/<image>.png
    command: list[str]  # reportgen arguments; "--out" is added
    day: str  # REPORTGEN_TODAY
    pick: Callable[[Path], Pick]  # from the command's output folder
    chosen: list[str] = field(default_factory=list)  # what was picked, for the summary


def fixed(file: str, *needles: str) -> Callable[[Path], Pick]:
    return lambda _out: Pick(file, needles)


def globbed(pattern: str, *needles: str) -> Callable[[Path], Pick]:
    """The first file (by name) of the output folder matching `pattern`."""

    def pick(out: Path) -> Pick:
        found = sorted(p.name for p in out.glob(pattern))
        if not found:
            sys.exit(f"输出中没有 {pattern}：{sorted(p.name for p in out.iterdir())}")
        return Pick(found[0], needles)

    return pick


def _rows(xlsx: Path, sheet: str | None, header_row: int) -> list[dict]:
    wb = load_workbook(xlsx, read_only=True)
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    header = rows[header_row - 1]
    return [dict(zip(header, r)) for r in rows[header_row:] if any(v is not None for v in r)]


def monitor_sheet_household(monitored: bool) -> Callable[[Path], Pick]:
    """The first household of the roster (roster order = print order) with two pages (monitored:
    明白卡 first) or one page (申报政策 only)."""

    def pick(out: Path) -> Pick:
        roster = next(out.glob("防止返贫监测明白纸名单_*.xlsx"))
        pages = 2 if monitored else 1
        row = next(r for r in _rows(roster, None, 2) if r["页数"] == pages)
        village = roster.stem.split("_", 1)[1]
        # The card page names the household number too; two heads can share a name (王亮).
        needles = (row["户编号"], "明白卡") if monitored else (row["户编号"], "申报政策")
        return Pick(f"防止返贫监测明白纸_{village}.docx", needles)

    return pick


def aid_notice_student(out: Path) -> Pick:
    """The student with the most payment lines in the school year (first in the summary on a tie),
    so the picture shows a full table."""
    summary = next(out.glob("学生受助情况汇总_*.xlsx"))
    rows = _rows(summary, "受助学生", 2)
    best = max(rows, key=lambda r: len(re.split(r"[、；]", r["资助项目"] or "")))
    return Pick(f"学生受助情况温馨告知书_{best['学校']}.docx", (best["学籍号"],))


SHOTS = [
    Shot(
        "识别纳入公示示例",
        ["notice", "--village", "城关镇/柳河村", "--kind", "inclusion", "--date", "2023-09-01"],
        "2023-09-01",
        fixed("城关镇柳河村_监测对象识别纳入公示_2023年9月1日.docx"),
    ),
    Shot(
        "风险消除公示示例",
        ["notice", "--village", "城关镇/王庄村", "--kind", "elimination", "--date", "2023-07-12"],
        "2023-07-12",
        fixed("城关镇王庄村_风险消除公示_2023年7月12日.docx"),
    ),
    Shot(
        "项目公示示例",
        ["notice", "--village", "城关镇/王庄村", "--kind", "project", "--date", "2023-09-01"],
        "2023-09-01",
        fixed("城关镇王庄村_项目公示_2023年9月1日.docx"),
    ),
    Shot(
        "项目公告示例",
        [
            "notice",
            "--village",
            "城关镇/王庄村",
            "--kind",
            "project-result",
            "--date",
            "2023-09-01",
        ],
        "2023-09-01",
        fixed("城关镇王庄村_项目公告_2023年9月1日.docx"),
    ),
    Shot(
        "自查报告版头示例",
        ["selfcheck", "--quarter", "2023Q3", "--workers", "1"],
        DEMO_DAY,
        fixed("青山县_2023年第三季度_自查报告.docx"),
    ),
    Shot(
        "月报函示例",
        ["monthly", "--month", "2023-09"],
        DEMO_DAY,
        fixed("青山县_2023年9月_监测对象新增退出名单.docx"),
    ),
    Shot(
        "明白纸申报政策页示例",
        ["monitor-sheet", "--village", "城关镇/王庄村", "--all", "--workers", "1"],
        DEMO_DAY,
        monitor_sheet_household(monitored=False),
    ),
    Shot(
        "明白纸监测户示例",
        ["monitor-sheet", "--village", "城关镇/王庄村", "--all", "--workers", "1"],
        DEMO_DAY,
        fixed("防止返贫监测明白纸_城关镇王庄村.docx", "防止返贫监测对象明白卡"),
    ),
    Shot(
        "温馨告知书学年示例",
        ["aid-notice", "--county", "--year", "2023", "--workers", "1"],
        DEMO_DAY,
        aid_notice_student,
    ),
    Shot(
        "学生资助明白卡示例",
        ["card", "--school", "青山县第一高级中学", "--workers", "1"],
        DEMO_DAY,
        fixed(
            "学生资助政策明白卡_青山县第一高级中学.docx", "提示"
        ),  # a card with the optional 提示
    ),
    Shot(
        "明白纸脱贫户示例",
        ["monitor-sheet", "--village", "城关镇/王庄村", "--poor", "--workers", "1"],
        DEMO_DAY,
        fixed("防止返贫监测明白纸_城关镇王庄村.docx", "脱贫人口明白卡"),
    ),
    Shot(
        "雨露计划公示示例-1",
        ["yulu-notice", "--county", "--year", "2023", "--date", "2023-10-09", "--workers", "1"],
        "2023-10-09",
        fixed("河口乡张寨村_雨露计划助学补助公示_2023年10月9日.docx"),
    ),
    Shot(
        "上报名单示例",
        ["roster", "--township", "石桥镇", "--date", "2023-09-30"],
        DEMO_DAY,
        fixed("石桥镇_拟纳入防止返贫监测对象名单_2023年9月30日.docx"),
    ),
    Shot(
        "表单_防止返贫动态监测核查表",
        ["form", "--kind", "check", "--village", "城关镇/王庄村", "--all"],
        DEMO_DAY,
        globbed("防止返贫动态监测核查表_*.docx"),
    ),
    Shot(
        "表单_承诺授权书",
        ["form", "--kind", "consent", "--village", "城关镇/王庄村", "--all"],
        DEMO_DAY,
        globbed("承诺授权书_*.docx"),
    ),
    Shot(
        "表单_公益岗位协议",
        ["form", "--kind", "job", "--county"],
        DEMO_DAY,
        globbed("公益岗位协议_*.docx"),
    ),
    Shot(
        "表单_延缓入学休学审批表",
        ["form", "--kind", "deferral", "--county"],
        DEMO_DAY,
        globbed("延缓入学休学审批表_*.docx"),
    ),
    Shot(
        "控辍保学档案示例",
        ["dropout", "--county", "--as-of", "2023-10-01", "--workers", "1"],
        DEMO_DAY,
        globbed("控辍保学档案_*.docx"),
    ),
    *[
        Shot(
            f"台账示例-{name}",
            ["ledger", "--county", "--as-of", "2023-09-30"],
            DEMO_DAY,
            globbed(f"{name}_*.xlsx"),
        )
        for name in ("住房安全排查台账", "饮水安全问题台账", "项目库台账", "项目资产台账")
    ],
    Shot(
        "资产处置结果公示示例",
        ["ledger", "--county", "--as-of", "2023-09-30"],
        DEMO_DAY,
        globbed("资产处置结果公示_*.docx"),
    ),
    Shot(
        "控辍保学台账示例",
        ["dropout", "--county", "--as-of", "2023-10-01", "--workers", "1"],
        DEMO_DAY,
        globbed("控辍保学台账_*.xlsx"),
    ),
    Shot(  # H0031 (M01): approved 2023-08-16, its 结果公告 recorded on 08-17
        "结果公告示例",
        [
            "notice",
            "--village",
            "城关镇/王庄村",
            "--kind",
            "inclusion-result",
            "--date",
            "2023-08-17",
        ],
        "2023-08-17",
        globbed("*识别纳入结果公告*.docx"),
    ),
]


def run(args: list[str], cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"失败（退出码 {done.returncode}）：{' '.join(args)}\n{done.stdout}{done.stderr}")
    return done.stdout


def build_workspace(tmp: Path) -> Path:
    run([sys.executable, "-m", "reportgen", "-q", "demo", "--out", "demo-out"], tmp)
    workspace = tmp / "demo-out" / "_示例工作区"
    config = workspace / "reportgen.toml"
    if "issuer" not in tomllib.loads(config.read_text(encoding="utf-8")):
        with config.open("a", encoding="utf-8") as fh:
            fh.write(ISSUER_BLOCK)
    return workspace


def pin_import_time(workspace: Path, day: str) -> None:
    """Stamp the demo's import on `day` 08:30 (see the module docstring)."""
    db = sqlite3.connect(workspace / "reportgen.db")
    try:
        with db:
            db.execute("UPDATE imports SET started_at = ?, finished_at = ?",
                       (f"{day} 08:29:00.000000", f"{day} 08:30:00.000000"))  # fmt: skip
    finally:
        db.close()


def font_config(tmp: Path) -> Path:
    """A fontconfig file: the system's, plus FONT_ALIASES."""
    aliases = "".join(
        f'  <alias binding="strong"><family>{name}</family>'
        f"<prefer><family>{face}</family></prefer></alias>\n"
        for name, face in FONT_ALIASES.items()
    )
    path = tmp / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        '<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"{aliases}</fontconfig>\n",
        encoding="utf-8",
    )
    return path


def to_pdf(docx: Path, out: Path, tmp: Path) -> Path:
    # A private LibreOffice profile: another soffice running on the machine would otherwise
    # swallow the conversion request.
    run(
        ["soffice", f"-env:UserInstallation={(tmp / 'lo-profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out), str(docx)],
        out,
        {**os.environ, "FONTCONFIG_FILE": str(font_config(tmp))},
    )  # fmt: skip
    pdf = out / (docx.stem + ".pdf")
    if not pdf.exists():
        sys.exit(f"LibreOffice 没有生成 {pdf}")
    return pdf


def find_page(pdf: Path, needles: tuple[str, ...]) -> int:
    pages = int(re.search(r"Pages:\s+(\d+)", run(["pdfinfo", str(pdf)], pdf.parent)).group(1))
    if not needles:
        return 1
    for n in range(1, pages + 1):
        text = run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], pdf.parent)
        text = re.sub(r"\s+", "", text)
        if all(needle in text for needle in needles):
            return n
    sys.exit(f"{pdf.name} 的 {pages} 页中没有一页同时含有：{'、'.join(needles)}")


def page_count(pdf: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", run(["pdfinfo", str(pdf)], pdf.parent)).group(1))


BLOCK = 8  # pixels: the grid a layout is compared on (about 3 mm at 70 dpi)
TOLERANCE = 0.03  # share of inked blocks that may differ (antialiasing, a glyph's width)


def ink_blocks(png: Path) -> tuple[tuple[int, int], set[tuple[int, int]]]:
    """The picture's size and its BLOCK × BLOCK cells that hold ink (any dark pixels)."""
    from PIL import Image

    img = Image.open(png).convert("L")
    w, h = img.size
    small = img.resize((max(1, w // BLOCK), max(1, h // BLOCK)), Image.Resampling.BOX)
    data = small.load()
    ink = {(x, y) for x in range(small.width) for y in range(small.height) if data[x, y] < 245}
    return (w, h), ink


def layout_difference(reference: Path, rendered: Path) -> str | None:
    """None when `rendered` has the layout of `reference` (tolerant to antialiasing, strict on
    where text, lines and tables are); else what differs, in Chinese."""
    (size_a, a), (size_b, b) = ink_blocks(reference), ink_blocks(rendered)
    if size_a != size_b:
        return f"图片大小 {size_b[0]}×{size_b[1]}，参考图 {size_a[0]}×{size_a[1]}"
    changed = len(a ^ b) / max(1, len(a | b))
    if changed > TOLERANCE:
        return f"{changed:.1%} 的有字区块不同（容许 {TOLERANCE:.0%}）"
    return None


def render(pdf: Path, page: int, target: Path, dpi: int | None = None) -> int:
    if dpi is not None:  # as the reference was rendered
        prefix = pdf.parent / f"{target.stem}-{dpi}"
        run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
             str(pdf), str(prefix)], pdf.parent)  # fmt: skip
        shutil.copyfile(prefix.with_suffix(".png"), target)
        return dpi
    for dpi in RESOLUTIONS:
        prefix = pdf.parent / f"{target.stem}-{dpi}"
        run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
             str(pdf), str(prefix)], pdf.parent)  # fmt: skip
        png = prefix.with_suffix(".png")
        if png.stat().st_size <= MAX_BYTES or dpi == RESOLUTIONS[-1]:
            shutil.copyfile(png, target)
            return dpi
    raise AssertionError("unreachable")


LAYOUT = IMAGES / "版面.json"  # per picture: the file, its page, the file's page count, the dpi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="只生成这张图（不带 .png），可写多次")
    parser.add_argument("--keep", action="store_true", help="保留临时工作区和 PDF")
    parser.add_argument("--images", type=Path, default=IMAGES, help="图片目录")
    parser.add_argument("--check", action="store_true",
                        help="不写图片：重新渲染并与 docs/images 的参考图比较版面（页数、所在页、有字区块），有不同则退出码 1")  # fmt: skip
    options = parser.parse_args()
    shots = [s for s in SHOTS if not options.only or s.image in options.only]
    if not shots:
        sys.exit(f"没有这些图：{options.only}；可选：{'、'.join(s.image for s in SHOTS)}")
    layout_file = options.images / LAYOUT.name
    layout = json.loads(layout_file.read_text(encoding="utf-8")) if layout_file.exists() else {}

    tmp = Path(tempfile.mkdtemp(prefix="reportgen-docimages-"))
    problems = []
    try:
        workspace = build_workspace(tmp)
        options.images.mkdir(parents=True, exist_ok=True)
        for i, shot in enumerate(shots):
            out = tmp / "out" / f"{i:02d}"
            out.mkdir(parents=True)
            pin_import_time(workspace, shot.day)
            env = {**os.environ, "REPORTGEN_TODAY": shot.day}
            cli = [sys.executable, "-m", "reportgen", "-q", *shot.command, "--out", str(out)]
            run(cli, workspace, env)
            pick = shot.pick(out)
            pdf = to_pdf(out / pick.file, out, tmp)
            page = find_page(pdf, pick.needles)
            facts = {"file": pick.file, "page": page, "pages": page_count(pdf)}
            if options.check:
                ref = layout.get(shot.image)
                if ref is None or not (options.images / f"{shot.image}.png").exists():
                    problems.append(
                        f"{shot.image}：没有参考图（先运行 python tools/render_doc_images.py）"
                    )
                    continue
                said = [
                    f"{k} {facts[k]}，参考 {ref[k]}"
                    for k in ("file", "page", "pages")
                    if facts[k] != ref[k]
                ]
                rendered = (
                    render(pdf, page, out / f"{shot.image}.png", ref["dpi"])
                    and out / f"{shot.image}.png"
                )
                diff = layout_difference(options.images / f"{shot.image}.png", rendered)
                if said or diff:
                    problems.append(
                        f"{shot.image}：{'；'.join([*said, *([diff] if diff else [])])}"
                    )
                    if options.keep:
                        problems[-1] += f"（新图：{rendered}）"
                else:
                    print(f"{shot.image}：版面与参考图一致")
                continue
            target = options.images / f"{shot.image}.png"
            dpi = render(pdf, page, target)
            layout[shot.image] = {**facts, "dpi": dpi}
            chosen = f"（{'、'.join(pick.needles)}）" if pick.needles else ""
            print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}："
                  f"{pick.file}{chosen} 第 {page} 页（共 {facts['pages']} 页），{dpi} dpi，"
                  f"{target.stat().st_size // 1000} KB")  # fmt: skip
        if not options.check:
            layout_file.write_text(json.dumps(dict(sorted(layout.items())), ensure_ascii=False, indent=1) + "\n",
                                   encoding="utf-8")  # fmt: skip
    finally:
        if options.keep:
            print(f"临时文件保留在 {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if problems:
        print(
            "版面与参考图不同（有意修改时，重新运行 python tools/render_doc_images.py 更新参考图）：",
            file=sys.stderr,
        )
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
