"""Workspace-level operations: write a starting reportgen.toml, open the workspace's dataset."""

from __future__ import annotations

from pathlib import Path

from reportgen.config import CONFIG_NAME, Settings, init_workspace_text
from reportgen.dataset.store import Dataset
from reportgen.errors import ConfigError


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
