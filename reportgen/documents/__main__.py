"""`python -m reportgen.documents [--update]`: print the README's table of document kinds, or rewrite
it in README.md (documents/catalog.py)."""

import sys
from pathlib import Path

from reportgen.documents.catalog import readme_table, update_readme

if "--update" in sys.argv:
    update_readme(Path(__file__).resolve().parents[2] / "README.md")
else:
    print(readme_table(), end="")
