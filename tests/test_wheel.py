"""The wheel is the product: built from the sources, installed (not editable)
into a fresh virtual environment, it runs demo, addin build and report.

The checkout's config/, macros/ and workbook_templates/ must not be what the
installed commands read, so the wheel is built from a copy of the sources
and the commands run from a folder outside any checkout. The venv sees this
Python's site-packages (``--system-site-packages``) so kpi-xl's dependencies
are not downloaded again; the test checks that ``kpi_xl`` itself is imported
from the venv and not from an editable install or PYTHONPATH.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHIPPED = ("config", "macros", "workbook_templates")
SKIP = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                              ".hypothesis", "kpi-xl-demo", "render", "out", ".venv", "_shipped")


def run(args: list, cwd: Path, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    shutil.copytree(REPO, source, ignore=SKIP)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", root / "dist", source],
        root, env)
    wheel = next((root / "dist").glob("kpi_xl-*.whl"))
    venv = root / "venv"
    # No pip of its own: the base Python's pip (seen through system site-packages) installs into it.
    run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv], root, env)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    run([python, "-m", "pip", "install", "--no-deps", "--force-reinstall", "-q", wheel], root, env)
    work = root / "work"
    work.mkdir()
    return wheel, bindir, {**env, "PATH": f"{bindir}{os.pathsep}{env.get('PATH', '')}"}


def test_wheel_carries_the_shipped_folders(venv):
    wheel, _, _ = venv
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    for folder in SHIPPED:
        tracked = {p.relative_to(REPO / folder).as_posix()
                   for p in (REPO / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and not p.name.startswith(".")}
        assert tracked, folder
        assert {f"kpi_xl/_shipped/{folder}/{name}" for name in tracked} <= names


def test_installed_wheel_runs_demo_addin_build_and_report(venv):
    _, bindir, env = venv
    work = bindir.parent.parent / "work"
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    where = run([python, "-c", "import kpi_xl.paths as p; print(p.PACKAGE_DIR); print(p.MACROS_DIR)"],
                work, env).stdout.split()
    venv_dir = bindir.parent.resolve()
    assert Path(where[0]).resolve().is_relative_to(venv_dir), where
    assert Path(where[1]).resolve().is_relative_to(venv_dir), where

    kpi = bindir / ("kpi-xl.exe" if os.name == "nt" else "kpi-xl")
    demo = json.loads(run([kpi, "demo", "--folder", "demo", "--json"], work, env).stdout)
    book = work / "demo" / "example_returns.xlsx"
    assert book.is_file(), demo

    run([kpi, "addin", "build", "--output", "kpi_xl.xlam"], work, env)
    with zipfile.ZipFile(work / "kpi_xl.xlam") as z:
        assert "customUI/customUI14.xml" in z.namelist()
        assert "xl/vbaProject.bin" in z.namelist()

    run([kpi, "report", book, "--docx", "pack.docx"], work, env)
    with zipfile.ZipFile(work / "pack.docx") as z:
        assert "word/document.xml" in z.namelist()
