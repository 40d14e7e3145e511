"""`reportgen demo`: a throw-away workspace from the example county, imported, every document generated.

One step per document kind of documents/catalog.py (its module's `demo(run)`), in the catalog's
order; the demo is also what a new user runs first, so
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
from reportgen.documents.catalog import DOCUMENT_KINDS, kind_module
from reportgen.documents.common import DocumentRun, StepOutput
from reportgen.engine import OutputEntry
from reportgen.errors import ConfigError
from reportgen.paths import example_data_dir
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
        for kind in DOCUMENT_KINDS:  # every document kind, in the catalog's order
            announce(kind.name)
            folder = out_dir / kind.demo_folder
            run = DocumentRun(
                settings, dataset, folder, f"reportgen demo（{kind.name}）", {}, DEMO_TODAY
            )
            produced = kind_module(kind.command).demo(run)
            if isinstance(produced, StepOutput):
                demo.notes += [f"{kind.name}：{n}" for n in produced.notes]
                produced = produced.outputs
            demo.steps.append((kind.name, folder, produced))
            demo.outputs += [folder / o.file for o in produced]
    finally:
        dataset.dispose()
    return demo
