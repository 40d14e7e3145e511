"""The example county 青山县 (and a county-size benchmark dataset) in reportgen's import format.

    python data_examples/generate.py [OUT_DIR]        # default: data_examples/示例县 beside this script
    python data_examples/generate.py --large DIR      # county-size benchmark (500,000 persons)
    python data_examples/generate.py --readme         # print the counts and boundary-case tables
    python data_examples/generate.py --update-readme  # also rewrite the tables in README.md

Deterministic: one seeded random.Random, a fixed reference date (2023-09-30, the end of 2023Q3)
and a fixed workbook creation date, so every run writes byte-identical files. The example
county holds, on purpose, cases just inside and just outside every self-check rule; they are
collected from the generated data itself (`Example.cases`) so that the README table cannot drift
from the files. Needs only XlsxWriter, python-stdnum and the standard library. The code is in the
`generator/` package beside this script; this file is the command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator import Example, generate_example, generate_large, readme_tables, update_readme

__all__ = [
    "Example",
    "generate_example",
    "generate_large",
    "main",
    "readme_tables",
    "update_readme",
]


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(
        description="Write the example county (or a county-size benchmark) as .xlsx"
    )
    parser.add_argument("out_dir", nargs="?", default=str(here / "示例县"))
    parser.add_argument(
        "--large", metavar="DIR", help="write the county-size benchmark dataset into DIR instead"
    )
    parser.add_argument(
        "--readme", action="store_true", help="print the README tables (counts, boundary cases)"
    )
    parser.add_argument(
        "--update-readme",
        action="store_true",
        help="also rewrite the generated part of README.md beside this script",
    )
    args = parser.parse_args(argv)
    if args.large:
        counts = generate_large(args.large)
        print(", ".join(f"{k} {v}" for k, v in counts.items()))
        return 0
    result = generate_example(args.out_dir)
    if args.update_readme:
        update_readme(here / "README.md", readme_tables(result))
    if args.readme:
        print(readme_tables(result))
    else:
        print(", ".join(f"{k} {v}" for k, v in result["counts"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
