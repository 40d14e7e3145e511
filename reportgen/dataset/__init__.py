"""The one dataset every document is generated from: schema, import, export, summary."""

from reportgen.dataset.store import Dataset

__all__ = ["Dataset"]
