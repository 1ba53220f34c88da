"""Shared fixtures: ../shared when present (skip when absent), LibreOffice when installed."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return SHARED


def _shared_part(shared: Path, *parts: str) -> Path:
    path = shared.joinpath(*parts)
    if not path.is_dir():
        pytest.skip(f"../shared/{'/'.join(parts)} is absent")
    return path


@pytest.fixture(scope="session")
def shared_workbooks(shared_dir) -> Path:
    return _shared_part(shared_dir, "workbooks")


@pytest.fixture(scope="session")
def corpus_dir(shared_dir) -> Path:
    return _shared_part(shared_dir, "corpus")


@pytest.fixture(scope="session")
def dfe_dir(shared_dir) -> Path:
    return _shared_part(shared_dir, "data", "dfe")


@pytest.fixture(scope="session")
def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe
