"""The ``comparators:`` section of the configuration, as a typed model.

The shipped catalogue (``config/comparators.yaml``: the DfE files kpi-xl
knows, their measures, the column names older releases used, and which
indicators map to which measure) is merged under the council's own
``comparators:`` section key by key, so a council only writes what differs:

    comparators:
      store: ../data/kpi-comparators.sqlite
      sn_grouping: "2021"
      sn_statistic: median
      ofsted_good: {councils: [Wokingham, 867, E06000036]}
      indicators: {CSC07: rereferral_percent}
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..config import Config, deep_merge
from ..errors import ConfigError, Place
from ..paths import CONFIG_DIR
from ..yamlio import parse_yaml

CATALOGUE_FILE = CONFIG_DIR / "comparators.yaml"
DEFAULT_STORE_NAME = "kpi-comparators.sqlite"

Unit = Literal["percent", "rate", "number", "days", "ratio"]
Kind = Literal["sn", "region", "england", "ofsted_good"]
KINDS: tuple[str, ...] = ("sn", "region", "england", "ofsted_good")
# How a year is written: "2024-25" (financial), "2023/24" (academic),
# "31 Mar 2025" (a snapshot at the period's end), "2024" (calendar), or
# DfE's own label ("2025", "2024-25").
YearStyle = Literal["financial", "academic", "snapshot", "calendar", "dfe"]
Polarity = Literal["lower", "higher"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatasetSpec(Strict):
    """One DfE file family ("c1 referrals and re-referrals")."""

    title: str = ""
    # File-name patterns (case-insensitive globs) that identify the family.
    files: list[str] = []
    # DfE's 4-digit time_period is the year a collection reports on: the
    # year ending 31 March Y for CIN and CLA (financial year Y-1, offset -1),
    # the 30 September Y workforce snapshot (financial year Y, offset 0).
    # A 6-digit "202223" is always the year starting 2022.
    fy_offset: int = -1
    # How its years are written when the file's time_identifier does not say
    # ("Reporting year"), and the day a snapshot is taken ("31 Mar").
    year_style: YearStyle = "financial"
    snapshot: str = "31 Mar"
    # canonical column -> names earlier releases used, for this family only
    columns: dict[str, list[str]] = {}


class MeasureSpec(Strict):
    """One comparable figure: a column of a dataset, narrowed by filter rows,
    or a rate per 10,000 children aged 0-17 derived from a count measure."""

    label: str
    dataset: str | None = None
    column: str | None = None
    filters: dict[str, str] = {}
    unit: Unit = "number"
    rate_of: str | None = None  # a count measure; the rate uses ONS 0-17 (year Y-1)
    # How its years are written; None: the dataset's (or the count's) style.
    year_style: YearStyle | None = None
    # LAIT's polarity (data dictionary: Low / High); None: no band or rank.
    polarity: Polarity | None = None
    # For a count: the measure that is the same count per 10,000 children
    # (compared instead of the count); None: derived from ONS 0-17.
    as_rate: str | None = None

    @model_validator(mode="after")
    def _column_or_rate(self) -> "MeasureSpec":
        if self.rate_of is None and not (self.dataset and self.column):
            raise ValueError("dataset: a measure needs dataset and column, or rate_of")
        if self.rate_of is not None and (self.dataset or self.column):
            raise ValueError("rate_of: give either rate_of or dataset and column, not both")
        return self


class FixedValue(Strict):
    value: float
    year: str | None = None  # year label shown with it ("2022-23")


class OfstedGood(Strict):
    """What "Ofsted good" means here: the mean over councils judged good or
    better (names or codes), or a fixed published value per measure."""

    councils: list[str] = []
    values: dict[str, FixedValue | float] = {}

    @field_validator("councils", mode="before")
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value

    def fixed(self, measure: str) -> FixedValue | None:
        value = self.values.get(measure)
        if value is None or isinstance(value, FixedValue):
            return value
        return FixedValue(value=value)


class ComparatorSettings(Strict):
    # The store file; relative paths are taken from the config file's folder
    # (or the workbook's folder when the defaults are in use).
    store: str | None = None
    # The statistical neighbour grouping ("2021", "2025"); None: the newest
    # imported. When only one is imported, that one is used (and said).
    sn_grouping: str | None = None
    sn_statistic: Literal["mean", "median"] = "mean"
    # Year labels for every measure ("dfe" for DfE's own); "auto": each
    # measure's style.
    year_style: Literal["auto", "financial", "academic", "snapshot", "calendar", "dfe"] = "auto"
    # Add SN, region and England columns right of a table that has none.
    add_columns: bool = False
    # Also add LAIT's quartile band and rank (and rank among neighbours).
    benchmark_columns: bool = False
    # A fixed year to use instead of the latest at or before the reporting
    # period: as DfE labels it (2023, "2022-23" or 202223).
    year: str | None = None
    ofsted_good: OfstedGood = OfstedGood()
    # Comparator cells holding one of these are the council's own measures:
    # never filled.
    local_measure_words: list[str] = ["Local measure"]
    population_measure: str = "population_0_17"
    # canonical column -> names earlier releases used, for every file
    columns: dict[str, list[str]] = {}
    datasets: dict[str, DatasetSpec] = {}
    measures: dict[str, MeasureSpec] = {}
    # indicator id or name -> measure key
    indicators: dict[str, str] = {}
    source: str | None = Field(None, exclude=True)

    @field_validator("sn_grouping", "year", mode="before")
    @classmethod
    def _years_as_text(cls, value: Any) -> Any:
        # YAML reads 2025 as a number; the setting is a label.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _references_exist(self) -> "ComparatorSettings":
        for key, measure in self.measures.items():
            if measure.dataset is not None and measure.dataset not in self.datasets:
                raise ValueError(f"measures -> {key} -> dataset: unknown dataset {measure.dataset!r}")
            if measure.rate_of is not None:
                count = self.measures.get(measure.rate_of)
                if count is None or count.rate_of is not None:
                    raise ValueError(f"measures -> {key} -> rate_of: {measure.rate_of!r} "
                                     "is not a count measure")
            if measure.as_rate is not None and measure.as_rate not in self.measures:
                raise ValueError(f"measures -> {key} -> as_rate: unknown measure {measure.as_rate!r}")
        for key, measure in self.indicators.items():
            if measure not in self.measures:
                raise ValueError(f"indicators -> {key}: unknown measure {measure!r}")
        for key in self.ofsted_good.values:
            if key not in self.measures:
                raise ValueError(f"ofsted_good -> values -> {key}: unknown measure")
        if self.year is not None and year_request(self.year) is None:
            raise ValueError(f"year: {self.year!r} is not a year such as 2023 or 2022-23")
        if self.sn_grouping is not None and not re.fullmatch(r"\d{4}", self.sn_grouping):
            raise ValueError(f"sn_grouping: {self.sn_grouping!r} is not a grouping year such as 2021")
        return self

    # --- look-ups -----------------------------------------------------------

    def measure(self, key: str) -> MeasureSpec | None:
        return self.measures.get(key)

    def aliases_for(self, dataset: str | None) -> dict[str, list[str]]:
        """canonical column -> older names, the dataset's own first."""
        merged = {k: list(v) for k, v in self.columns.items()}
        if dataset and dataset in self.datasets:
            for key, names in self.datasets[dataset].columns.items():
                merged[key] = list(names) + merged.get(key, [])
        return merged

    def fy_offset(self, dataset: str) -> int:
        spec = self.datasets.get(dataset)
        return spec.fy_offset if spec else -1

    def base_measure(self, spec: MeasureSpec) -> MeasureSpec:
        """The measure a derived rate counts (itself when not derived)."""
        while spec.rate_of is not None and spec.rate_of in self.measures:
            spec = self.measures[spec.rate_of]
        return spec

    def year_style_of(self, spec: MeasureSpec) -> str:
        """How this measure's years are written (config, then the measure,
        then the measure it is a rate of, then its dataset)."""
        if self.year_style != "auto":
            return self.year_style
        if spec.year_style:
            return spec.year_style
        base = self.base_measure(spec)
        if base.year_style:
            return base.year_style
        dataset = self.datasets.get(base.dataset or "")
        return dataset.year_style if dataset else "dfe"

    def snapshot_of(self, spec: MeasureSpec) -> str:
        dataset = self.datasets.get(self.base_measure(spec).dataset or "")
        return dataset.snapshot if dataset else "31 Mar"

    def measure_for_indicator(self, id_: str | None, name: str | None) -> str | None:
        """The measure an indicator maps to: by id, by exact name, then by
        name with case, spacing and punctuation ignored."""
        for key in (id_, name):
            if key and key in self.indicators:
                return self.indicators[key]
        if name:
            wanted = normalise_name(name)
            for key, measure in self.indicators.items():
                if normalise_name(key) == wanted:
                    return measure
        return None

    def measure_from_library(self, id_: str | None, name: str | None) -> str | None:
        """The DfE measure the standard indicator library gives an indicator
        (by library id, then by its matching of the name), when the
        catalogue has it."""
        try:
            from ..library import entry_by_id, match_indicator
        except ImportError:  # the library is optional here
            return None
        entry = (entry_by_id(id_) if id_ else None) or (match_indicator(name) if name else None)
        measure = getattr(entry, "dfe_measure", None)
        return measure if measure in self.measures else None

    def is_local_measure(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        words = {normalise_name(w) for w in self.local_measure_words}
        return normalise_name(text) in words


def normalise_name(text: str) -> str:
    """Lower case, '&' as 'and', punctuation and repeated spaces removed;
    "10,000", "10 000" and "10k" all read as "10000"."""
    text = text.casefold().replace("&", " and ").replace("%", " percent ")
    text = re.sub(r"(?<=\d)[,\s\u00a0\u202f](?=\d{3}(?!\d))", "", text)
    text = re.sub(r"\b(\d+)k\b", lambda m: m.group(1) + "000", text)
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


_SPLIT_YEAR = re.compile(r"^\s*(\d{4})\s*[-/]?\s*(\d{2}|\d{4})\s*$")


def year_request(text: object) -> tuple[str, int] | None:
    """A year as asked for: ("fy", 2022) for "2022-23"/"2022/23"/202223, or
    ("published", 2023) for a bare 2023 (a DfE 4-digit time period, whose
    financial year depends on the dataset). None when not a year."""
    text = str(text).strip()
    if re.fullmatch(r"\d{4}", text):
        return ("published", int(text))
    match = _SPLIT_YEAR.match(text)
    if not match:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    if end % 100 != (start + 1) % 100 or (end >= 1000 and end != start + 1):
        return None
    return ("fy", start)


# --- loading ---------------------------------------------------------------

_catalogue_cache: dict[str, Any] | None = None


def shipped_catalogue() -> dict[str, Any]:
    """The shipped ``config/comparators.yaml`` as a mapping (read once)."""
    global _catalogue_cache
    if _catalogue_cache is None:
        if not CATALOGUE_FILE.exists():
            _catalogue_cache = {}
        else:
            try:
                data = parse_yaml(CATALOGUE_FILE.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise ConfigError(f"not valid YAML: {exc}", Place(file=str(CATALOGUE_FILE))) from None
            _catalogue_cache = data
    return _catalogue_cache


def load_settings(config: Config | dict | None = None) -> ComparatorSettings:
    """The shipped catalogue merged with the council's ``comparators:``
    section (a Config, the section as a dict, or None for the catalogue)."""
    if isinstance(config, Config):
        section, source = config.comparators, config.source
    else:
        section, source = (config or {}), None
    data = deep_merge(shipped_catalogue(), section)
    try:
        settings = ComparatorSettings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc), Place(file=source or str(CATALOGUE_FILE))) from None
    settings.source = source
    return settings


def _describe(exc: ValidationError) -> str:
    """First validation error as 'comparators -> key -> path: message'."""
    err = exc.errors()[0]
    path = " -> ".join(["comparators", *(str(p) for p in err["loc"])])
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key"
    if ": " in message:
        key, _, rest = message.partition(": ")
        if " " not in key.replace(" -> ", "->"):
            path, message = f"{path} -> {key}", rest
    return f"{path}: {message}"


def config_folder(config: Config | None) -> Path | None:
    """The folder of the council's config file, None when only defaults."""
    if config is None or not config.source:
        return None
    source = Path(config.source)
    defaults = CONFIG_DIR / "defaults.yaml"
    if source.resolve() == defaults.resolve() or not source.exists():
        return None
    return source.resolve().parent


def resolve_store_path(settings: ComparatorSettings, config: Config | None = None,
                       folder: Path | None = None) -> Path:
    """Where the store is: ``settings.store`` (relative to the config file's
    folder, else to ``folder``), else ``kpi-comparators.sqlite`` in
    ``folder`` (the workbook's folder; the current folder when None)."""
    base = folder if folder is not None else Path.cwd()
    if settings.store:
        path = Path(settings.store).expanduser()
        if not path.is_absolute():
            path = (config_folder(config) or base) / path
        return path
    return base / DEFAULT_STORE_NAME
