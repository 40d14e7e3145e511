"""Generator of the example county 青山县 and of the county-size benchmark data (see generate.py)."""

from .county import Example, generate_example
from .large import generate_large
from .readme import readme_tables, update_readme

__all__ = ["Example", "generate_example", "generate_large", "readme_tables", "update_readme"]
