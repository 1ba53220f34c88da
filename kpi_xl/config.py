"""Configuration: YAML a council edits, validated into typed models.

``config/defaults.yaml`` ships the defaults every council starts from; a
council's file is merged over it key by key. Errors name the file and the
key path: ``council.yaml: rag -> tolerance: must be between 0 and 1``.
The models are declared with :mod:`kpi_xl.typed_config` (which says what
each kind of value accepts); every model refuses an unknown key, and its
numbers must be finite: ``.inf`` or ``.nan`` as a tolerance would rate
everything one colour and put "inf" into formulas.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, get_args

from .errors import ConfigError, Place
from .finding_types import CATALOGUE, SEVERITIES, Severity, unknown_type_message
from .paths import CONFIG_DIR
from .typed_config import (Invalid, Model, after, anything, boolean, dict_of, field, integer, list_of,
                           model, model_check, number, one_of, optional, text)
from .yamlio import check_entries, read_yaml

if TYPE_CHECKING:
    from .findings import Finding

Polarity = Literal["higher", "lower"]
RagName = Literal["GREEN", "AMBER", "RED"]
Movement = Literal["POSITIVE", "STABLE", "NEGATIVE", "INCREASE", "DECREASE"]
Comparison = Literal["previous_period", "same_period_last_year"]
ToleranceMode = Literal["relative", "points"]
ZeroTarget = Literal["strict", "points"]
DirectionalTargets = Literal["movement", "none"]
MeasureKind = Literal["percent", "rate", "average", "count"]
DotShown = Literal["arrow", "word", "both"]
OverrideExpiry = Literal["keep", "warn", "expire_each_period"]
Backup = Literal["bak", "timestamp", "none"]
ProtectedSheets = Literal["refuse", "unlocked_cells"]


def choice(literal: Any):
    """The kind of a field holding one of a ``Literal``'s values: the choices
    written once, in the type the annotation names."""
    return one_of(*get_args(literal))


POLARITY, RAG_NAME, COMPARISON, TOLERANCE_MODE = map(choice, (Polarity, RagName, Comparison, ToleranceMode))


def _formula_text(text: str) -> str:
    """Text kpi-xl writes into formulas (labels, arrows, words): short, one line."""
    if not text or not text.strip():
        raise ValueError("must not be empty")
    if len(text) > 100:
        raise ValueError(f"must be at most 100 characters (has {len(text)})")
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in text):
        raise ValueError("must not contain control characters (line breaks, tabs)")
    return text


FORMULA_TEXT = after(text(), _formula_text)


def _category_name(text: str) -> str:
    text = _formula_text(text)
    if "," in text or '"' in text:  # a data validation list separates choices by commas
        raise ValueError("must not contain a comma or a double quote (it is a choice in a drop-down list)")
    return text


class DistinctWords(Model):
    """Words no two of which read alike (case and spaces aside, as Excel
    compares text and kpi-xl reads it back): a RED cell that says "GREEN"
    would be coloured and read back as GREEN. ``what``: one of them, in the
    message."""

    what: ClassVar[str] = "word"

    @model_check
    def _words_differ(self) -> None:
        seen: dict[str, tuple[str, str]] = {}
        for name, word in self:
            key = word.strip().casefold()
            if key in seen:
                first, said = seen[key]
                raise ValueError(f"{first} ({said!r}) and {name} ({word!r}) read alike; "
                                 f"each {self.what} must read differently")
            seen[key] = name, word


class RagLabels(DistinctWords):
    what: ClassVar[str] = "rating"
    GREEN: str = field(FORMULA_TEXT, "GREEN")
    AMBER: str = field(FORMULA_TEXT, "AMBER")
    RED: str = field(FORMULA_TEXT, "RED")
    none: str = field(FORMULA_TEXT, "Not targeted")


class RagColours(Model):
    GREEN: str = field(text(), "C6EFCE")
    AMBER: str = field(text(), "FFEB9C")
    RED: str = field(text(), "FFC7CE")
    none: str = field(text(), "D9D9D9")
    GREEN_font: str = field(text(), "006100")
    AMBER_font: str = field(text(), "9C5700")
    RED_font: str = field(text(), "9C0006")
    none_font: str = field(text(), "595959")


class RagConfig(Model):
    tolerance: float = field(number(ge=0), 0.05)
    tolerance_mode: ToleranceMode = field(TOLERANCE_MODE, "relative")
    # A relative tolerance of a zero target is a zero-width band. "strict":
    # only on/better than 0 is GREEN, anything worse is RED. "points": use
    # the tolerance as an absolute difference instead.
    zero_target: ZeroTarget = field(choice(ZeroTarget), "strict")
    # How a directional target ("Decreasing") is rated: by the movement since
    # the comparison period: moved the asked way GREEN, no change AMBER,
    # the other way RED.
    directional_targets: DirectionalTargets = field(choice(DirectionalTargets), "movement")
    # Havering's rule: an off-target figure that improved on this comparison
    # is AMBER, not RED. None (the default) rates by the target alone.
    amber_if_improved_on: Comparison | None = field(optional(COMPARISON), None)
    labels: RagLabels = field(model(RagLabels), factory=RagLabels)
    colours: RagColours = field(model(RagColours), factory=RagColours)
    not_targeted_words: list[str] = field(list_of(text()), [
        "N/A", "NA", "n/a", "-", "–", "None", "No target", "Not targeted", "Local measure", "TBC"])

    @model_check
    def _relative_is_a_fraction(self) -> None:
        if self.tolerance_mode == "relative" and not 0 <= self.tolerance <= 1:
            raise ValueError("tolerance: must be between 0 and 1 when tolerance_mode is relative")


class Vocabulary(DistinctWords):
    what: ClassVar[str] = "direction word"
    better: str = field(FORMULA_TEXT, "POSITIVE")
    same: str = field(FORMULA_TEXT, "STABLE")
    worse: str = field(FORMULA_TEXT, "NEGATIVE")
    up: str = field(FORMULA_TEXT, "INCREASE")
    down: str = field(FORMULA_TEXT, "DECREASE")


class Arrows(DistinctWords):
    what: ClassVar[str] = "arrow"
    up: str = field(FORMULA_TEXT, "↑")
    down: str = field(FORMULA_TEXT, "↓")
    same: str = field(FORMULA_TEXT, "↔")


class DirectionConfig(Model):
    compare_with: Comparison = field(COMPARISON, "previous_period")
    # Kinds of measure whose first quarter (or month) of a year, having no
    # earlier period of its own kind, compares with the previous year's
    # outturn. Counts are left out: a quarter's count is not a year's.
    compare_with_outturn: list[MeasureKind] = field(list_of(choice(MeasureKind)), [
        "percent", "rate", "average"])
    # |change| <= band counts as STABLE, in units
    stable_band: float = field(number(ge=0), 0)
    words: Vocabulary = field(model(Vocabulary), factory=Vocabulary)
    arrows: Arrows = field(model(Arrows), factory=Arrows)
    # What the DoT cell shows: the arrow, the word, or both ("↑ POSITIVE").
    show: DotShown = field(choice(DotShown), "arrow")


class CategoryRule(Model):
    name: str = field(after(text(), _category_name))
    rag: list[RagName] = field(list_of(RAG_NAME))
    # Directions (words as in DirectionConfig.words, or None for "no direction")
    # that qualify; empty means any.
    direction: list[str | None] = field(list_of(optional(text())), [])


def _default_categories() -> list[CategoryRule]:
    return [
        CategoryRule(name="Green to celebrate", rag=["GREEN"]),
        CategoryRule(name="Amber to watch", rag=["AMBER"]),
        CategoryRule(name="Reds on watching", rag=["RED"], direction=["POSITIVE", "STABLE"]),
        CategoryRule(name="Reds of concern", rag=["RED"], direction=["NEGATIVE", None]),
    ]


def _sheet_name(name: str) -> str:
    from .xlsx.refs import sheet_name_problem

    problem = sheet_name_problem(name)
    if problem:
        raise ValueError(problem)
    return name


def _sheet_name_or_off(name: str | None) -> str | None:
    return _sheet_name(name) if name else name  # empty: the sheet is turned off


# The name of a sheet kpi-xl writes: one Excel accepts, checked when the config is read.
SHEET_NAME = after(text(), _sheet_name)


class ExceptionsConfig(Model):
    sheet_name: str = field(SHEET_NAME, "KPI Exceptions")
    categories: list[CategoryRule] = field(list_of(model(CategoryRule)), factory=_default_categories)
    uncategorised: str = field(text(), "Not rated")
    # An override set in an earlier period, or whose rule category has changed
    # since: keep it silently, keep it with a finding (warn), or stop applying
    # it once its period has passed (expire_each_period).
    override_expiry: OverrideExpiry = field(choice(OverrideExpiry), "warn")


class IndicatorSettings(Model):
    """Per-indicator settings, keyed by indicator id or exact name."""

    polarity: Polarity | None = field(optional(POLARITY), None)
    target: float | None = field(optional(number()), None)
    amber: float | None = field(optional(number()), None)  # explicit amber threshold
    tolerance: float | None = field(optional(number(ge=0)), None)
    tolerance_mode: ToleranceMode | None = field(optional(TOLERANCE_MODE), None)
    compare_with: Comparison | None = field(optional(COMPARISON), None)
    stable_band: float | None = field(optional(number(ge=0)), None)
    measure: str | None = field(optional(text()), None)  # comparator measure key


NO_SETTINGS = IndicatorSettings()  # most indicators have none: made once, not per indicator


_SPAN = re.compile(r"^\s*([A-Za-z]{1,3})\s*:\s*([A-Za-z]{1,3})\s*$")


def _column_span(text: str) -> str:
    """ "A:E": two column letters, the first not right of the second."""
    from .xlsx.refs import col_index

    match = _SPAN.match(text)
    lo, hi = (col_index(match.group(1).upper()), col_index(match.group(2).upper())) if match else (0, 0)
    if not (match and 1 <= lo <= hi <= 16384):
        raise ValueError(f"{text!r} is not a span of columns; write e.g. 'A:E'")
    return f"{match.group(1).upper()}:{match.group(2).upper()}"


class SheetLayout(Model):
    """Overrides layout detection for one sheet."""

    sheet: str = field(text())
    header_rows: list[int] | None = field(optional(list_of(integer())), None)  # 1-based
    first_row: int | None = field(optional(integer()), None)
    last_row: int | None = field(optional(integer()), None)
    # role -> column letter: name, target, polarity, rag, dot, ...
    columns: dict[str, str] = field(dict_of(text(), text()), {})
    period_columns: dict[str, str] = field(dict_of(text(), text()), {})  # column letter -> period label
    # where targets/polarity live, joined by name or id
    targets_sheet: str | None = field(optional(text()), None)
    # the service area of the table's rows before any section row
    area: str | None = field(optional(text()), None)
    # The table's columns, "A:E", when tables sit side by side on the sheet's rows.
    span: str | None = field(optional(after(text(), _column_span)), None)
    skip: bool = field(boolean(), False)
    # Several entries may name one sheet: one per table stacked on it or side
    # by side (``kpi-xl check BOOK --explain`` prints entries that reproduce a reading).


class WorkbookSettings(Model):
    council: str | None = field(optional(text()), None)  # name or LA code, for comparators and headers
    service: str = field(text(), "Children's Services")
    data_quality_sheet: str = field(SHEET_NAME, "KPI Data Quality")
    # None or "": no charts sheet
    charts_sheet: str | None = field(after(optional(text()), _sheet_name_or_off), "KPI Charts")
    sparklines: bool = field(boolean(), True)  # a Trend column of native sparklines per table
    backup: Backup = field(choice(Backup), "bak")
    # Seconds a refresh waits for another run on the same workbook to finish.
    lock_wait: float = field(number(ge=0, le=3600), 30)
    # A protected indicator sheet: "refuse" it, or write only to the cells
    # its protection leaves unlocked (formats and widths there are left alone).
    protected_sheets: ProtectedSheets = field(choice(ProtectedSheets), "refuse")


def _declared_type(name: str) -> str:
    if name not in CATALOGUE:
        raise ValueError(unknown_type_message(name))
    return name


def _skippable_type(name: str) -> str:
    if not CATALOGUE[_declared_type(name)].skippable:
        raise ValueError(f"{name} cannot be skipped: it says kpi-xl did not do what was asked "
                         "or changed how the file is stored (you may re-grade it instead)")
    return name


class FindingsSettings(Model):
    """Which findings a council sees (everywhere they are shown), and at what
    severity; types are those of ``kpi-xl check --list-findings``."""

    skip: list[str] = field(list_of(after(text(), _skippable_type)), [])
    severity: dict[str, Severity] = field(dict_of(after(text(), _declared_type), one_of(*SEVERITIES)), {})

    def shown(self, finding: Finding) -> Finding | None:
        """The finding as the council sees it, or None when its type is skipped."""
        if finding.type in self.skip:
            return None
        level = self.severity.get(finding.type, finding.severity)
        return finding if level == finding.severity else replace(finding, severity=level)


class Config(Model):
    workbook: WorkbookSettings = field(model(WorkbookSettings), factory=WorkbookSettings)
    rag: RagConfig = field(model(RagConfig), factory=RagConfig)
    direction: DirectionConfig = field(model(DirectionConfig), factory=DirectionConfig)
    exceptions: ExceptionsConfig = field(model(ExceptionsConfig), factory=ExceptionsConfig)
    indicators: dict[str, IndicatorSettings] = field(dict_of(text(), model(IndicatorSettings)), {})
    layout: list[SheetLayout] = field(list_of(model(SheetLayout)), [])
    # The comparator settings are kept as a plain mapping here and validated
    # by kpi_xl.comparators, which owns their model.
    comparators: dict[str, Any] = field(dict_of(text(), anything()), {})
    findings: FindingsSettings = field(model(FindingsSettings), factory=FindingsSettings)
    # the file it came from, for messages
    source: str | None = field(optional(text()), None, exclude=True)

    @model_check
    def _owned_sheet_names_differ(self) -> None:
        """Each sheet kpi-xl writes needs a name of its own (Excel compares names case aside)."""
        named = [("exceptions -> sheet_name", self.exceptions.sheet_name),
                 ("workbook -> data_quality_sheet", self.workbook.data_quality_sheet),
                 ("workbook -> charts_sheet", self.workbook.charts_sheet)]
        seen: dict[str, str] = {}
        for key, name in named:
            if not name:
                continue
            if name.casefold() in seen:
                raise ValueError(f"{key}: {name!r} is also {seen[name.casefold()]}; "
                                 "each sheet kpi-xl writes needs its own name")
            seen[name.casefold()] = key

    def for_indicator(self, id_: str, name: str | None = None) -> IndicatorSettings:
        """Per-indicator overrides by id, then by exact name; empty when none
        (one shared empty entry: read it, do not change it)."""
        return self.indicators.get(id_) or (self.indicators.get(name) if name else None) \
            or NO_SETTINGS


DEFAULTS_FILE = CONFIG_DIR / "defaults.yaml"


def load_config(path: str | Path | None = None) -> Config:
    """Defaults merged with the council's YAML file (when given)."""
    data = _read_yaml(DEFAULTS_FILE) if DEFAULTS_FILE.exists() else {}
    source = str(DEFAULTS_FILE)
    if path is not None:
        data = deep_merge(data, _read_yaml(Path(path)))
        source = str(path)
    return config_from_dict(data, source)


def config_from_dict(data: dict, source: str = "<config>") -> Config:
    try:
        config = Config.model_validate(data)
    except Invalid as exc:
        raise ConfigError(_one_line(exc), Place(file=source)) from None
    config.source = source
    return config


def _one_line(exc: Invalid) -> str:
    """The refusal as 'key -> path: message'."""
    path = " -> ".join(str(p) for p in exc.path)
    message = exc.message
    if ": " in message and path and not message.startswith(path):
        # model checks phrase their own "key: message"
        key, _, rest = message.partition(": ")
        if " " not in key:
            path, message = f"{path} -> {key}" if path else key, rest
    return f"{path}: {message}" if path else message


MAX_INDICATOR_ENTRIES = 10_000  # per-indicator overrides: far more than any council has


def _read_yaml(path: Path) -> dict:
    if path.is_dir():
        raise ConfigError("is a folder; give the path of a YAML config file", Place(file=str(path)))
    try:
        # the council's file refuses a key given twice; the shipped defaults need no check
        data = read_yaml(path, what="config file",
                         unique_keys=path.resolve() != DEFAULTS_FILE.resolve())
    except (ValueError, OverflowError, RecursionError) as exc:
        # e.g. an integer of thousands of digits (Python refuses to convert it)
        text = path.read_text(encoding="utf-8", errors="replace")
        long = re.search(r"\d{100,}", text)
        where = f"line {text.count(chr(10), 0, long.start()) + 1}: " if long else ""
        raise ConfigError(f"{where}a value kpi-xl cannot read ({str(exc).split(';')[0]}); "
                          "numbers must be of a sensible size", Place(file=str(path))) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping of keys at the top level", Place(file=str(path)))
    check_entries(data.get("indicators"), MAX_INDICATOR_ENTRIES,
                  Place(file=str(path), key="indicators"), "indicator entries")
    return data


def deep_merge(base: dict, over: dict) -> dict:
    """``over`` merged into ``base``: mappings key by key, anything else replaced."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
