"""`reportgen demo`: a throw-away workspace from the example county, imported, every document generated.

Each document kind adds one step to DEMO_STEPS; the demo is also what a new user runs first, so
it runs against the installed package's own copy of data_examples/.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.config import CONFIG_NAME, load_settings
from reportgen.dataset.importer import ImportResult, Progress, import_paths
from reportgen.dataset.summary import summarize
from reportgen.documents.common import DocumentRun
from reportgen.engine import OutputEntry
from reportgen.errors import ConfigError
from reportgen.paths import example_data_dir
from reportgen.places import resolve_place
from reportgen.workspace import open_dataset

# The example county's data run to 2023-09-30; the demo generates as of the start of October.
DEMO_TODAY = dt.date(2023, 10, 8)

DEMO_CONFIG = """\
policy = "henan-2023"

[county]
name = "{county}"
code = "{code}"

[offices]
county = "{county}乡村振兴局"
education = "{county}教育局"

[issuer]
organ = "{county}乡村振兴局"
number_pattern = "青乡振〔{{year}}〕{{n}}号"
letter_number_pattern = "青乡振函〔{{year}}〕{{n}}号"
signer = "李建国"
recipients.selfcheck = "市乡村振兴局"
recipients.monthly = "{county}财政局、{county}卫生健康委员会、{county}医疗保障局"
contact = "王丽"
phone = "0376-5550110"

[hotlines]
aid = "0376-5550123"
supervision = "0376-5550317"
monitoring = "0376-5550110"
office_numbers = ["0376-5550123", "0376-5550317", "0376-5550110"]

[monitoring]
yimatong_url = "https://fpjc.example.invalid/apply"
"""


@dataclass
class StepOutput:
    """What a step made, and what it has to tell the user (e.g. a notice it refused)."""

    outputs: list[OutputEntry]
    notes: list[str] = field(default_factory=list)


@dataclass
class DemoStep:
    title: str  # shown while it runs, e.g. 学生资助政策明白卡
    folder: str  # sub-folder of the demo output
    run: Callable[[DocumentRun], list[OutputEntry] | StepOutput]


def _cards(run: DocumentRun) -> list[OutputEntry]:
    from reportgen.aid.students import select_schools
    from reportgen.documents.aid_card import make_cards

    return make_cards(run, select_schools(run.dataset, county=True), year=2023).outputs


def _aid_notices(run: DocumentRun) -> list[OutputEntry]:
    from reportgen.aid.students import select_schools
    from reportgen.documents.aid_notice import make_aid_notices

    return make_aid_notices(run, select_schools(run.dataset, county=True)).outputs


def _monitor_sheets(run: DocumentRun) -> list[OutputEntry]:
    from reportgen.documents.monitor_sheet import make_monitor_sheets, select_villages

    villages, _ = select_villages(run.dataset, county=True)
    return make_monitor_sheets(run, villages).outputs


def _notices(run: DocumentRun) -> StepOutput:
    """The notices of 2023-09-01, the day most example publicity starts: every village's, then
    every township's and the county's project notices (multi-village projects are listed there,
    DOMAIN §5). The example county deliberately records 4-day publicity periods (self-check
    cases): those notices are refused, and the refusal is what the demo shows for them."""
    from reportgen.documents.notices import PROJECT_KEYS, county_place, make_public_notices
    from reportgen.engine import write_manifest
    from reportgen.places import villages_under

    outputs: list[OutputEntry] = []
    failures = []
    notes: list[str] = []
    templates: dict[str, str] = {}
    county = county_place(run.dataset)
    townships = sorted({v.parent_code or "" for v in villages_under(run.dataset, county)})
    places = [
        *((v, None) for v in villages_under(run.dataset, county)),
        *((resolve_place(run.dataset, code, level="乡"), PROJECT_KEYS) for code in townships),
        (county, PROJECT_KEYS),
    ]
    for place, kinds in places:
        result = make_public_notices(
            run,
            place,
            kinds=kinds,
            start=dt.date(2023, 9, 1),
            days=None,
            year=2023,
            manifest=False,
        )
        outputs += result.outputs
        failures += result.failures
        notes += [f"{place.file_label} {n}" for n in result.notes if "已记入数据" not in n]
        templates.update({t["name"]: t["sha256"] for t in result.templates})
    write_manifest(
        run.out_dir,
        run=run.run_info(),
        templates=[{"name": k, "sha256": v} for k, v in sorted(templates.items())],
        outputs=outputs,
        failures=failures,
    )
    return StepOutput(outputs, [f"{f.record}{f.message}" for f in failures] + notes)


def _dropout(run: DocumentRun) -> list[OutputEntry]:
    """The county's dropout archives and ledger as of 2023-10-01 (the example county's 控辍保学 date)."""
    from reportgen.documents.dropout_archive import make_dropout_documents, select_cases

    selection = select_cases(run.dataset, county=True, county_name=run.settings.county_name)
    return make_dropout_documents(run, selection, as_of=dt.date(2023, 10, 1)).outputs


def _selfcheck(run: DocumentRun) -> list[OutputEntry]:
    from reportgen.documents.selfcheck import make_selfcheck, parse_quarter
    from reportgen.rules.runs import make_scope

    return make_selfcheck(run, make_scope(run.dataset), parse_quarter("2023Q3")).outputs


def _monthly(run: DocumentRun) -> list[OutputEntry]:
    from reportgen.documents.monthly import make_monthly, parse_month

    return make_monthly(run, parse_month("2023-09")).outputs


DEMO_STEPS: list[DemoStep] = [
    DemoStep("学生资助政策明白卡", "学生资助明白卡", _cards),
    DemoStep("学生受助情况温馨告知书", "学生受助情况温馨告知书", _aid_notices),
    DemoStep("防止返贫监测明白纸", "防止返贫监测明白纸", _monitor_sheets),
    DemoStep("公示公告", "公示公告", _notices),
    DemoStep("控辍保学档案和台账", "控辍保学", _dropout),
    DemoStep("季度自查报告", "自查报告", _selfcheck),
    DemoStep("监测对象新增退出名单（月报）", "月报", _monthly),
]


@dataclass
class DemoResult:
    workspace: Path
    out_dir: Path
    import_result: ImportResult
    summary: dict[str, Any]
    outputs: list[Path] = field(default_factory=list)
    steps: list[tuple[str, Path, list[OutputEntry]]] = field(
        default_factory=list
    )  # (title, folder, outputs)
    notes: list[str] = field(default_factory=list)  # "<step>：<note>", shown after the outputs


def _example_county(data_dir: Path) -> tuple[str, str]:
    """County name and code from the example's 行政区划 sheet."""
    from reportgen.dataset.xlsx_stream import XlsxReader

    for path in sorted(data_dir.rglob("*.xlsx")):
        reader = XlsxReader(str(path))
        try:
            for sheet in reader.sheets:
                if sheet.name != "行政区划":
                    continue
                rows = reader.rows(sheet)
                _, header = next(rows)
                for _, row in rows:
                    record = dict(zip(header, row))
                    if record.get("级别") == "县":
                        return str(record["名称"]), str(record["区划代码"])
        finally:
            reader.close()
    return "示例县", ""


def run_demo(
    out_dir: Path,
    progress: Progress | None = None,
    announce: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    """Fresh workspace in out_dir/_示例工作区 from the example county; every document into out_dir."""
    data_dir = example_data_dir()
    if not data_dir.is_dir():
        raise ConfigError(f"找不到内置示例数据：{data_dir}（安装不完整？请重新 pip install）")
    out_dir = out_dir.resolve()
    workspace = out_dir / "_示例工作区"
    if workspace.exists():
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True)
    county, code = _example_county(data_dir)
    (workspace / CONFIG_NAME).write_text(
        DEMO_CONFIG.format(county=county, code=code), encoding="utf-8"
    )
    settings = load_settings(workspace)
    dataset = open_dataset(settings, create=True)
    try:
        inputs = [p for p in sorted(data_dir.iterdir()) if p.is_dir()] or [data_dir]
        result = import_paths(dataset, inputs, progress=progress)
        demo = DemoResult(workspace, out_dir, result, summarize(dataset))
        for step in DEMO_STEPS:
            announce(step.title)
            folder = out_dir / step.folder
            run = DocumentRun(
                settings, dataset, folder, f"reportgen demo（{step.title}）", {}, DEMO_TODAY
            )
            produced = step.run(run)
            if isinstance(produced, StepOutput):
                demo.notes += [f"{step.title}：{n}" for n in produced.notes]
                produced = produced.outputs
            demo.steps.append((step.title, folder, produced))
            demo.outputs += [folder / o.file for o in produced]
    finally:
        dataset.dispose()
    return demo
