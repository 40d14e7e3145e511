"""Where built-in resources live, installed (inside the wheel) or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _builtin(name: str) -> Path:
    installed = _PKG / "_builtin" / name
    if installed.is_dir():
        return installed
    return _PKG.parent / name  # source checkout / editable install


def builtin_templates_dir() -> Path:
    """Top-level `templates/` (with `docx/` and `xlsx/` inside)."""
    return _builtin("templates")


def example_data_dir() -> Path:
    """Top-level `data_examples/`."""
    return _builtin("data_examples")


def policies_dir() -> Path:
    return _PKG / "policies"
