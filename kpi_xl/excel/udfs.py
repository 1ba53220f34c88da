"""Excel worksheet functions: =KPI_RAG(G5, H5, I5) and friends.

Each function is a thin wrapper over the rule function ``refresh`` uses
(:mod:`kpi_xl.rules`, :func:`kpi_xl.values.parse_value`,
:func:`kpi_xl.periods.parse_period`), so a formula in a cell and a refresh
can never disagree.

Shapes: every argument may be one cell or a range. Through xlwings (``ndim=2``)
a range arrives as a list of rows; the result has the same shape and spills
as a dynamic array. Called from Python, a scalar gives a scalar, a flat list
(a column) a flat list and a list of lists a list of lists. A one-cell
argument is used for every row of the others (=KPI_RAG(G5:G40, H5:H40, "High")).

Errors: a bad argument gives the text "#KPI! <what is wrong>" in its own
cell, never a Python traceback; the other cells of a range still compute.
Blank results (no figure yet) are "".

xlwings reads the parameters' annotations as converters, so the Excel
functions here have none; docstrings are Excel's help text (255 characters
at most).
"""
from __future__ import annotations

import datetime as dt
import math
import os
from functools import lru_cache
from typing import Any, Callable

import xlwings as xw

from ..config import Config, load_config
from ..errors import KpiError
from ..periods import parse_period
from ..planner import rag_label
from ..rules import category, direction, normalise_rag, published_movement, rate
from ..values import Reading, parse_value

CATEGORY = "kpi-xl"
ERROR_PREFIX = "#KPI! "
CONFIG_ENV = "KPI_XL_CONFIG"  # a council YAML the worksheet functions use
DEFAULT_PER = 10_000


class UdfArgError(ValueError):
    """A bad argument; its message becomes "#KPI! <message>" in the cell."""


def excel_error(message: str) -> str:
    return ERROR_PREFIX + message


@lru_cache(maxsize=4)
def _load(path: str | None) -> Config:
    return load_config(path)


def udf_config() -> Config:
    """The defaults, merged with the YAML named by KPI_XL_CONFIG when set."""
    return _load(os.environ.get(CONFIG_ENV) or None)


# --- shapes: one cell, a column, a block ----------------------------------------------

class _Grid:
    """An argument as rows of cells, remembering the shape it came in."""

    def __init__(self, raw: Any):
        if isinstance(raw, (list, tuple)):
            if not raw:
                raise UdfArgError("a range is empty")
            nested = [isinstance(row, (list, tuple)) for row in raw]
            if all(nested):
                self.rows, self.kind = [list(row) for row in raw], "grid"
            elif not any(nested):
                self.rows, self.kind = [[cell] for cell in raw], "list"  # a flat list is a column
            else:
                raise UdfArgError("a range mixes rows and single cells")
            widths = {len(row) for row in self.rows}
            if len(widths) != 1 or 0 in widths:
                raise UdfArgError("a range has rows of different lengths")
        else:
            self.rows, self.kind = [[raw]], "scalar"

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.rows[0])

    def at(self, r: int, c: int) -> Any:
        if self.shape == (1, 1):
            return self.rows[0][0]  # one cell serves every row of the other ranges
        return self.rows[r][c]


def _common_shape(grids: list[_Grid]) -> tuple[int, int]:
    shapes = {g.shape for g in grids if g.shape != (1, 1)}
    if len(shapes) > 1:
        sizes = " and ".join(f"{r}x{c}" for r, c in sorted(shapes))
        raise UdfArgError(f"ranges differ in size ({sizes})")
    return shapes.pop() if shapes else (1, 1)


def elementwise(function: Callable[..., Any], *args: Any) -> Any:
    """``function`` over the aligned cells of ``args``, in the shape they came in."""
    try:
        grids = [_Grid(a) for a in args]
        rows, cols = _common_shape(grids)
    except UdfArgError as exc:
        return excel_error(str(exc))
    out = [[_one(function, [g.at(r, c) for g in grids]) for c in range(cols)] for r in range(rows)]
    kinds = {g.kind for g in grids}
    if "grid" in kinds:
        return out
    if "list" in kinds:
        return [row[0] for row in out]
    return out[0][0]


def _one(function: Callable[..., Any], cells: list[Any]) -> Any:
    """One cell's result; any failure becomes a one-line #KPI! text."""
    try:
        result = function(*cells)
    except UdfArgError as exc:
        return excel_error(str(exc))
    except KpiError as exc:
        return excel_error(_one_line(str(exc)))
    except Exception as exc:  # noqa: BLE001 - a cell must never show a traceback
        return excel_error(_one_line(f"unexpected {type(exc).__name__}: {exc}"))
    return "" if result is None else result


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --- arguments as officers type them ------------------------------------------------------

def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _reading(raw: Any, what: str) -> Reading | None:
    """A figure as a Reading (None when blank, suppressed or not available)."""
    if _blank(raw):
        return None
    if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.time)):
        raise UdfArgError(f"{what} is not a number")
    if isinstance(raw, (int, float)) and not math.isfinite(raw):
        raise UdfArgError(f"{what} is not a number")
    reading = parse_value(raw)
    if reading.is_number:
        return reading
    if reading.status in ("suppressed", "not_available", "empty"):
        return None
    raise UdfArgError(f"{what} is not a number")


def _number(raw: Any, what: str) -> float | None:
    reading = _reading(raw, what)
    return reading.value if reading else None


def _polarity(raw: Any, config: Config) -> str | None:
    """Higher/lower is better as officers write it ("High", "Lower is better");
    None for no polarity ("N/A", "-", blank)."""
    if _blank(raw):
        return None
    if not isinstance(raw, str):
        raise UdfArgError('polarity must be "Higher is better" or "Lower is better"')
    text = raw.strip().lower()
    if text in {w.lower() for w in config.rag.not_targeted_words} or text == "none":
        return None
    # The same reading as the cell formulas refresh writes: SEARCH("low"), then "high".
    if "low" in text:
        return "lower"
    if "high" in text:
        return "higher"
    raise UdfArgError('polarity must be "Higher is better" or "Lower is better"')


def _tolerance(raw: Any, config: Config) -> float:
    value = _number(raw, "tolerance")
    if value is None:
        return config.rag.tolerance
    if value < 0:
        raise UdfArgError("tolerance must not be negative")
    return value


def _mode(raw: Any, config: Config) -> str:
    if _blank(raw):
        return config.rag.tolerance_mode
    text = str(raw).strip().lower()
    if text in ("relative", "points"):
        return text
    raise UdfArgError('mode must be "relative" or "points"')


def _flag(raw: Any, what: str, default: bool) -> bool:
    if _blank(raw):
        return default
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return raw != 0
    text = str(raw).strip().lower()
    if text in ("true", "yes", "y"):
        return True
    if text in ("false", "no", "n"):
        return False
    raise UdfArgError(f"{what} must be TRUE or FALSE")


def _published_decimals(*readings: Reading | None) -> int | None:
    """Compare at the published precision only when every figure was given as
    text ("13%"): Excel passes numbers as stored, not as shown, and a stored
    0.1301 shown as 13% is not known to be 13% here."""
    decs = []
    for reading in readings:
        if reading is None or not isinstance(reading.raw, str) or reading.decimals is None:
            return None
        decs.append(reading.decimals + 2 if reading.unit == "percent" else reading.decimals)
    return min(decs)


def _direction_of(current: Any, previous: Any, polarity: str | None, targeted: bool,
                  config: Config):
    cur, prev = _reading(current, "current"), _reading(previous, "previous")
    return direction(cur.value if cur else None, prev.value if prev else None, polarity,
                     targeted=targeted, stable_band=config.direction.stable_band,
                     decimals=_published_decimals(cur, prev), config=config.direction)


def _rag_name(raw: Any, config: Config) -> str | None:
    if _blank(raw):
        return None
    if isinstance(raw, str):
        name = normalise_rag(raw, config)
        if name:
            return name
        text = raw.strip().lower()
        if text == config.rag.labels.none.lower() or \
                text in {w.lower() for w in config.rag.not_targeted_words}:
            return None
    raise UdfArgError(f"rag must be {config.rag.labels.GREEN}, {config.rag.labels.AMBER} "
                      f"or {config.rag.labels.RED}")


def _direction_word(raw: Any, config: Config) -> str | None:
    """A DoT cell as the configured word; arrows other than 'same' do not say
    better or worse, so they are refused rather than guessed."""
    if _blank(raw):
        return None
    words = config.direction.words
    if isinstance(raw, str):
        text = raw.strip()
        for word in (words.better, words.same, words.worse, words.up, words.down):
            if text.upper() == word.upper():
                return word
        said = published_movement(text, config.direction)
        if said in ("better", "worse", "same"):
            return {"better": words.better, "worse": words.worse, "same": words.same}[said]
        if said in ("up", "down"):
            raise UdfArgError(f"dot is an arrow, not {words.better} or {words.worse}: "
                              "pass KPI_DOT(current, previous, polarity)")
    raise UdfArgError(f"dot must be {words.better}, {words.same} or {words.worse}")


# --- one cell each ----------------------------------------------------------------------

def rag_of(value: Any, target: Any, polarity: Any, tolerance: Any = None, mode: Any = None) -> Any:
    config = udf_config()
    figure, goal = _number(value, "value"), _number(target, "target")
    pol, tol, how = _polarity(polarity, config), _tolerance(tolerance, config), _mode(mode, config)
    if how == "relative" and tol > 1:
        raise UdfArgError("tolerance must be between 0 and 1 when mode is relative")
    rag = rate(figure, goal, pol, tolerance=tol, mode=how, zero_target=config.rag.zero_target)
    return rag_label(rag, goal is not None and pol is not None, config)


def dot_of(current: Any, previous: Any, polarity: Any = None, targeted: Any = None) -> Any:
    config = udf_config()
    pol = _polarity(polarity, config)
    found = _direction_of(current, previous, pol, _flag(targeted, "targeted", pol is not None),
                          config)
    return found.word if found else None


def arrow_of(current: Any, previous: Any) -> Any:
    found = _direction_of(current, previous, None, False, udf_config())
    return found.arrow if found else None


def category_of(rag: Any, dot: Any) -> Any:
    config = udf_config()
    return category(_rag_name(rag, config), _direction_word(dot, config), config.exceptions)


def rate_of(count: Any, population: Any, per: Any = None) -> Any:
    n, pop = _number(count, "count"), _number(population, "population")
    scale = _number(per, "per")
    scale = DEFAULT_PER if scale is None else scale
    if scale <= 0:
        raise UdfArgError("per must be a positive number")
    if n is None or pop is None:
        return None
    if n < 0 or pop < 0:
        raise UdfArgError("count and population must not be negative")
    if pop == 0:
        raise UdfArgError("population is zero")
    return _per_10k(n, pop) * (scale / DEFAULT_PER)


def _per_10k(count: float, population: float) -> float:
    """The comparators' own rate (kpi_xl.comparators.rate_per_10k), so a rate
    typed in a cell equals the rate kpi-xl derives for comparators."""
    try:
        from ..comparators import rate_per_10k
    except ImportError:
        return count / population * DEFAULT_PER
    return rate_per_10k(count, population)


def period_of(label: Any) -> Any:
    if _blank(label):
        return None
    period = parse_period(label.strip() if isinstance(label, str) else label)
    if period is None:
        raise UdfArgError(f"not a period label: {_one_line(str(label), 40)!r}")
    return period.canonical()


COMPARATOR_KINDS = {
    "sn": "sn", "statistical neighbours": "sn", "statistical neighbour": "sn",
    "neighbours": "sn", "sn average": "sn",
    "region": "region", "regional": "region",
    "england": "england", "national": "england",
    "ofsted good": "ofsted_good", "ofsted_good": "ofsted_good", "good": "ofsted_good",
    "own": "own", "la": "own", "council": "own",
}


def comparator_of(indicator_or_measure: Any, comparator: Any, year: Any = None,
                  la: Any = None) -> Any:
    if _blank(indicator_or_measure) or _blank(comparator):
        raise UdfArgError("give an indicator or measure and a comparator (SN, Region, England)")
    kind = COMPARATOR_KINDS.get(str(comparator).strip().lower())
    if kind is None:
        raise UdfArgError("comparator must be SN, Region, England or Ofsted good")
    config = udf_config()
    council = str(la).strip() if not _blank(la) else config.workbook.council
    if not council:
        raise UdfArgError("give the council (la) or set workbook -> council in the config")
    lookup = _comparator_lookup()
    if lookup is None:
        raise UdfArgError("comparators not available")
    figure, unit = lookup(config, str(council), str(indicator_or_measure).strip(),
                          None if _blank(year) else _year_text(year), kind)
    return _comparator_cell(figure, unit)


def _year_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _comparator_cell(figure: Any, unit: str) -> Any:
    """What the cell shows, as refresh writes comparator cells: percentages as
    fractions (DfE's 22.6 becomes 0.226, for a % number format), a symbol as
    published ("c"), or why there is no figure."""
    from ..comparators.fill import sheet_value

    value = sheet_value(figure, unit, "percent" if unit == "percent" else None)
    if value is None:
        raise UdfArgError(figure.note or "no published figure")
    return value


def _comparator_lookup() -> Callable[..., Any] | None:
    """The comparator query, imported late: a sheet of RAG formulas does not
    need the store; None when the comparators package cannot load."""
    try:
        from .. import comparators  # noqa: F401
    except ImportError:
        return None
    return _comparator_figure


def _comparator_figure(config: Config, council: str, measure: str, year: str | None,
                       kind: str) -> tuple[Any, str]:
    from ..comparators import load_settings, resolve_store_path

    settings = load_settings(config)
    store = resolve_store_path(settings, config, None)
    if not store.is_file():
        raise UdfArgError("no comparator store: import the DfE files (kpi-xl comparators "
                          "import) and set comparators -> store in the config")
    answer = _answer(store, council, measure, year, settings)
    return answer.figure(kind), answer.unit


_ANSWERS: dict[tuple, Any] = {}


def _answer(store, council: str, measure: str, year: str | None, settings: Any):
    """One store query per (council, measure, year, settings): a column of
    formulas asks once; a re-imported store (new mtime) answers afresh."""
    from ..comparators import ComparatorStore, compare

    key = (str(store), store.stat().st_mtime, council, measure, year, settings.model_dump_json())
    if key not in _ANSWERS:
        if len(_ANSWERS) >= 256:
            _ANSWERS.clear()
        with ComparatorStore.open(store) as opened:
            _ANSWERS[key] = compare(opened, council, measure, settings, year=year)
    return _ANSWERS[key]


# --- the Excel functions -------------------------------------------------------------------
# Docstrings and doc= texts are what Excel's function wizard shows.

@xw.func(category=CATEGORY)
@xw.arg("value", ndim=2, doc="The figure: a cell or a column. 51% may be 0.51 or the text \"51%\".")
@xw.arg("target", ndim=2, doc="The target, same units as the value. \"N/A\" or blank: not targeted.")
@xw.arg("polarity", ndim=2, doc="\"Higher is better\" or \"Lower is better\" (High/Low also work).")
@xw.arg("tolerance", ndim=2, doc="Optional. AMBER band: 0.05 = within 5% of target (default from config).")
@xw.arg("mode", ndim=2, doc="Optional. \"relative\" (fraction of target) or \"points\" (units of the figure).")
def KPI_RAG(value, target, polarity, tolerance=None, mode=None):
    """RAG rating of a figure against its target: GREEN on target or better, AMBER within tolerance, RED outside; "Not targeted" without target or polarity. Same rule as kpi-xl refresh."""
    return elementwise(rag_of, value, target, polarity, tolerance, mode)


@xw.func(category=CATEGORY)
@xw.arg("current", ndim=2, doc="The latest figure: a cell or a column.")
@xw.arg("previous", ndim=2, doc="The figure to compare with (previous period).")
@xw.arg("polarity", ndim=2, doc="Optional. \"Higher is better\" or \"Lower is better\"; blank for INCREASE/DECREASE.")
@xw.arg("targeted", ndim=2, doc="Optional. FALSE to show INCREASE/DECREASE even with a polarity.")
def KPI_DOT(current, previous, polarity=None, targeted=None):
    """Direction of travel: POSITIVE/STABLE/NEGATIVE with a polarity, else INCREASE/STABLE/DECREASE; blank when a figure is missing or suppressed. Same rule as kpi-xl refresh."""
    return elementwise(dot_of, current, previous, polarity, targeted)


@xw.func(category=CATEGORY)
@xw.arg("current", ndim=2, doc="The latest figure: a cell or a column.")
@xw.arg("previous", ndim=2, doc="The figure to compare with (previous period).")
def KPI_ARROW(current, previous):
    """Arrow for the raw movement from previous to current: up, down or same; blank when a figure is missing or suppressed."""
    return elementwise(arrow_of, current, previous)


@xw.func(category=CATEGORY)
@xw.arg("rag", ndim=2, doc="The RAG rating: GREEN, AMBER or RED (or as KPI_RAG shows it).")
@xw.arg("dot", ndim=2, doc="The direction of travel word: POSITIVE, STABLE or NEGATIVE (as KPI_DOT shows it).")
def KPI_CATEGORY(rag, dot):
    """Exception summary category from RAG and direction, e.g. "Reds of concern" (red and getting worse). Same categories as kpi-xl refresh."""
    return elementwise(category_of, rag, dot)


@xw.func(category=CATEGORY)
@xw.arg("indicator_or_measure", ndim=2, doc="An indicator id or name, or a comparator measure key.")
@xw.arg("comparator", ndim=2, doc="SN, Region, England or Ofsted good.")
@xw.arg("year", ndim=2, doc="Optional. The year, e.g. \"2022-23\"; default: the latest published.")
@xw.arg("la", ndim=2, doc="Optional. Council name or code; default: the council in the config.")
def KPI_COMPARATOR(indicator_or_measure, comparator, year=None, la=None):
    """Published comparator figure (statistical neighbours, region, England, Ofsted good) from the kpi-xl comparator store."""
    return elementwise(comparator_of, indicator_or_measure, comparator, year, la)


@xw.func(category=CATEGORY)
@xw.arg("count", ndim=2, doc="The count: a cell or a column.")
@xw.arg("population", ndim=2, doc="The population, e.g. children aged 0-17.")
@xw.arg("per", ndim=2, doc="Optional. Rate per this many (default 10000).")
def KPI_RATE(count, population, per=None):
    """Rate per 10,000 (or per the given number): count / population * per."""
    return elementwise(rate_of, count, population, per)


@xw.func(category=CATEGORY)
@xw.arg("label", ndim=2, doc="A period label as written, e.g. \"Q2 23-24\" or \"2016/17 Out-turn\".")
def KPI_PERIOD(label):
    """The period a label names, in one spelling: "Q2 2023-24", "2022-23"."""
    return elementwise(period_of, label)


UDFS = (KPI_RAG, KPI_DOT, KPI_ARROW, KPI_CATEGORY, KPI_COMPARATOR, KPI_RATE, KPI_PERIOD)
