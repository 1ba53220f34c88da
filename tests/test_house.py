"""The shape of the code: the library surface at the package root, every
command's help with an example, no import cycle, ARCHITECTURE.md matching the
folders (issue 18)."""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import kpi_xl
from kpi_xl.cli import app

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "kpi_xl"
runner = CliRunner()

API = ["refresh", "build_refresh", "check_workbook", "read_workbook", "apply_plan",
       "load_config", "Plan", "KpiError"]


# --- the library surface ---------------------------------------------------------------------------

def test_the_library_surface_is_at_the_package_root():
    assert set(API) <= set(kpi_xl.__all__) and set(API) <= set(dir(kpi_xl))
    from kpi_xl.check import check_workbook
    from kpi_xl.errors import KpiError
    from kpi_xl.plan import Plan
    from kpi_xl.refresh_job import build_refresh, refresh
    assert (kpi_xl.refresh, kpi_xl.build_refresh, kpi_xl.check_workbook, kpi_xl.Plan,
            kpi_xl.KpiError) == (refresh, build_refresh, check_workbook, Plan, KpiError)
    with pytest.raises(AttributeError):
        kpi_xl.no_such_name  # noqa: B018


def test_import_kpi_xl_is_cheap_and_names_load_on_first_use():
    code = ("import sys, kpi_xl; heavy = ('pandas', 'lxml', 'openpyxl', 'typer', 'yaml');"
            "before = [m for m in heavy if m in sys.modules]; kpi_xl.load_config;"
            "print(before, 'kpi_xl.config' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO)
    assert out.stdout.strip() == "[] True"


def test_every_library_name_has_an_example_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use as a library", 1)[1].split("\n## ", 1)[0]
    code = "\n".join(re.findall(r"```python\n(.*?)```", section, flags=re.S))
    for name in API:
        assert re.search(rf"\b{name}\b", code), f"README 'Use as a library' has no example of {name}"


def test_a_cli_refresh_is_seen_through_the_library(tmp_path):
    from kpi_xl.templates import example_workbook

    book = example_workbook(tmp_path, force=True)
    config = kpi_xl.load_config()
    done = runner.invoke(app, ["refresh", str(book), "--no-backup", "--json"])
    assert done.exit_code == 0, done.output
    printed = json.loads(done.stdout)
    again = kpi_xl.refresh(book, config, dry_run=True)
    assert not again.changed  # the book holds what the library plans
    assert again.counts == printed["counts"]
    table = kpi_xl.read_workbook(book, config)
    assert sorted(table.frame["id"]) == sorted(i["id"] for i in printed["indicators"])
    assert kpi_xl.check_workbook(book, config).counts["indicators"] == len(printed["indicators"])


def test_a_cli_error_is_the_library_error_in_one_line(tmp_path):
    bad = tmp_path / "not-a-workbook.xlsx"
    bad.write_text("hello", encoding="utf-8")
    with pytest.raises(kpi_xl.KpiError) as raised:
        kpi_xl.check_workbook(bad)
    done = runner.invoke(app, ["check", str(bad)])
    assert done.exit_code == 2
    assert done.output.strip() == f"kpi-xl: {raised.value}"


# --- every command's help has an example (like sqlite-utils' test_docs.py) -------------------------

def _commands(group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group (typer carries its own click)
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


COMMANDS = sorted(path for path, _ in _commands(typer.main.get_command(app)))


def test_the_commands_are_all_found():
    assert {("check",), ("refresh",), ("batch",), ("report",), ("new",), ("demo",),
            ("comparators", "import"), ("addin", "build"), ("addin", "install")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_help_has_an_example(path):
    shown = runner.invoke(app, [*path, "--help"])
    assert shown.exit_code == 0
    assert re.search(r"Examples?:", shown.output), f"kpi-xl {' '.join(path)} --help has no example"
    assert f"kpi-xl {' '.join(path)}" in shown.output.split("Example", 1)[1]


# --- no import cycle, counting imports inside functions --------------------------------------------

def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def _runtime_imports(tree: ast.AST):
    """Every import statement that can run, at any depth; blocks under
    ``if TYPE_CHECKING:`` never run and are left out."""
    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    yield from walk_one(other)
                continue
            yield from walk_one(child)

    def walk_one(node):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from walk(node)

    yield from walk(tree)


def import_graph() -> dict[str, set[str]]:
    files = {(_module_name(p)): p for p in PACKAGE.rglob("*.py")}
    modules = {name for name, _ in files}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for (name, is_package), path in files.items():
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and target.startswith("kpi_xl"):
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_in_kpi_xl_counting_imports_inside_functions():
    graph = import_graph()
    assert "kpi_xl.batch" in graph["kpi_xl.cli.refresh"]  # a function-level import is counted
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# --- ARCHITECTURE.md matches the folders ----------------------------------------------------------

def test_architecture_names_every_folder_and_every_folder_it_names_exists():
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(kpi_xl/[A-Za-z0-9_/]+?)/?`", text))
    folders = {f"kpi_xl/{p.name}" for p in PACKAGE.iterdir()
               if p.is_dir() and not p.name.startswith(("_", "."))}
    assert folders <= named, f"not in ARCHITECTURE.md: {sorted(folders - named)}"
    missing = [n for n in named if not (REPO / n).exists() and not (REPO / f"{n}.py").exists()]
    assert missing == [], f"ARCHITECTURE.md names what is not there: {missing}"


def test_no_unused_import_or_undefined_name():
    """pyflakes' checks (through ruff): an unused import is a dependency no
    one needs, an undefined name a failure waiting for its line to run."""
    ruff = pytest.importorskip("ruff")  # installed with the test extras
    del ruff
    root = Path(__file__).resolve().parent.parent
    found = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F,E9", "--output-format",
                            "concise", "--no-cache", "kpi_xl", "tests", "benchmarks"],
                           cwd=root, capture_output=True, text=True)
    assert found.returncode == 0, found.stdout[-3000:] + found.stderr[-1000:]
