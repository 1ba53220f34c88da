"""The findings catalogue: every finding type kpi-xl reports, declared once.

Each type has a stable machine name (what ``--json``, the data quality sheet
and a council's config use), a default severity, a title and help text that
says what the analyst should do. Emitters name a declared type
(``Finding(PERIOD_GAP, ...)``); building a :class:`kpi_xl.findings.Finding`
of a type not declared here raises, and ``tests/test_findings_catalogue.py``
checks every type the code emits is here. ``kpi-xl check --list-findings``
prints this catalogue.

Severities: ``error`` means a figure or a rating would be wrong (``check``
exits 1), ``warning`` that something needs a look, ``info`` that all is
well but worth knowing. A type may be emitted at another level than its
default where the case is milder (``severities`` lists them, default first).

What a council may choose (config ``findings: {skip: [...], severity:
{type: level}}``): any type can be re-graded, and any type can be skipped
except the few marked ``skippable=False``. Those say that kpi-xl did not do
what an officer asked or changed how the file is stored (an override it
ignored, cells it could not write, hard links the write broke): hiding them
would drop officer content or a change to the file silently, which kpi-xl
never does. Refusals (a protected sheet, a file open in Excel, a hostile
package) are not findings at all: they are errors (``kpi_xl.errors.KpiError``),
nothing is written, and no config hides them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class FindingType:
    """One kind of finding. ``str(t)`` is its name."""

    name: str
    severity: Severity  # the default
    title: str
    help: str  # what it means and what to do
    severities: tuple[Severity, ...] = ()  # every level it is emitted at; () = the default only
    skippable: bool = True

    def __str__(self) -> str:
        return self.name

    @property
    def levels(self) -> tuple[Severity, ...]:
        return self.severities or (self.severity,)

    def as_dict(self) -> dict:
        return {"type": self.name, "severity": self.severity, "title": self.title,
                "help": self.help, "skippable": self.skippable}


# -------------------------------------------------------------- the tables' periods

PERIOD_DUPLICATE = FindingType(
    "period_duplicate", "error", "A period appears twice in a table",
    "Two period columns of one table carry the same period label, so one of them is "
    "misread. Correct the wrong label in the header row (the finding names both columns).")
PERIOD_OUT_OF_ORDER = FindingType(
    "period_out_of_order", "warning", "Period columns are not in date order",
    "A period label is often mistyped (a wrong year or quarter). Check the labels in the "
    "header row; if they are right, consider putting the columns in date order so the "
    "sheet reads left to right in time.")
PERIOD_GAP = FindingType(
    "period_gap", "warning", "A period is missing between two others",
    "The table has no column for a period between two it has, so the direction of travel "
    "compares across the gap. Check the labels either side; add the missing column if it "
    "was reported.")

NO_ROOM_FOR_COLUMNS = FindingType(
    "no_room_for_columns", "warning", "No room beside a table for the columns kpi-xl adds",
    "Another table starts to the right on the same rows, and kpi-xl keeps one blank column "
    "between them so they still read as two tables; the columns named (RAG, direction of "
    "travel, comparators) are not written for this table. Give the table its own column "
    "with that header, or move the other table further right, and refresh again.",
    skippable=False)

# -------------------------------------------------------------- rows the reader met

NAMELESS_ROW = FindingType(
    "nameless_row", "warning", "A row has figures but no indicator name",
    "The row is not read. Type the indicator's name in the name column, or ignore this if "
    "the row is a total or a note.")
ROW_NOT_READ = FindingType(
    "row_not_read", "warning", "A row after the table looks like an indicator",
    "The row has a name but nothing in the period columns after the table's last "
    "indicator, so it was not read. Fill in its figures, or set last_row in the config's "
    "layout: section to read it.")
ROW_PERIOD_UNREADABLE = FindingType(
    "row_period_unreadable", "warning", "A scorecard row's period cannot be read",
    "The table gives each row its own period (a Period column beside Latest and Previous "
    "figures), and this row's period cell is empty or is not a period, so its figures "
    "cannot be dated and the indicator is not rated. Type the period as 'Q2 2023-24', "
    "'2022-23' or 'Sep 2023'.")
UNDATED_PERIODS = FindingType(
    "undated_periods", "warning", "A table's period columns name no year",
    "A sheet's header has a name column and period columns ('Q1 | Q2 | Q3') that name no "
    "year, and nothing near them does, so the sheet is not read. Put the year in a title "
    "('KPIs 2023-24'), beside a 'Financial year' label above the table, in a target's header "
    "or in the sheet's name, or set layout: -> period_columns in the config.")
PERIOD_ROWS_JOINED = FindingType(
    "period_rows_joined", "info", "One indicator's periods are given down the rows",
    "The table has a row per indicator and period, and these rows give one indicator (one "
    "code, or one name) for different periods: they are read as its series, and it is rated "
    "on its latest period's row, with that row's target and polarity. If they are different "
    "indicators, give each its own code or name.")
TARGET_UNREADABLE = FindingType(
    "target_unreadable", "warning", "A target cannot be read",
    "The target is not a number, a comparison ('<22%', 'at least 90%'), a direction "
    "(Increasing/Decreasing) or a no-target word, so the indicator is not rated against it. "
    "Type the target as a number, or add the word to rag.not_targeted_words in the config.")
TARGET_NOT_FOR_PERIOD = FindingType(
    "target_not_for_period", "warning", "No target for the reporting period",
    "The table gives a target per period but none for the period it reports, so its "
    "indicators are not rated against a target. Add that period's target column, or set the "
    "target column in the config's layout: section (columns: target:).")
POLARITY_CONFLICT = FindingType(
    "polarity_conflict", "warning", "The target and the polarity disagree",
    "The target is written as a comparison that says which way is better ('<22%': lower, "
    "'at least 90%': higher) and the polarity says the other way. The indicator is rated "
    "by the polarity; correct whichever of the two is wrong.")
POLARITY_UNREADABLE = FindingType(
    "polarity_unreadable", "warning", "A polarity cannot be read",
    "The polarity says neither higher nor lower is better. Write 'Higher is better' or "
    "'Lower is better', or set the polarity in the config's indicators: section.")
TARGET_UNMATCHED = FindingType(
    "target_unmatched", "warning", "A targets row matches no indicator",
    "A row on the targets sheet has a name or id no indicator has, so its target is not "
    "used. Make its name or id the same as the indicator's.")
CONFIG_INDICATOR_UNKNOWN = FindingType(
    "config_indicator_unknown", "warning", "A config indicators: entry matches no indicator",
    "The config's indicators: section names an id or name the workbook does not have, so "
    "its settings are not used. Correct the key (ids and exact names are used).")
UNIT_MISMATCH = FindingType(
    "unit_mismatch", "warning", "Figures and target are in different units",
    "The figures and the target (or the number format) disagree about the unit, for "
    "example 75 against a target of 80%, so the indicator is not rated. Give figures and "
    "target the same unit, or name the unit in the indicator's name ('% of ...').")

# -------------------------------------------------------------- each indicator's figures

SEVERAL_FIGURES = FindingType(
    "several_figures", "info", "A cell states several figures",
    "The cell holds more than one figure (e.g. '12 (of 40)'), so that period has no single "
    "figure to rate. Put the figure to rate in the cell and the rest in the commentary.")
NOTE_IN_FIGURES = FindingType(
    "note_in_figures", "info", "A note where a figure goes",
    "The cell holds words, not a figure, so that period is not rated. Nothing to do for a "
    "qualitative indicator; otherwise type the figure and move the words to the commentary.")
UNPARSEABLE_VALUE = FindingType(
    "unparseable_value", "error", "A figure cannot be read",
    "The cell is not a number, a suppression (x, c) or a not-available marker, so the "
    "period is not rated. Type the figure as a number, or one of those markers.")
SUPPRESSED_VALUE = FindingType(
    "suppressed_value", "info", "A figure is suppressed",
    "The figure is suppressed (x, c), as published statistics suppress small numbers; that "
    "period is not rated. Nothing to do unless the figure should be shown.")
PERCENT_OVER_100 = FindingType(
    "percent_over_100", "error", "A percentage over 100%",
    "A percentage is over 100%. Check the figure and the cell's number format: 75 typed in "
    "a percentage cell reads as 7500%; type 75% or 0.75.")
NO_FIGURES = FindingType(
    "no_figures", "warning", "An indicator has no figures",
    "No period holds a figure, so the indicator is not rated. Fill in its figures, or if "
    "the row is not an indicator, set the table's rows in the config's layout: section.")
LATEST_MISSING = FindingType(
    "latest_missing", "warning", "No figure for the reporting period",
    "The indicator has earlier figures but none for the reporting period, so it is not "
    "rated; a published RAG or direction is kept. Type the figure, or mark it not available "
    "(then this is info, not a warning).", severities=("warning", "info"))
DOT_WITHOUT_LATEST = FindingType(
    "dot_without_latest", "warning", "A direction of travel without a latest figure",
    "A direction of travel is given but the latest figure is missing, suppressed or not "
    "available; the published direction is kept. Check it, or type the latest figure.")
RAG_WITHOUT_TARGET = FindingType(
    "rag_without_target", "warning", "A rating on an indicator with no target",
    "A RED/AMBER/GREEN rating is given but the indicator has no target, so kpi-xl cannot "
    "check it. Add the target (on the sheet or in the config's indicators: section), or "
    "clear the rating.")
TARGET_WITHOUT_POLARITY = FindingType(
    "target_without_polarity", "warning", "A target with no polarity",
    "A target is given but not whether higher or lower is better, so the indicator cannot "
    "be rated. Add a polarity column, or set polarity in the config's indicators: section.")

# -------------------------------------------------------------- the rules

RAG_DISAGREES = FindingType(
    "rag_disagrees", "warning", "The published rating disagrees with the rule",
    "The rating on the sheet is not what the council's rule gives for the figure and "
    "target; kpi-xl writes the rule's rating. Check the figure and target; if the rule "
    "differs, set it in the config's rag: section; for one indicator, use the exception "
    "sheet's Override.")
DOT_DISAGREES = FindingType(
    "dot_disagrees", "warning", "The published direction disagrees with the figures",
    "The direction of travel on the sheet is not what the figures show (or what the "
    "rule's better/worse gives); kpi-xl writes the figures' direction. Check both figures "
    "and the direction settings (direction: in the config).")
DOT_WITHOUT_PREVIOUS = FindingType(
    "dot_without_previous", "warning", "A direction of travel with nothing to compare",
    "A direction of travel is given but the earlier figure it compares with is missing or "
    "suppressed, or there is no earlier period of the same kind. Check the figure, or "
    "direction.compare_with in the config.")
FORMULA_CELL_NOT_LIVE = FindingType(
    "formula_cell_not_live", "info", "A RAG formula does not follow a cell",
    "The live RAG formula uses the target or polarity kpi-xl resolved (from the config or "
    "the indicator library), not the sheet's cell, so a change typed there shows at the "
    "next refresh. Nothing to do, or refresh after changing that cell.")

# -------------------------------------------------------------- the refresh

UNKNOWN_OVERRIDE = FindingType(
    "unknown_override", "warning", "An override that is not a category",
    "The Override on the exception sheet is not one of the configured categories, so the "
    "rule's category is used. Choose a category from the drop-down list.", skippable=False)
OVERRIDE_STALE = FindingType(
    "override_stale", "warning", "An override set in an earlier period or under another rating",
    "The override still applies, but it was set when the rule said something else or for "
    "an earlier period. Check it still holds; clear it if not (exceptions.override_expiry "
    "in the config chooses keep, warn or expire_each_period).")
OVERRIDE_EXPIRED = FindingType(
    "override_expired", "warning", "An override has expired",
    "The override was set in an earlier period and exceptions.override_expiry is "
    "expire_each_period, so the rule's category is used. Set it again if it still holds.")
COMPARATOR_STORE_MISSING = FindingType(
    "comparator_store_missing", "warning", "The comparator store does not exist",
    "comparators.store names a file that does not exist, so no comparator cell is filled. "
    "Import the DfE files with 'kpi-xl comparators import', or correct the path.")
PROTECTED_CELLS_SKIPPED = FindingType(
    "protected_cells_skipped", "warning", "Locked cells on a protected sheet were not written",
    "workbook.protected_sheets is unlocked_cells, so kpi-xl wrote only the unlocked cells "
    "of a protected sheet. Unprotect the sheet and refresh again to fill the rest.",
    skippable=False)
HARD_LINKS_BROKEN = FindingType(
    "hard_links_broken", "warning", "The workbook's hard links were broken",
    "The workbook had other names (hard links); the refreshed file replaced it, so those "
    "names still show the old workbook. Use the refreshed file's own path.", skippable=False)


CATALOGUE: dict[str, FindingType] = {
    t.name: t for t in globals().copy().values() if isinstance(t, FindingType)}


def unknown_type_message(name: object) -> str:
    from difflib import get_close_matches

    near = get_close_matches(str(name), CATALOGUE, n=1)
    hint = f"did you mean {near[0]}?" if near else "'kpi-xl check --list-findings' lists them"
    return f"unknown finding type {str(name)!r}; {hint}"
