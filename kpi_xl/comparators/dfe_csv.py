"""Read DfE "explore education statistics" CSVs as published.

A file is tidy: one row per time period, geography and filter combination
(``category``, ``population_type``, ``cla_group``...), one column per
measure. It is read as text (fast, and nothing is guessed), older column
names are renamed through the configured mapping, and each measure cell
becomes a figure: a number, a symbol kept as written (``c`` suppressed,
``x`` not available, ``z`` not applicable, ``k`` rounds to zero, ``low``,
``u`` low reliability), or nothing (blank). A symbol is never a zero.
"""
from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import ComparatorError, Place
from .settings import ComparatorSettings

LEVELS = {"National": "national", "Regional": "regional", "Local authority": "la"}

# Geography and time columns: every other column is a filter or a measure.
GEOGRAPHY = ["time_period", "time_identifier", "geographic_level", "country_code",
             "country_name", "region_code", "region_name", "old_la_code", "new_la_code",
             "la_name"]
# What every data file must carry (after the column mapping).
REQUIRED = ["time_period", "geographic_level", "region_code", "region_name",
            "old_la_code", "new_la_code", "la_name"]

ROW_COLUMNS = ["time_period", "level", "old_la_code", "new_la_code", "la_name", "region_code",
               "region_name", "filters"]

# EES symbols (and their bracketed form in newer releases).
SYMBOLS = {"c", "x", "z", "k", "low", "u", ":", "..", "~", "w", "ns", "-", "."}


def is_symbol(text: str) -> bool:
    return text.strip().strip("[]").casefold() in SYMBOLS


@dataclass
class DfeFile:
    """One imported file: its long table of figures and the councils in it."""

    path: Path
    dataset: str
    rows: pd.DataFrame  # ROW_COLUMNS: one per row of the file kept
    figures: pd.DataFrame  # row (position in rows), measure, value, symbol
    councils: pd.DataFrame  # old_la_code, new_la_code, la_name, region_code, region_name, time_period
    periods: list[str]
    measures: list[str]
    renamed: dict[str, str] = field(default_factory=dict)  # older name -> canonical


def read_csv_text(path: Path) -> pd.DataFrame:
    """Every cell as text, blanks as "", the UTF-8 byte-order mark dropped."""
    if not path.is_file():
        raise ComparatorError("file not found", Place(file=str(path)))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                                encoding=encoding, skipinitialspace=False)
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ComparatorError(f"not a readable CSV file ({str(exc).splitlines()[0]})",
                                  Place(file=str(path))) from None
    else:  # pragma: no cover - cp1252 decodes any byte except a handful
        raise ComparatorError("not a UTF-8 or Windows-1252 text file", Place(file=str(path)))
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def detect_dataset(path: Path, columns: list[str], settings: ComparatorSettings) -> str:
    """The catalogue dataset a file belongs to: by file name, then by the
    columns its measures need; else an id made from the file name."""
    name = path.name.casefold()
    for key, spec in settings.datasets.items():
        if any(fnmatch.fnmatch(name, pattern.casefold()) for pattern in spec.files):
            return key
    best, best_count = None, 0
    for key in settings.datasets:
        needed = required_columns(key, settings)[len(REQUIRED):]
        if not needed:
            continue
        present = set(apply_aliases(columns, settings.aliases_for(key))[0])
        if all(col in present for col in needed) and len(needed) > best_count:
            best, best_count = key, len(needed)
    return best or dataset_id_from_name(path)


def dataset_id_from_name(path: Path) -> str:
    """"c3_factors_identified_2018_to_2025.csv" -> "c3_factors_identified"."""
    stem = re.sub(r"[_-]?\d{4}[_-]to[_-]\d{4}$", "", path.stem.casefold())
    return re.sub(r"[^0-9a-z]+", "_", stem).strip("_") or "data"


def required_columns(dataset: str, settings: ComparatorSettings) -> list[str]:
    """Core columns, then every column and filter the catalogue reads from
    this dataset, in a stable order."""
    needed = list(REQUIRED)
    for measure in settings.measures.values():
        if measure.dataset != dataset:
            continue
        for col in [*measure.filters, measure.column]:
            if col and col not in needed:
                needed.append(col)
    return needed


def apply_aliases(columns: list[str], aliases: dict[str, list[str]]) -> tuple[list[str], dict[str, str]]:
    """Rename older column names to the canonical ones, only where the
    canonical name is absent. Matching ignores case and spaces/underscores."""
    def key(text: str) -> str:
        return re.sub(r"[\s_]+", "_", text.strip().casefold())

    present = {key(c) for c in columns}
    by_key = {key(c): c for c in columns}
    renamed: dict[str, str] = {}
    for canonical, older in aliases.items():
        if key(canonical) in present:
            if by_key[key(canonical)] != canonical:  # same name, other case
                renamed[by_key[key(canonical)]] = canonical
            continue
        for old in older:
            if key(old) in by_key and by_key[key(old)] not in renamed:
                renamed[by_key[key(old)]] = canonical
                break
    return [renamed.get(c, c) for c in columns], renamed


def read_dfe_file(path: str | Path, settings: ComparatorSettings) -> DfeFile:
    """Read one EES CSV into a long table of figures. Raises ComparatorError
    naming the file and column when a required column is missing."""
    path = Path(path)
    raw = read_csv_text(path)
    dataset = detect_dataset(path, list(raw.columns), settings)
    columns, renamed = apply_aliases(list(raw.columns), settings.aliases_for(dataset))
    raw.columns = columns
    _check_no_duplicate_columns(path, columns)
    for col in required_columns(dataset, settings):
        if col not in raw.columns:
            raise ComparatorError(
                f"required column {col!r} not found; if this release names it differently, "
                f"add that name under comparators -> columns -> {col}",
                Place(file=str(path), key=col))
    frame = raw[raw["geographic_level"].str.strip().isin(LEVELS)].copy()
    if frame.empty:
        raise ComparatorError("no National, Regional or Local authority rows",
                              Place(file=str(path), key="geographic_level"))
    for col in GEOGRAPHY:
        if col in frame.columns:
            frame[col] = frame[col].str.strip()
    frame["level"] = frame["geographic_level"].map(LEVELS)
    frame = split_joint_rows(frame)
    catalogued = _catalogued_columns(dataset, settings)
    measures, filters = _split_measures(frame, catalogued)
    rows, figures = _long_figures(frame, measures, filters)
    return DfeFile(path=path, dataset=dataset, rows=rows, figures=figures,
                   councils=_councils(frame), periods=sorted(frame["time_period"].unique()),
                   measures=measures, renamed=renamed)


def split_joint_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per council where DfE publishes councils that share a service
    jointly ("940 / 941", "North Northamptonshire / West Northamptonshire"):
    the joint figure is each council's published figure."""
    joint = (frame["level"] == "la") & frame["old_la_code"].str.contains("/", regex=False)
    if not joint.any():
        return frame
    columns = ["old_la_code", "new_la_code", "la_name"]
    rows = frame[joint].copy()
    for col in columns:
        rows[col] = rows[col].map(lambda text: [part.strip() for part in text.split("/")])
    same = rows.apply(lambda r: len({len(r[c]) for c in columns}) == 1, axis=1)
    rows = rows[same].explode(columns)
    keep = frame[~joint | ~joint.index.isin(rows.index)]
    return pd.concat([keep, rows], ignore_index=True)


def _check_no_duplicate_columns(path: Path, columns: list[str]) -> None:
    seen: set[str] = set()
    for col in columns:
        if col in seen:
            raise ComparatorError("column appears twice (check comparators -> columns)",
                                  Place(file=str(path), key=col))
        seen.add(col)


def _catalogued_columns(dataset: str, settings: ComparatorSettings) -> tuple[set[str], set[str]]:
    measures, filters = set(), set()
    for measure in settings.measures.values():
        if measure.dataset == dataset:
            measures.add(measure.column)
            filters.update(measure.filters)
    return measures, filters


def _split_measures(frame: pd.DataFrame, catalogued: tuple[set[str], set[str]]) -> tuple[list[str], list[str]]:
    """Measure columns hold only numbers, symbols and blanks; the rest
    (text such as a category) are filters. The catalogue decides for the
    columns it names."""
    known_measures, known_filters = catalogued
    measures, filters = [], []
    for col in frame.columns:
        if col in GEOGRAPHY or col == "level":
            continue
        if col in known_filters:
            filters.append(col)
        elif col in known_measures or _looks_numeric(frame[col]):
            measures.append(col)
        else:
            filters.append(col)
    if "time_identifier" in frame.columns:
        filters.insert(0, "time_identifier")
    return measures, filters


def _looks_numeric(column: pd.Series) -> bool:
    text = column.str.strip()
    text = text[text != ""]
    if text.empty:
        return True
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    others = text[numbers.isna()].unique()
    return all(is_symbol(t) for t in others)


def parse_figures(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(value, symbol) for a text column: numbers as floats, symbols kept as
    written (stripped), blanks as neither."""
    text = column.str.strip()
    value = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    symbol = text.where(value.isna() & (text != ""), None)
    return value.astype("float64"), symbol.astype(object)


def _long_figures(frame: pd.DataFrame, measures: list[str], filters: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The file's rows (geography and filters) and its figures, one per
    (row, measure), pointing at the row by position."""
    if filters:
        filter_text = [json.dumps(dict(zip(filters, values)), sort_keys=True, ensure_ascii=False)
                       for values in zip(*(frame[f].str.strip() for f in filters))]
    else:
        filter_text = ["{}"] * len(frame)
    rows = pd.DataFrame({col: frame[col].to_numpy() for col in ROW_COLUMNS if col != "filters"})
    rows["filters"] = filter_text
    parts = []
    positions = range(len(frame))
    for col in measures:
        value, symbol = parse_figures(frame[col])
        parts.append(pd.DataFrame({"row": positions, "measure": col,
                                   "value": value.to_numpy(), "symbol": symbol.to_numpy()}))
    if not parts:
        return rows, pd.DataFrame({"row": pd.Series(dtype=int), "measure": pd.Series(dtype=object),
                                   "value": pd.Series(dtype=float), "symbol": pd.Series(dtype=object)})
    return rows, pd.concat(parts, ignore_index=True)


def _councils(frame: pd.DataFrame) -> pd.DataFrame:
    la = frame[frame["level"] == "la"]
    cols = ["old_la_code", "new_la_code", "la_name", "region_code", "region_name", "time_period"]
    return la[cols].drop_duplicates().reset_index(drop=True)


def time_label(time_period: str) -> str:
    """DfE's time period as people write it: "202223" -> "2022-23";
    "2023" stays "2023"."""
    text = str(time_period).strip()
    if re.fullmatch(r"\d{6}", text):
        return f"{text[:4]}-{text[4:]}"
    return text


def period_fy(time_period: str, fy_offset: int) -> int | None:
    """The financial (or academic) year a time period falls in, by its start
    year: "202223" -> 2022; "2023" -> 2023 + fy_offset."""
    text = str(time_period).strip()
    if re.fullmatch(r"\d{6}", text):
        return int(text[:4])
    if re.fullmatch(r"\d{4}", text):
        return int(text) + fy_offset
    return None


def period_end_year(time_period: str) -> int | None:
    """The calendar year a period ends in: "202223" -> 2023, "2023" -> 2023."""
    text = str(time_period).strip()
    if re.fullmatch(r"\d{6}", text):
        return int(text[:4]) + 1
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    return None


def filters_match(filters_json: str, wanted: dict[str, str]) -> bool:
    if not wanted:
        return True
    have = json.loads(filters_json)
    return all(_same_text(have.get(k), v) for k, v in wanted.items())


def _same_text(a: object, b: object) -> bool:
    return a is not None and " ".join(str(a).split()).casefold() == " ".join(str(b).split()).casefold()
