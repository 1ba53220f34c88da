"""Start-up pays only for what a command uses (checked in a fresh process)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CODE = """
import json, sys
from kpi_xl.cli import main
sys.argv = ["kpi-xl", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""
# pydantic with what it brings: 0.1 s a process, needed only by the comparators' settings
PYDANTIC = ("pydantic", "pydantic_core", "annotated_types")
HEAVY = ("pandas", "numpy", *PYDANTIC, "openpyxl", "docx", "matplotlib", "reportlab", "xlwings")


def modules_after(*args: str, cwd: Path | None = None) -> set[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", CODE, json.dumps(list(args))], capture_output=True,
                         text=True, env=env, cwd=cwd, timeout=600).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("MODULES ")][-1]
    return set(json.loads(line[len("MODULES "):]))


def _ours(modules: set[str], *prefixes: str) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)}


def test_help_imports_no_heavy_library_nor_the_comparators_or_pack():
    modules = modules_after("--help")
    assert not {m.split(".")[0] for m in modules} & set(HEAVY)
    assert not _ours(modules, "kpi_xl.comparators", "kpi_xl.pack", "kpi_xl.config")


def test_check_and_refresh_without_a_store_never_import_comparators_pack_pandas_or_pydantic(tmp_path):
    from kpi_xl.templates import example_workbook

    book = example_workbook(tmp_path)
    for args in (["check", str(book)], ["refresh", str(book), "--no-backup"]):
        modules = modules_after(*args, cwd=tmp_path)
        assert "kpi_xl.reader" in modules and "kpi_xl.config" in modules, args  # the command ran
        assert not _ours(modules, "kpi_xl.comparators", "kpi_xl.pack"), args
        # the indicator table is records; its DataFrame is made only when asked for; the
        # config's models are kpi_xl.typed_config's, so pydantic is not imported either
        assert not set(HEAVY) & {m.split(".")[0] for m in modules}, args
        # the shipped defaults and library are read from their JSON twins (kpi_xl.yamlio)
        assert "yaml" not in modules, args


@pytest.mark.parametrize("loader", ["yaml.CSafeLoader"])
def test_config_is_read_with_the_c_loader_when_present(loader):
    import yaml

    from kpi_xl import yamlio

    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")
    assert yamlio.Loader is yaml.CSafeLoader


def test_main_freezes_the_heap_at_exit_once(monkeypatch):
    """The command line's exit skips the collector's walk of the heap (gc.freeze
    run by atexit), registered once however often main is called."""
    import atexit
    import gc

    from kpi_xl import cli

    registered = []
    monkeypatch.setattr(cli, "_freeze_registered", False)
    monkeypatch.setattr(atexit, "register", registered.append)
    monkeypatch.setattr(cli, "app", lambda **_kwargs: None)
    cli.main()
    cli.main()
    assert registered == [gc.freeze]


def test_a_command_still_flushes_its_output_and_exit_code_at_exit(tmp_path):
    from kpi_xl.templates import example_workbook

    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, "-c", "from kpi_xl.cli import main; main()", "check"]
    done = subprocess.run([*command, str(example_workbook(tmp_path)), "--json"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["indicators"]  # all of it, written out as the process ended
    missing = subprocess.run([*command, str(tmp_path / "missing.xlsx")], capture_output=True,
                             text=True, env=env, cwd=tmp_path, timeout=600)
    assert missing.returncode == 2 and missing.stderr.startswith("kpi-xl: ")


def test_the_commands_annotations_are_objects_typer_need_not_evaluate():
    """Text annotations (``from __future__ import annotations`` in a command
    module) would be evaluated twice a parameter on every run."""
    import inspect

    import typer.main

    from kpi_xl.cli import app

    def commands(group):
        for command in group.commands.values():
            yield from commands(command) if hasattr(command, "commands") else [command]

    found = list(commands(typer.main.get_command(app)))
    assert len(found) >= 10
    for command in found:
        function = inspect.unwrap(command.callback)
        texts = {k: v for k, v in function.__annotations__.items() if isinstance(v, str)}
        assert not texts, (command.name, function.__module__, texts)
