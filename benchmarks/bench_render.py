"""Benchmark: engine print files vs docxtpl one-by-one, ms per card and peak memory (figures, not a test).

    python benchmarks/bench_render.py                 # N = 2,000 and 10,000; docxtpl sample of 200
    python benchmarks/bench_render.py --n 2000 --docxtpl 50 --levels 1

Each measurement runs in a fresh subprocess so that peak RSS (ru_maxrss) belongs to it alone.
The card is one A4 page: ~30 fields, a 6×4 info table and an 8-row {%tr %} table, like the
学生资助政策明白卡. Records are generated lazily; files go to one print file per ~500 records.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GROUP_SIZE = 500


def build_card(path: Path) -> Path:
    from reportgen.engine import officialdoc as od
    from reportgen.engine.ooxml import DocxPackage, cell, para, row, run, table

    page = od.PageSetup(top=18, bottom=15, left=20, right=20)
    w = od.mm_to_twips(170)
    small = {"style": "a-table"}

    def kv(label: str, expr: str) -> list[str]:
        return [cell(label, w // 8, shade="F2F2F2", **small), cell(expr, w * 3 // 8, **small)]

    info_rows = [
        row(kv("学校", "{{ school.name }}") + kv("学段", "{{ student.stage }}")),
        row(kv("姓名", "{{ student.name }}") + kv("性别", "{{ student.sex }}")),
        row(
            kv("年级班级", "{{ student.grade }}{{ student.klass }}")
            + kv("学籍号", "{{ student.xjh }}")
        ),
        row(
            kv("证件号码", "{{ student.id_number|mask_id }}")
            + kv("寄宿", "{{ '是' if student.boarding else '否' }}")
        ),
        row(
            kv("监护人", "{{ student.guardian }}")
            + kv("监护人电话", "{{ student.guardian_phone|mask_phone }}")
        ),
        row(
            kv("家庭类别", "{{ student.category }}")
            + kv("认定困难", "{{ '是' if student.poor else '否' }}")
        ),
    ]
    item_rows = [
        row(
            [
                cell(h, w // 4, shade="D9D9D9", style="a-table-header")
                for h in ("资助项目", "标准（元/年）", "可能享受", "依据")
            ],
            header=True,
        ),
        row([cell("{%tr for it in items %}", w, span=4, **small)]),
        row(
            [
                cell("{{ it.name }}", w // 4, **small),
                cell("{{ it.amount|money }}", w // 4, **small),
                cell("{{ '✔ 可能享受' if it.eligible else '' }}", w // 4, **small),
                cell("{{ it.basis }}", w // 4, **small),
            ]
        ),
        row([cell("{%tr endfor %}", w, span=4, **small)]),
    ]
    body = "".join(
        [
            para("学生资助政策明白卡（{{ year }}学年）", style="a-title"),
            table(info_rows, [w // 8, w * 3 // 8, w // 8, w * 3 // 8]),
            para("一、本学段资助政策", style="a-h1"),
            table(item_rows, [w // 4] * 4),
            para(
                [
                    run("预计每年可享受资助合计："),
                    run("{{ total|money }} 元（{{ total|daxie }}）", bold=True),
                ],
                size_pt=12,
            ),
            para("二、如何申请", style="a-h1"),
            para("{{ how_to_apply }}", size_pt=12),
            para("{%p if note %}"),
            para("说明：{{ note }}", size_pt=12),
            para("{%p endif %}"),
            para("三、咨询电话", style="a-h1"),
            para(
                "学校资助办：{{ school.phone }}；{{ county.name }}学生资助管理中心：{{ county.phone }}；监督电话：{{ county.supervise }}",
                size_pt=12,
            ),
            para("{{ school.name }}（盖章）    {{ issued|cndate }}", style="a-signature"),
        ]
    )
    pkg = DocxPackage(
        body,
        "",
        styles=od.styles_xml(),
        font_table=od.font_table_xml(),
        settings=od.settings_xml(even_and_odd=False),
    )
    footer = pkg.add_footer(
        para(
            "{{ school.name }} · 学生资助政策明白卡 · {{ _meta.footnote }}",
            style="a-note",
            align="center",
        )
    )
    pkg.sect_pr = od.sect_pr(page, footer_default=footer, grid=False)
    pkg.save(path)
    return path


ITEMS = [
    ("国家助学金", 2000, "财教〔2021〕310号"),
    ("免学费", 1250, "豫财教〔2022〕12号"),
    ("免住宿费", 800, "豫财教〔2022〕12号"),
    ("雨露计划", 3000, "豫乡振〔2023〕5号"),
    ("省定营养改善计划", 800, "豫教财〔2023〕7号"),
    ("寄宿生生活补助", 1250, "豫财教〔2021〕88号"),
    ("非寄宿生生活补助", 625, "豫财教〔2021〕88号"),
    ("保教费资助", 600, "豫财教〔2020〕9号"),
]


def records(n: int):
    for i in range(n):
        school = i // GROUP_SIZE
        eligible = {k for k in range(8) if (i + k) % 3 == 0}
        yield {
            "school": {
                "name": f"城关镇第{school + 1}初级中学",
                "phone": "0371-6000" + f"{school:04d}",
            },
            "county": {"name": "示例县", "phone": "0371-12345678", "supervise": "12317"},
            "year": "2023—2024",
            "student": {
                "name": f"学生{i:05d}",
                "sex": "男" if i % 2 else "女",
                "stage": "初中",
                "grade": f"{7 + i % 3}年级",
                "klass": f"{1 + i % 8}班",
                "xjh": f"G41010220{i:09d}",
                "id_number": f"41010220080901{i % 10000:04d}",
                "boarding": i % 2 == 0,
                "guardian": f"家长{i:05d}",
                "guardian_phone": f"138{i:08d}",
                "category": "脱贫户" if i % 5 == 0 else "一般农户",
                "poor": i % 4 == 0,
            },
            "items": [
                {"name": n_, "amount": a, "eligible": k in eligible, "basis": b}
                for k, (n_, a, b) in enumerate(ITEMS)
            ],
            "total": sum(a for k, (_, a, _) in enumerate(ITEMS) if k in eligible),
            "how_to_apply": "每学期开学后两周内向班主任提交申请表及相关证明材料，学校资助工作领导小组评议、公示5个工作日后报县学生资助管理中心审核。",
            "note": "原建档立卡学生优先认定。" if i % 3 == 0 else "",
            "issued": "2023-09-01",
            "_meta": {
                "footnote": "数据来源：2023年9月1日导入（第1次导入）；生成日期：2023年9月2日"
            },
        }


def child_engine(n: int, level: int, workdir: Path, split: str = "group") -> dict:
    from reportgen.engine import render_batch

    tpl = build_card(workdir / "card.docx")
    out = workdir / f"engine_{n}_{level}"
    t0 = time.perf_counter()
    res = render_batch(
        tpl,
        records(n),
        out,
        group_by=lambda c: c["school"]["name"],
        file_name="明白卡_{group}",
        record_name="{n}",
        split=split,
        compresslevel=level,
        manifest=True,
    )
    elapsed = time.perf_counter() - t0
    size = sum(o.size for o in res.outputs)
    return {
        "ms_per_card": elapsed * 1000 / n,
        "seconds": elapsed,
        "files": len(res.outputs),
        "mb": size / 1e6,
    }


def child_docxtpl(n: int, workdir: Path) -> dict:
    import jinja2
    from docxtpl import DocxTemplate

    from reportgen.engine.filters import FILTERS

    env = jinja2.Environment(autoescape=True)
    env.filters.update(FILTERS)
    tpl = build_card(workdir / "card.docx")
    out = workdir / "docxtpl"
    out.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    for i, ctx in enumerate(records(n)):
        doc = DocxTemplate(str(tpl))
        doc.render(ctx, env)
        doc.save(str(out / f"{i}.docx"))
    elapsed = time.perf_counter() - t0
    return {"ms_per_card": elapsed * 1000 / n, "seconds": elapsed}


def run_child(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="2000,10000", help="record counts, comma-separated")
    ap.add_argument("--docxtpl", type=int, default=200, help="docxtpl sample size")
    ap.add_argument("--levels", default="1,6", help="deflate levels to measure")
    ap.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, n = args.child[0], int(args.child[1])
        work = Path(tempfile.mkdtemp(prefix="rg-bench-"))
        try:
            if kind == "docxtpl":
                result = child_docxtpl(n, work)
            else:
                result = child_engine(
                    n, int(args.child[2]), work, "record" if kind == "engine-record" else "group"
                )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    base = run_child("docxtpl", str(args.docxtpl))
    print(
        f"docxtpl, one DocxTemplate(...).render().save() per card, {args.docxtpl} cards: {base['ms_per_card']:.1f} ms/card, peak {base['peak_mb']:.0f} MB"
    )
    print(
        f"{'N':>7} {'level':>5} {'ms/card':>8} {'total s':>8} {'files':>5} {'MB out':>7} {'peak MB':>8} {'vs docxtpl':>10}"
    )
    for n in [int(x) for x in args.n.split(",")]:
        for level in [int(x) for x in args.levels.split(",")]:
            r = run_child("engine", str(n), str(level))
            ratio = base["ms_per_card"] / r["ms_per_card"]
            print(
                f"{n:>7} {level:>5} {r['ms_per_card']:>8.2f} {r['seconds']:>8.1f} {r['files']:>5} {r['mb']:>7.1f} {r['peak_mb']:>8.0f} {ratio:>9.0f}×"
            )
    n = min(int(x) for x in args.n.split(","))
    r = run_child("engine-record", str(n), "6")
    print(
        f"split='record' (one .docx per card), N={n}, level 6: {r['ms_per_card']:.2f} ms/card, {r['files']} files, peak {r['peak_mb']:.0f} MB, {base['ms_per_card'] / r['ms_per_card']:.0f}× docxtpl"
    )


if __name__ == "__main__":
    main()
