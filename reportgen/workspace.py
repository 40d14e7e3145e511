"""Workspace-level operations the CLI exposes: init, open the dataset, import, the demo."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.config import CONFIG_NAME, Settings, init_workspace_text, load_settings
from reportgen.dataset.importer import ImportResult, Progress, import_paths
from reportgen.dataset.store import Dataset
from reportgen.dataset.summary import summarize
from reportgen.errors import ConfigError
from reportgen.paths import example_data_dir


def init_workspace(
    directory: Path, county_name: str = "", county_code: str = "", force: bool = False
) -> Path:
    """Write a commented reportgen.toml into `directory`; never overwrite one unless forced."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / CONFIG_NAME
    if target.exists() and not force:
        raise ConfigError(f"{target} 已存在；如要重写请加 --force（原文件会被覆盖）")
    target.write_text(init_workspace_text(county_name, county_code), encoding="utf-8")
    return target


def open_dataset(settings: Settings, create: bool = False) -> Dataset:
    return Dataset.open(settings.db_url, create=create)


# The example county's own settings, written into the demo workspace.
DEMO_CONFIG = """\
policy = "henan-2023"

[county]
name = "{county}"
code = "{code}"

[offices]
county = "{county}乡村振兴局"
education = "{county}教育局"

[hotlines]
aid = "0376-5550123"
supervision = "0376-5550317"
monitoring = "0376-5550110"
office_numbers = ["0376-5550123", "0376-5550317", "0376-5550110"]

[monitoring]
yimatong_url = "https://example.invalid/fpjc/apply"
"""


@dataclass
class DemoResult:
    workspace: Path
    out_dir: Path
    import_result: ImportResult
    summary: dict[str, Any]
    outputs: list[Path] = field(default_factory=list)


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


def run_demo(out_dir: Path, progress: Progress | None = None) -> DemoResult:
    """Fresh throw-away workspace from the example county, imported, documents generated into out_dir."""
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
        summary = summarize(dataset)
    finally:
        dataset.dispose()
    return DemoResult(workspace, out_dir, result, summary)
