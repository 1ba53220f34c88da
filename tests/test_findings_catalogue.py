"""The findings catalogue (issue 18): every finding type declared once, with a
severity, a title and help; every type the code emits is declared (read from
the source with ``ast`` and collected from real runs); a council's
``findings:`` config skips and re-grades types everywhere findings are shown;
``kpi-xl check --list-findings`` prints the catalogue."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import kpi_xl
from kpi_xl import finding_types
from kpi_xl.cli import app
from kpi_xl.config import config_from_dict
from kpi_xl.errors import ConfigError
from kpi_xl.finding_types import CATALOGUE, SEVERITIES, FindingType
from kpi_xl.findings import Finding, Report
from tests.layout_set import LAYOUTS
from tests.test_check import _issues_workbook
from tests.test_reader_support import dashboard_workbook, multirow_workbook

PACKAGE = Path(kpi_xl.__file__).resolve().parent
runner = CliRunner()

# Where a Finding is built from a type another function chose: the function
# and the name of its parameter or variable holding a declared type (checked
# where it is chosen, by the same scan or by the Finding itself).
FORWARDERS = {
    ("reader/build.py", "warn", "type_"),               # Context.warn(TYPE, ...)
    ("reader/build.py", "flush", "type_"),              # Context.note(record, TYPE, ...)
    ("owned_sheets/exceptions.py", "report_overrides", "kind"),  # ExceptionsResult.stale_overrides
    ("refresh_job.py", "_refresh_unlocked", "kind"),    # xlsx.writer.WriteNote.kind (writer.py)
    ("owned_sheets/data_quality.py", "previous_findings", "kind"),  # read back, checked in CATALOGUE
}
# Calls whose first argument (after ``record`` for note) is a finding type.
TYPE_TAKING = {"Finding": 0, "warn": 0, "note": 1}


# --- the catalogue ---------------------------------------------------------------------------------

def test_each_type_is_declared_once_with_severity_title_and_help():
    declared = [v for v in vars(finding_types).values() if isinstance(v, FindingType)]
    assert len({t.name for t in declared}) == len(declared) == len(CATALOGUE) >= 30
    for t in CATALOGUE.values():
        assert t.severity in SEVERITIES and set(t.levels) <= set(SEVERITIES), t.name
        assert t.levels[0] == t.severity
        assert t.title and t.title[0].isupper() and not t.title.endswith("."), t.name
        # help says what to do: a sentence or two, ending in a full stop
        assert 40 <= len(t.help) <= 400 and t.help.endswith((".", ")")), t.name
    names = vars(finding_types)
    assert all(names[t.name.upper()] is t for t in CATALOGUE.values())  # PERIOD_GAP is period_gap


def test_a_finding_of_an_undeclared_type_cannot_be_built():
    with pytest.raises(ValueError, match="unknown finding type 'no_figure'; did you mean no_figures?"):
        Finding("no_figure", "typo")
    with pytest.raises(ValueError, match="unknown finding type 'new_thing'"):
        Finding("new_thing", "not declared")
    made = Finding(finding_types.NO_FIGURES, "declared", "warning")
    assert made.type == "no_figures" and type(made.type) is str  # stored as its name


# --- every emitted type is declared: read from the source ----------------------------------------

def _call_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) \
        else None


def _type_argument(call: ast.Call) -> ast.expr | None:
    """The finding type a call gives (positionally or as ``type=``/``type_=``)."""
    name = _call_name(call)
    if name not in TYPE_TAKING:
        return None
    for kw in call.keywords:
        if kw.arg in ("type", "type_"):
            return kw.value
    index = TYPE_TAKING[name]
    return call.args[index] if len(call.args) > index else None


def undeclared_types(source: str, where: str = "<source>") -> list[str]:
    """Finding types given in ``source`` that the catalogue does not declare:
    string literals not in it, names that are not its constants, and anything
    else except the declared forwarders."""
    problems: list[str] = []

    def visit(node: ast.AST, function: str | None) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        if isinstance(node, ast.Call) and (arg := _type_argument(node)) is not None \
                and (_call_name(node) == "Finding" or _looks_like_type(arg)):
            # (another .warn()/.note(), of logging or warnings, is not a finding)
            if problem := _undeclared(arg, where, function):
                problems.append(f"{where}:{node.lineno}: {problem}")
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(source), None)
    return problems


def _looks_like_type(arg: ast.expr) -> bool:
    return isinstance(arg, ast.Name) and (arg.id.isupper() or arg.id in ("type_", "kind")) \
        or isinstance(arg, ast.Constant) and isinstance(arg.value, str) \
        and re.fullmatch(r"[a-z][a-z0-9_]*", arg.value) is not None


def _undeclared(arg: ast.expr, where: str, function: str | None) -> str | None:
    if isinstance(arg, ast.Constant):
        return None if arg.value in CATALOGUE else repr(arg.value)
    if isinstance(arg, ast.Name) and arg.id.isupper():
        declared = getattr(finding_types, arg.id, None)
        return None if isinstance(declared, FindingType) else arg.id
    if isinstance(arg, ast.Attribute) and arg.attr == "name" and isinstance(arg.value, ast.Name):
        return _undeclared(arg.value, where, function)  # OVERRIDE_STALE.name
    if isinstance(arg, ast.Name) and (where, function, arg.id) in FORWARDERS:
        return None
    if isinstance(arg, ast.Call) and _call_name(arg) == "str" and arg.args \
            and isinstance(arg.args[0], ast.Name) and (where, function, arg.args[0].id) in FORWARDERS:
        return None
    return f"{ast.unparse(arg)} (not a declared type)"


def _strings_compared_with_types(source: str, where: str) -> list[str]:
    """``f.type == "x"``, ``f.type in {...}`` and ``report.of_type("x")``: each
    string must be a declared type (else the comparison can never hold)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        strings: list[ast.expr] = []
        if isinstance(node, ast.Compare) and any(isinstance(s, ast.Attribute) and s.attr == "type"
                                                 for s in [node.left, *node.comparators]):
            for side in [node.left, *node.comparators]:
                strings += side.elts if isinstance(side, (ast.Set, ast.List, ast.Tuple)) else [side]
        elif isinstance(node, ast.Call) and _call_name(node) == "of_type":
            strings += node.args[:1]
        found += [f"{where}:{node.lineno}: {s.value!r}" for s in strings
                  if isinstance(s, ast.Constant) and isinstance(s.value, str) and s.value not in CATALOGUE]
    return found


def _package_sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), path.read_text(encoding="utf-8")


def test_every_type_the_code_gives_is_declared():
    problems = []
    for where, source in _package_sources():
        problems += undeclared_types(source, where)
        if "findings import" in source:  # elsewhere a .type is another thing's (a CF rule's)
            problems += _strings_compared_with_types(source, where)
    assert not problems, "finding types not in kpi_xl/finding_types.py:\n" + "\n".join(problems)


def test_the_scan_catches_a_new_type_added_without_declaring_it():
    assert undeclared_types('found.append(Finding("new_thing", "m", "warning"))') \
        == ["<source>:1: 'new_thing'"]
    assert undeclared_types("report.add(Finding(type='new_thing', message='m'))")
    assert undeclared_types("ctx.warn(NEW_THING, 'm', sheet, cell)")
    assert undeclared_types("def f(kind):\n    return Finding(kind, 'm')\n")  # not a forwarder
    assert not undeclared_types("Finding(PERIOD_GAP, 'm'); Finding('period_gap', 'm')")
    assert not undeclared_types("logger.warn('disk full')")
    assert _strings_compared_with_types('x = [f for f in r if f.type == "new_thing"]', "t")


def test_every_declared_type_is_emitted_somewhere():
    """A catalogue entry no code emits would be help for nothing."""
    text = "\n".join(s for where, s in _package_sources() if where != "finding_types.py")
    unused = [t.name for t in CATALOGUE.values() if t.name.upper() not in text]
    assert not unused


# --- every emitted type is declared: collected from real runs -------------------------------------

def _books(tmp_path: Path, shared: Path | None) -> list[Path]:
    from kpi_xl.templates import example_workbook
    from tests.test_refresh import layout_workbook

    books = [_issues_workbook(tmp_path / "issues.xlsx"),
             dashboard_workbook(tmp_path / "dashboard.xlsx"),
             multirow_workbook(tmp_path / "multirow.xlsx"),
             layout_workbook(tmp_path / "layout.xlsx"),
             example_workbook(tmp_path / "demo")]
    books += [layout.build(tmp_path / f"{layout.key}.xlsx") for layout in LAYOUTS]
    if shared is not None and (shared / "workbooks").is_dir():
        books += sorted((shared / "workbooks").glob("*.xlsx"))
    return books


def _emitted(tmp_path: Path) -> dict[str, set[str]]:
    """Type -> severities seen when checking and (dry-run) refreshing each book,
    and refreshing a protected one with unlocked_cells (the writer's findings)."""
    from tests.conftest import SHARED
    from tests.test_safety_files import make_book
    from tests.test_safety_sheets import protect, with_config

    config = kpi_xl.load_config()
    seen: dict[str, set[str]] = {}
    reports = []
    for book in _books(tmp_path, SHARED if SHARED.is_dir() else None):
        reports.append(kpi_xl.check_workbook(book, config).report)
        reports.append(kpi_xl.refresh(book, config, dry_run=True).report)
    locked = protect(make_book(tmp_path / "locked.xlsx"), sheet=True)
    reports.append(kpi_xl.refresh(locked, with_config(config, protected_sheets="unlocked_cells"),
                                  backup="none").report)
    for report in reports:
        for f in report:
            seen.setdefault(f.type, set()).add(f.severity)
    return seen


def test_every_type_emitted_on_the_books_is_declared_at_its_levels(tmp_path):
    seen = _emitted(tmp_path)
    assert set(seen) <= set(CATALOGUE)
    for name, levels in seen.items():
        assert levels <= set(CATALOGUE[name].levels), name  # no level the catalogue does not say
    # the books reach the reader's, check's, the rules' and the writer's findings
    assert {"period_duplicate", "unparseable_value", "percent_over_100", "rag_without_target",
            "target_without_polarity", "dot_without_latest", "protected_cells_skipped"} <= set(seen)


# --- the council's choice: config -----------------------------------------------------------------

@pytest.mark.parametrize("findings, message", [
    ({"severity": {"no_figure": "error"}},
     "findings -> severity -> no_figure: unknown finding type 'no_figure'; did you mean no_figures?"),
    ({"skip": ["period_gaps"]},
     "findings -> skip -> 0: unknown finding type 'period_gaps'; did you mean period_gap?"),
    ({"severity": {"no_figures": "critical"}},
     "findings -> severity -> no_figures: Input should be 'error', 'warning' or 'info'"),
    ({"skip": ["hard_links_broken"]}, "findings -> skip -> 0: hard_links_broken cannot be skipped"),
    ({"hide": []}, "findings -> hide: unknown key"),
])
def test_unknown_types_and_levels_are_one_line_errors_with_the_key_path(findings, message):
    with pytest.raises(ConfigError) as err:
        config_from_dict({"findings": findings}, "council.yaml")
    assert str(err.value).startswith(f"council.yaml: {message}") and "\n" not in str(err.value)


def test_cli_bad_findings_config_exits_2_in_one_line(tmp_path):
    book = _issues_workbook(tmp_path / "issues.xlsx")
    cfg = tmp_path / "council.yaml"
    cfg.write_text("findings:\n  severity: {no_figure: error}\n", encoding="utf-8")
    for args in (["check", str(book)], ["refresh", str(book), "--dry-run"], ["check", "--list-findings"]):
        result = runner.invoke(app, [*args, "--config", str(cfg)])
        assert result.exit_code == 2, args
        assert result.output.strip() == (f"kpi-xl: {cfg}: findings -> severity -> no_figure: unknown "
                                         "finding type 'no_figure'; did you mean no_figures?")


def test_defaults_choose_nothing():
    config = kpi_xl.load_config()
    assert config.findings.skip == [] and config.findings.severity == {}


def _council(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "council.yaml"
    path.write_text(text, encoding="utf-8")
    return path


SKIP_AND_REGRADE = ("findings:\n  skip: [suppressed_value, target_without_polarity]\n"
                    "  severity: {percent_over_100: warning, unparseable_value: info, "
                    "period_duplicate: warning, no_figures: info}\n")


def test_check_skips_and_regrades_through_the_library(tmp_path):
    book = _issues_workbook(tmp_path / "issues.xlsx")
    plain = kpi_xl.check_workbook(book, kpi_xl.load_config())
    chosen = kpi_xl.check_workbook(book, kpi_xl.load_config(_council(tmp_path, SKIP_AND_REGRADE)))
    assert plain.report.of_type("target_without_polarity") and plain.has_errors
    assert not chosen.report.of_type("target_without_polarity")
    assert not chosen.report.of_type("suppressed_value")
    assert {f.severity for f in chosen.report.of_type("percent_over_100")} == {"warning"}
    assert {f.severity for f in chosen.report.of_type("unparseable_value")} == {"info"}
    assert not chosen.has_errors and chosen.counts["errors"] == 0
    # the other findings are untouched, in their order
    others = [f for f in plain.report if f.type not in
              ("suppressed_value", "target_without_polarity", "percent_over_100",
               "unparseable_value", "period_duplicate", "no_figures")]
    assert others == [f for f in chosen.report if f.type in {o.type for o in others}]


def test_check_cli_exit_code_follows_the_regraded_severity(tmp_path):
    book = _issues_workbook(tmp_path / "issues.xlsx")
    assert runner.invoke(app, ["check", str(book)]).exit_code == 1
    cfg = _council(tmp_path, SKIP_AND_REGRADE)
    result = runner.invoke(app, ["check", str(book), "--config", str(cfg), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    types = {f["type"] for f in data["findings"]}
    assert "target_without_polarity" not in types and "percent_over_100" in types
    assert data["counts"]["errors"] == 0
    again = kpi_xl.check_workbook(book, kpi_xl.load_config(cfg))  # the CLI said what the library says
    assert data["findings"] == again.report.as_dicts()
    text = runner.invoke(app, ["check", str(book), "--config", str(cfg)]).output
    assert "target_without_polarity" not in text and "WARNING percent_over_100" in text
    # an info made an error fails the check: the book is clean but for suppressed figures
    clean = multirow_workbook(tmp_path / "multirow.xlsx")
    assert runner.invoke(app, ["check", str(clean)]).exit_code == 0
    strict = _council(tmp_path, "findings: {severity: {suppressed_value: error}}\n")
    assert runner.invoke(app, ["check", str(clean), "--config", str(strict)]).exit_code == 1


def _data_quality_types(book: Path) -> list[tuple[str, str]]:
    wb = openpyxl.load_workbook(book, read_only=True)
    ws = wb[kpi_xl.load_config().workbook.data_quality_sheet]
    rows = [(r[0], r[1]) for r in ws.iter_rows(min_row=4, max_col=2, values_only=True) if r[1]]
    wb.close()
    return rows


def test_refresh_sheet_json_and_pack_show_the_chosen_findings(tmp_path):
    from kpi_xl.pack import build_pack

    book = _issues_workbook(tmp_path / "issues.xlsx")
    cfg = _council(tmp_path, SKIP_AND_REGRADE)
    config = kpi_xl.load_config(cfg)
    built = kpi_xl.build_refresh(book, config)
    pack = build_pack(built, config)
    notes = [n for area in pack.areas for ind in area.indicators for n in ind.notes]
    assert notes and not any("a target is given but no polarity" in n for n in notes)
    assert pack.findings == len(built.report)
    result = kpi_xl.refresh(book, config, backup="none")
    shown = {(f.severity, f.type) for f in result.report}
    assert not any(t in ("suppressed_value", "target_without_polarity") for _, t in shown)
    assert ("warning", "percent_over_100") in shown
    assert set(_data_quality_types(book)) == shown  # the owned sheet lists exactly those
    assert result.counts["findings"] == len(result.report)
    # the CLI's --json and text say the same, of the book as it was
    fresh = _issues_workbook(tmp_path / "fresh.xlsx")
    data = json.loads(runner.invoke(app, ["refresh", str(fresh), "--config", str(cfg), "--dry-run",
                                          "--json"]).output)
    assert {(f["severity"], f["type"]) for f in data["findings"]} == shown
    text = runner.invoke(app, ["refresh", str(fresh), "--config", str(cfg), "--dry-run"]).output
    assert "target_without_polarity" not in text and "percent_over_100" in text


def test_a_skipped_type_is_left_out_of_a_report_however_it_is_added():
    config = config_from_dict({"findings": {"skip": ["period_gap"],
                                            "severity": {"no_figures": "error"}}})
    report = Report([Finding("period_gap", "a")], choice=config.findings)
    report.add(Finding("period_gap", "b"))
    report.extend([Finding("no_figures", "c", "warning"), Finding("period_gap", "d")])
    assert [(f.type, f.severity) for f in report] == [("no_figures", "error")]


# --- kpi-xl check --list-findings -----------------------------------------------------------------

def test_list_findings_prints_the_catalogue():
    result = runner.invoke(app, ["check", "--list-findings"])
    assert result.exit_code == 0, result.output
    for t in CATALOGUE.values():
        assert any(line.split()[:2] == [t.name, t.severity] and line.endswith(t.title)
                   for line in result.output.splitlines()), t.name
    assert CATALOGUE["period_gap"].help.split(".")[0][:40] in " ".join(result.output.split())


def test_list_findings_json_is_the_library_catalogue_as_the_config_grades_it(tmp_path):
    from kpi_xl.check import list_finding_types as listed

    cfg = _council(tmp_path, "findings: {skip: [period_gap], severity: {no_figures: error}}\n")
    result = runner.invoke(app, ["check", "--list-findings", "--json", "--config", str(cfg)])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data == listed(kpi_xl.load_config(cfg))
    assert [d["type"] for d in data] == list(CATALOGUE)
    by_type = {d["type"]: d for d in data}
    assert by_type["period_gap"]["skipped"] and not by_type["no_figures"]["skipped"]
    assert by_type["no_figures"]["severity"] == "error"
    assert by_type["no_figures"]["default_severity"] == "warning"
    assert set(by_type["no_figures"]) == {"type", "severity", "default_severity", "title", "help",
                                          "skippable", "skipped"}
    assert not by_type["hard_links_broken"]["skippable"]


def test_check_without_a_workbook_says_so_in_one_line():
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2
    assert result.output.strip() == ("kpi-xl: give the returns workbook to check "
                                     "(or --list-findings for the finding types)")
