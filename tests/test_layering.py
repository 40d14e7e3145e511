"""The package's layering, pinned as click's tests/test_imports.py pins click's: only the CLI
imports click; the engine knows no domain module; no import cycles; `reportgen --help` loads
the command line only, not the library behind it.

The import graph is read from the source with ast: module-level imports make the graph (they
run when a module is imported); an import inside a function runs later, so it is where a cycle
hides: those that would close a cycle are listed too."""

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "reportgen"
DOMAIN = ("documents", "rules", "dataset", "aid", "dropout", "config", "packs", "schedule")


def module_files() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = module_files()


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import statement imports (`from a import b`: a.b when that is a module)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def imports_of(module: str) -> list[tuple[str, bool, int]]:
    """(imported module, inside a function?, line) for every import in the module's source;
    `if TYPE_CHECKING:` blocks left out (they never run)."""
    found = []

    def walk(nodes, in_function):
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.extend((t, in_function, node.lineno) for t in _targets(module, node))
            elif _is_type_checking(node):
                continue
            else:
                inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                walk(ast.iter_child_nodes(node), inner)

    walk(ast.parse(MODULES[module].read_text(encoding="utf-8")).body, False)
    return found


def own(name: str) -> str | None:
    """The reportgen module an imported name lives in (a.b.func → a.b), None outside reportgen."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def graph() -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    """Module-level edges between reportgen modules, and the function-level ones (with lines)."""
    top: dict[str, set[str]] = {m: set() for m in MODULES}
    inner = []
    for module in MODULES:
        for name, in_function, line in imports_of(module):
            target = own(name)
            if target is None or target == module:
                continue
            if in_function:
                inner.append((module, target, line))
            else:
                top[module].add(target)
    return top, inner


def reachable(top: dict[str, set[str]], start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        for nxt in top[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def engine_domain_imports() -> set[tuple[str, str]]:
    """(engine module, domain package) for every import, at any level, of a domain module."""
    domain = {f"reportgen.{d}" for d in DOMAIN}
    found = {
        (m, ".".join(name.split(".")[:2]))
        for m in MODULES
        if m.startswith("reportgen.engine")
        for name, _, _ in imports_of(m)
    }
    return {pair for pair in found if pair[1] in domain}


def cycle_edges(top: dict[str, set[str]]) -> set[tuple[str, str]]:
    """The module-level imports that lie on a cycle."""
    return {(m, t) for m in top for t in top[m] if m in reachable(top, t)}


def closing_imports() -> dict[tuple[str, str], str]:
    """Imports inside a function that would close a cycle at module level → file:line."""
    top, inner = graph()
    return {
        (m, t): f"{MODULES[m].relative_to(PACKAGE.parent)}:{line}"
        for m, t, line in inner
        if m in reachable(top, t)
    }


def cli_module_level_library_imports() -> set[tuple[str, str]]:
    """(CLI module, library package) for the CLI's module-level imports of the library behind it:
    what the import test below finds by running, read from the source."""
    heavy = {h for h in HEAVY if h.startswith("reportgen.")}
    top, _ = graph()
    return {
        (m, ".".join(t.split(".")[:2]))
        for m in top
        if m.startswith("reportgen.cli")
        for t in top[m]
        if ".".join(t.split(".")[:2]) in heavy
    }


# The portal's document form is built from the kind's click command (its declaration of options),
# so the web's form module reads click too; no library module does.
CLICK_FRONT_ENDS = ("reportgen.cli", "reportgen.web.forms")


def test_only_the_front_ends_import_click():
    found = {
        (m, name)
        for m in MODULES
        for name, _, _ in imports_of(m)
        if name.split(".")[0] == "click" and not m.startswith(CLICK_FRONT_ENDS)
    }
    assert found == set()


def test_the_engine_imports_no_domain_module():
    assert engine_domain_imports() == set()


def test_no_import_cycles_at_module_level():
    top, _ = graph()
    assert sorted(cycle_edges(top)) == []


def test_no_import_inside_a_function_closes_a_cycle():
    """An import moved into a function to break a cycle is a seam in the wrong place: none."""
    assert closing_imports() == {}


WATCH = """
import importlib.abc, json, sys

WATCHED = {watched!r}
blame = {{}}


def command_module(frame):
    # the innermost module of reportgen.cli on the stack: the one with the import to move
    while frame and not frame.f_globals.get("__name__", "").startswith("reportgen.cli"):
        frame = frame.f_back
    return frame.f_globals["__name__"] if frame else None


class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in WATCHED and name not in blame:
            blame[name] = command_module(sys._getframe(1))
        return None


sys.meta_path.insert(0, Watch())
import contextlib, io  # noqa: E402

import reportgen.cli  # noqa: E402

with contextlib.redirect_stdout(io.StringIO()):  # and `reportgen --help`
    reportgen.cli.cli.main(["--help"], prog_name="reportgen", standalone_mode=False)
print(json.dumps({{n: blame.get(n) for n in WATCHED if n in sys.modules}}))
"""

HEAVY = ("reportgen.documents", "reportgen.engine", "reportgen.dataset", "reportgen.rules",
         "reportgen.config", "sqlalchemy", "lxml", "openpyxl", "jinja2")  # fmt: skip


def test_the_cli_and_its_help_load_no_library_module():
    """`import reportgen.cli` and `reportgen --help` load the command line only: each command
    imports what it needs when it runs. Each heavy module is blamed on the CLI module whose import statement loaded it."""
    code = WATCH.format(watched=list(HEAVY))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    blame = json.loads(out.stdout)
    assert blame == {}


def test_cli_modules_import_no_library_module_at_module_level():
    """The static twin of the subprocess test above: a CLI module names the library it needs inside
    its command functions."""
    assert cli_module_level_library_imports() == set()
