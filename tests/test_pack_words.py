"""The committee pack in the council's words: no Python words, the legend's
rule, the council's own commentary, names people can tell apart, and the
report's libraries in the default install."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from kpi_xl.config import load_config
from kpi_xl.refresh_job import build_refresh
from kpi_xl.names import area_prefix
from kpi_xl.owned_sheets.exceptions import Note
from kpi_xl.pack.docx import write_docx
from kpi_xl.pack.model import build_pack
from kpi_xl.templates import example_workbook

REPO = Path(__file__).resolve().parent.parent
# Python's words for nothing; "None this period" is the pack's own English.
PYTHON_WORDS = re.compile(r"\b(None|nan|NaN|NaT|null)\b(?! this period)")
HEAD = ["Indicator", "Polarity", "Target", "Q4 2024-25", "Q1 2025-26", "Q2 2025-26",
        "Commentary"]


def scorecard(path: Path) -> Path:
    """Two blocks, each under its title, as North Somerset and Wokingham lay
    them out: a commentary column, an "Analysis" note under the first table,
    "What does this show us?" under the second, and one indicator name in both."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Scorecard"
    ws["A1"] = "Northshire Council Children's Services performance, Q2 2025-26"
    ws["A3"] = "Children in Care"
    ws.append(HEAD)
    ws.append(["Number of missing episodes", "Lower is better", 20, 25, 22, 18,
               "Down after the new return interview offer."])
    ws.append(["Percentage of return home interviews within 72 hours", "Higher is better",
               0.8, 0.7, 0.75, 0.72, None])
    for col in "CDEF":
        ws[f"{col}6"].number_format = "0%"
    ws["A8"] = "Analysis"
    ws["A9"] = "Placement moves explain most episodes this quarter."
    ws["A11"] = "Care Leavers"
    for c, head in enumerate(HEAD, 1):
        ws.cell(12, c, head)
    for c, value in enumerate(["Number of missing episodes", "Lower is better", "N/A", 5, 6, 4],
                              1):
        ws.cell(13, c, value)
    ws["A15"] = "What does this show us?"
    ws["A16"] = "One young person accounts for half the episodes."
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def built(tmp_path_factory, config):
    book = scorecard(tmp_path_factory.mktemp("scorecard") / "scorecard.xlsx")
    return build_refresh(book, config)


def by_name(pack, name, area=None):
    return next(i for i in pack.indicators if i.name == name and (area is None or i.area == area))


# ------------------------------------------------------------------ install

def test_report_libraries_are_in_the_default_install():
    """`pip install -e .` (the README's first command) brings what `report` imports."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0].lower()
                for d in project["dependencies"]}
    provides = {"docx": "python-docx", "matplotlib": "matplotlib", "lxml": "lxml",
                "openpyxl": "openpyxl", "pandas": "pandas", "yaml": "pyyaml",
                "pydantic": "pydantic", "typer": "typer"}
    imported = set()
    for source in (REPO / "kpi_xl" / "pack").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names}
    assert {"docx", "matplotlib"} <= third_party
    for module in third_party:
        assert provides.get(module) in declared, f"{module} is imported by the pack but not declared"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "pip install -e . && kpi-xl demo" in readme


def test_the_pack_libraries_load_only_when_a_report_is_made():
    code = ("import sys, kpi_xl.cli, kpi_xl.pack, kpi_xl.cli.pack; "
            "print(sorted(m for m in ('docx', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_a_missing_library_is_one_line_naming_what_to_install(tmp_path):
    book = example_workbook(tmp_path)
    code = ("import sys; sys.modules['matplotlib'] = None; sys.argv = ['kpi-xl', 'report', "
            f"{str(book)!r}, '--docx', {str(tmp_path / 'p.docx')!r}]; "
            "from kpi_xl.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install matplotlib" in lines[0], done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "p.docx").exists()


# ------------------------------------------------------------------ words

def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


def cli_output(args: list[str]) -> str:
    """What `kpi-xl ARGS` prints (stdout and stderr), run as the console script runs."""
    code = f"import sys; sys.argv = ['kpi-xl'] + {args!r}; from kpi_xl.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout + done.stderr


def workbooks(folder: Path) -> list[Path]:
    books = [example_workbook(folder), scorecard(folder / "scorecard.xlsx")]
    shared = REPO.parent / "shared" / "workbooks"
    return books + (sorted(shared.glob("*.xlsx")) if shared.is_dir() else [])


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory, config):
    """(workbook, refresh result, pack) for the example, the scorecard and the shared books."""
    folder = tmp_path_factory.mktemp("books")
    out = []
    for book in workbooks(folder):
        result = build_refresh(book, config)
        out.append((book, result, build_pack(result, config)))
    return out


def test_no_python_words_in_the_pack_the_sheets_or_the_text_output(refreshed, tmp_path, config):
    for book, result, pack in refreshed:
        out = write_docx(pack, tmp_path / f"{book.stem}.docx", config=config, charts={})
        found = PYTHON_WORDS.findall(docx_text(out))
        assert not found, f"{book.name}: DOCX says {found}"
        for sheet in result.plan.sheets:
            for cell in sheet.cells:
                assert not (isinstance(cell.value, str) and PYTHON_WORDS.search(cell.value)), \
                    f"{book.name}: {sheet.name}!{cell.cell} = {cell.value!r}"
                assert not (isinstance(cell.value, float) and cell.value != cell.value)
        for cell in result.plan.cells():
            assert not (isinstance(cell.value, str) and PYTHON_WORDS.fullmatch(cell.value))
        for args in (["check", str(book)], ["refresh", str(book), "--dry-run"]):
            text = cli_output(args)
            assert not PYTHON_WORDS.search(text), f"{args[0]} {book.name}: {text}"
    book = next(b for b, _r, _p in refreshed if b.name == "scorecard.xlsx")
    text = cli_output(["report", str(book), "--docx", str(tmp_path / "cli.docx")])
    assert "wrote the committee pack" in text and not PYTHON_WORDS.search(text)


def test_no_target_is_a_dash(built, config):
    pack = build_pack(built, config)
    episodes = by_name(pack, "Number of missing episodes", "Care Leavers")
    assert episodes.target_text == "N/A"  # the council's own words, kept
    record = dict(built.rated.iloc[0])
    record.update(target=None, target_raw=None)
    from kpi_xl.pack.model import pack_indicator
    ind = pack_indicator(record, config, {}, {}, {}, [])
    assert ind.target_text == "–"


def test_directions_are_worded_by_the_legends_rule(refreshed, config):
    words = config.direction.words
    for book, result, pack in refreshed:
        legend = pack.direction_rule
        assert f"{words.better}, {words.same} and {words.worse}" in legend
        assert "both a target and a polarity" in legend
        assert f"{words.up}, {words.same} and {words.down}" in legend
        assert "no target or no polarity" in legend
        targeted = dict(zip(result.rated["id"], result.rated["targeted"]))
        for ind in pack.indicators:
            if not ind.direction:
                continue
            expected = ({words.better, words.same, words.worse} if targeted[ind.id]
                        else {words.up, words.same, words.down})
            assert ind.direction in expected, (book.name, ind.name, ind.direction)
            assert ind.direction in ind.direction_text


# ------------------------------------------------------------------ commentary

def test_the_councils_commentary_and_notes_reach_the_pack(built, config, tmp_path):
    pack = build_pack(built, config)
    episodes = by_name(pack, "Number of missing episodes", "Children in Care")
    assert episodes.commentary_lines == ["Down after the new return interview offer."]
    care = next(a for a in pack.areas if a.name == "Children in Care")
    assert care.commentary == ["Placement moves explain most episodes this quarter."]
    # a table of one indicator: its note is that indicator's
    leavers = by_name(pack, "Number of missing episodes", "Care Leavers")
    assert leavers.commentary_lines == ["One young person accounts for half the episodes."]
    text = docx_text(write_docx(pack, tmp_path / "pack.docx", config=config))
    for words in ("Down after the new return interview offer.",
                  "Placement moves explain most episodes this quarter.",
                  "One young person accounts for half the episodes."):
        assert words in text


def test_officers_commentary_on_the_exceptions_sheet_wins(built, config):
    ident = next(r["id"] for r in built.rated.to_dict("records")
                 if r["name"] == "Number of missing episodes" and r["area"] == "Children in Care")
    pack = build_pack(built, config, notes={ident: Note(commentary="Officer: on track.")})
    episodes = by_name(pack, "Number of missing episodes", "Children in Care")
    assert episodes.commentary_lines == ["Officer: on track."]


@pytest.mark.shared
def test_wokingham_notes_become_each_areas_commentary(shared_workbooks, config, tmp_path):
    book = shared_workbooks / "wokingham_dashboard_q2_2023_24.xlsx"
    if not book.is_file():
        pytest.skip("the Wokingham workbook is absent")
    pack = build_pack(build_refresh(book, config), config)
    areas = {a.name: a.commentary for a in pack.areas}
    # typed from the workbook's "What does this show us?" notes
    assert areas["Funded Education, Health & Care Plans"] == [
        "The EHCPs issued within 20 weeks has decreased compared to the previous quarter, "
        "with an average timeliness of 80.6%. This is ahead of WBC's target of 70%."]
    assert areas["Children's Services Workforce"] == [
        "Permanency of workforce is a continuous focus for CSC."]
    assert all(areas.values()), "every Wokingham block has a note"
    text = docx_text(write_docx(pack, tmp_path / "wok.docx", config=config, charts={}))
    assert "Permanency of workforce is a continuous focus for CSC." in text


# ------------------------------------------------------------------ names

def test_indicators_sharing_a_name_are_told_apart_by_block(built, config, tmp_path):
    pack = build_pack(built, config)
    same = [i for i in pack.indicators if i.name == "Number of missing episodes"]
    assert {i.display_name for i in same} == {"Number of missing episodes (Children in Care)",
                                              "Number of missing episodes (Care Leavers)"}
    text = docx_text(write_docx(pack, tmp_path / "pack.docx", config=config, charts={}))
    assert "Number of missing episodes (Care Leavers)" in text


@pytest.mark.shared
def test_wokingham_missing_from_home_and_care_are_told_apart(shared_workbooks, config):
    book = shared_workbooks / "wokingham_dashboard_q2_2023_24.xlsx"
    if not book.is_file():
        pytest.skip("the Wokingham workbook is absent")
    pack = build_pack(build_refresh(book, config), config)
    labels = [i.label for i in pack.indicators]
    assert len(set(labels)) == len(labels)
    on_time = sorted(i.display_name for i in pack.indicators
                     if i.name == "Missing Episodes - % return home interviews carried out on time")
    assert on_time == [
        "Missing Episodes - % return home interviews carried out on time (Children missing from care)",
        "Missing Episodes - % return home interviews carried out on time (Children missing from home)"]


def test_short_ids_are_the_councils_code_else_a_code_per_area(built, config, tmp_path):
    pack = build_pack(built, config)
    assert [i.ref for i in pack.indicators] == ["CC1", "CC2", "CL1"]
    example = build_pack(build_refresh(example_workbook(tmp_path), config), config)
    assert all(i.ref == i.code == i.id for i in example.indicators)  # CSC01...
    assert area_prefix("Child Protection") == "CP"
    assert area_prefix("Children's Social Care Front Door") == "CSC"
    assert area_prefix("Workforce") == "WOR"
    assert area_prefix("Children in need (CIN)") == "CIN"  # the council's own abbreviation
    assert area_prefix("Assessments") == "AS"
