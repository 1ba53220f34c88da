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


@pytest.fixture(scope="session")
def shared_workbooks(shared_dir) -> Path:
    path = shared_dir / "workbooks"
    if not path.is_dir():
        pytest.skip("../shared/workbooks is absent")
    return path


@pytest.fixture(scope="session")
def corpus_dir(shared_dir) -> Path:
    path = shared_dir / "corpus"
    if not path.is_dir():
        pytest.skip("../shared/corpus is absent")
    return path


@pytest.fixture(scope="session")
def dfe_dir(shared_dir) -> Path:
    path = shared_dir / "data" / "dfe"
    if not path.is_dir():
        pytest.skip("../shared/data/dfe is absent")
    return path


@pytest.fixture(scope="session")
def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe
