"""Excel worksheet functions: =KPI_RAG(G5, H5, I5) and friends.

Each rating function builds the same :class:`kpi_xl.resolve.RatingInput` the
refresh builds (``resolve.resolve_figures``: polarity wordings, directional
targets, units, the indicator's own config) and rates it with the refresh's
rule functions (``rules.rate_input``, ``rules.direction``), so a cell and a
refresh never disagree: figures typed the same, with the same ``indicator``
and ``config``, get the same answer. Compare at the precision the cells show
with ``decimals`` (1, or the cells' format "0.0%"); without it a figure is
compared as "General" shows it, as the refresh does for a General cell.

Signatures (optional arguments in brackets; see macros/README.md):

- KPI_RAG(value, target, polarity, [tolerance], [mode], [previous],
  [indicator], [config], [decimals], [amber])  e.g. =KPI_RAG(G5,H5,I5,,,F5,"CSC07")
- KPI_DOT(current, previous, [polarity], [targeted], [decimals], [indicator],
  [config])  e.g. =KPI_DOT(G5,F5,"Higher is better",,"0.0%"); the polarity may
  be a target written as a comparison (=KPI_DOT(G5,F5,B5) with B5 "<20%")
- KPI_ARROW(current, previous, [decimals], [indicator], [config])
- KPI_CATEGORY(rag, dot, [config])

Excel errors: an error value in an argument is the answer (#N/A stays #N/A).
A figure that cannot be set against its target (57.1 against "60%") is
"#KPI! unit mismatch: ...", never GREEN.

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
import itertools
import math
import os
import stat
import time
from functools import lru_cache
from typing import Any, Callable

import xlwings as xw

from ..config import Config, load_config
from ..errors import KpiError
from ..periods import parse_period
from ..planning.indicator_tables import rag_label
from ..resolve import (decimals_of_format, indicator_settings, parse_target_bound, parse_target_direction,
                       resolve_figures, target_reading)
from ..rules import (category, direction, direction_of, improved, normalise_rag, published_movement,
                     rate, rate_input)
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


def udf_config(path: Any = None) -> Config:
    """The defaults merged with the council YAML ``path`` (a UDF's ``config``
    argument), else the one named by KPI_XL_CONFIG when set."""
    if _blank(path):
        return _load(os.environ.get(CONFIG_ENV) or None)
    if not isinstance(path, str):
        raise UdfArgError("config must be the path of a council YAML file")
    return _load(path.strip())


# Excel's error values. One in an argument is the answer ("#N/A" stays "#N/A"),
# as Excel's own functions do; xlwings passes them as this text (err_to_str).
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!")


class ExcelErrorValue(Exception):
    """An Excel error value in an argument: the cell's answer is that error."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _excel_error_in(*raws: Any) -> None:
    for raw in raws:
        if isinstance(raw, str) and raw.strip().upper() in EXCEL_ERRORS:
            raise ExcelErrorValue(raw.strip().upper())


# --- shapes: one cell, a column, a block ----------------------------------------------

class _Grid:
    """An argument as rows of cells, remembering the shape it came in."""

    def __init__(self, raw: Any):
        if isinstance(raw, (list, tuple)):
            if not raw:
                raise UdfArgError("a range is empty")
            # map() keeps these per-row checks in C: a range may have 10,000s of rows
            nested = list(map(isinstance, raw, itertools.repeat((list, tuple))))
            if all(nested):
                self.rows, self.kind = raw, "grid"  # rows are only read, never changed
            elif not any(nested):
                self.rows, self.kind = [[cell] for cell in raw], "list"  # a flat list is a column
            else:
                raise UdfArgError("a range mixes rows and single cells")
            widths = set(map(len, self.rows))
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


# A range this tall is a whole-column reference (G:G is 1,048,576 rows): its
# trailing empty rows are dropped before any work, so G:G costs what its used
# rows cost (and the result spills over the used rows only).
WHOLE_COLUMN_ROWS = 65_536


def trim_whole_columns(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Whole-column arguments (all of one height) cut after the last row in
    which any of them has a value; other arguments as they are."""
    tall = [a for a in args if isinstance(a, list) and len(a) >= WHOLE_COLUMN_ROWS]
    if not tall or len({len(a) for a in tall}) != 1:
        return args  # ranges of different heights: the size check says so
    used = max(max(used_length(a) for a in tall), 1)
    return tuple(a[:used] if any(a is t for t in tall) else a for a in args)


def used_length(rows: list) -> int:
    """Rows up to the last that is not empty (xlwings passes an empty cell as
    None). Galloping back from the end, then halving, each step comparing only
    rows not yet known to be empty; list.count runs in C, so the scan costs
    little beside the used rows."""
    n = len(rows)
    first = rows[0] if n else None
    blank: Any = None
    if isinstance(first, (list, tuple)):
        blank = type(first)([None] * len(first))

    def empty(start: int, stop: int) -> bool:
        return rows[start:stop].count(blank) == stop - start

    end, step = n, 1  # rows[end:] is empty
    while end > 0 and empty(max(end - step, 0), end):
        end, step = max(end - step, 0), step * 2
    if end == 0:
        return 0
    low = max(end - step, 0)  # rows[low:end] holds a value
    while end - low > 1:
        mid = (low + end) // 2
        if empty(mid, end):
            end = mid
        else:
            low = mid
    return end


def _common_shape(grids: list[_Grid]) -> tuple[int, int]:
    shapes = {g.shape for g in grids if g.shape != (1, 1)}
    if len(shapes) > 1:
        sizes = " and ".join(f"{r}x{c}" for r, c in sorted(shapes))
        raise UdfArgError(f"ranges differ in size ({sizes})")
    return shapes.pop() if shapes else (1, 1)


def elementwise(function: Callable[..., Any], *args: Any) -> Any:
    """``function`` over the aligned cells of ``args``, in the shape they came in."""
    try:
        grids = [_Grid(a) for a in trim_whole_columns(args)]
        rows, cols = _common_shape(grids)
    except UdfArgError as exc:
        return excel_error(str(exc))
    if function in PURE:
        config_env = os.environ.get(CONFIG_ENV)  # once per call, not per cell
        compute = _rag_fast if function is rag_of else _one
        one = lambda function, cells: _remembered(function, cells, config_env, compute)  # noqa: E731
    else:
        one = _one
    by_column = [[one(function, cells) for cells in zip(*(_column(g, c, rows) for g in grids))]
                 for c in range(cols)]
    out = [list(row) for row in zip(*by_column)]
    kinds = {g.kind for g in grids}
    if "grid" in kinds:
        return out
    if "list" in kinds:
        return [row[0] for row in out]
    return out[0][0]


def _column(grid: _Grid, c: int, rows: int):
    """Column ``c`` of a range, row by row; one cell serves every row."""
    if grid.shape == (1, 1):
        return itertools.repeat(grid.rows[0][0], rows)
    return (row[c] for row in grid.rows)


# Results of the functions whose answer depends only on their arguments (and the
# config they name), kept so that a recalculation of a 10,000-row formula after
# one figure changed recomputes that row, not all of them. The key holds each
# argument's type: TRUE and 1 are equal in Python but not to these functions.
_RESULTS: dict[tuple, Any] = {}
RESULTS_LIMIT = 200_000


def _remembered(function: Callable[..., Any], cells: tuple[Any, ...], config_env: Any,
                compute: Callable[..., Any] | None = None) -> Any:
    compute = compute or _one
    key = (function, config_env, cells, tuple(map(type, cells)))
    try:
        return _RESULTS[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable argument: computed every time
        return _one(function, cells)
    if len(_RESULTS) >= RESULTS_LIMIT:
        _RESULTS.clear()
    result = _RESULTS[key] = compute(function, cells, config_env) if compute is not _one \
        else _one(function, cells)
    return result


# --- KPI_RAG's fast path ----------------------------------------------------------------------
# Everything rag_of decides from its text-like arguments (target, polarity, tolerance,
# mode, indicator, config, decimals) is worked out once per distinct combination (a
# "plan"); per row only the numeric rating remains. The plan covers a figure and a
# previous figure that are plain finite numbers or blank (None) and a rating against a
# number target; anything else (text figures, directional targets, a percentage target
# that may not match the figure's units, a bad argument) goes through rag_of itself.
# tests/test_excel_udfs.py::test_rag_fast_path_matches_plain_pipeline holds them equal.

_PLAIN = object()  # "use rag_of": the fast path does not cover this row
_RAG_PLANS: dict[tuple, Any] = {}


def _rag_fast(function: Callable[..., Any], cells: tuple[Any, ...], config_env: Any) -> Any:
    if len(cells) > 9:
        return _one(function, cells)
    value, target, polarity, tolerance, mode, previous, indicator, config_path, decimals = \
        cells + (None,) * (9 - len(cells))
    texts = (target, polarity, tolerance, mode, indicator, config_path, decimals)
    try:  # the config rag_of would use (udf_config), so a reloaded config is a new plan
        config = _load(config_env or None) if config_path is None else udf_config(config_path)
        key = (config_env, texts, tuple(map(type, texts)))
        known = _RAG_PLANS.get(key)
        if known is None or known[0] is not config:
            if len(_RAG_PLANS) > 4096:
                _RAG_PLANS.clear()
            known = _RAG_PLANS[key] = (config, _rag_plan(*texts))
        plan = known[1]
    except Exception:  # noqa: BLE001 - unhashable, or a config error: rag_of says what
        plan = None
    if plan is not None:
        try:
            answer = plan(value, previous)
        except Exception:  # noqa: BLE001 - (an int too large for a float) rag_of says what
            answer = _PLAIN
        if answer is not _PLAIN:
            return "" if answer is None else answer
    return _one(function, cells)


def _rag_plan(target: Any, polarity: Any, tolerance: Any, mode: Any, indicator: Any,
              config_path: Any, decimals: Any) -> Callable[[Any, Any], Any] | None:
    """rag_of for the rows whose figures are finite numbers or blank, or None
    when this combination of arguments is left to rag_of."""
    try:  # the steps of rag_of that do not read the figures, in its order
        _excel_error_in(target, polarity, tolerance, mode, indicator, config_path, decimals)
        config = udf_config(config_path)
        settings = _settings(config, indicator, tolerance, mode)
        target_raw, polarity_raw = _target(target), _polarity_text(polarity)
        places = _decimals(decimals)
        inp = resolve_figures(config, settings, value=None, previous=None, target_raw=target_raw,
                              polarity_raw=polarity_raw, decimals=places)
        percent_target = isinstance(target_raw, str) and target_reading(target_raw).unit == "percent"
        if isinstance(target, str) and not _blank(config_path):
            return None  # _target reads the KPI_XL_CONFIG config's words, not this one
    except Exception:  # noqa: BLE001 - rag_of gives this combination's answer or error
        return None
    if inp.directional or inp.unit_error:
        return None
    labels = config.rag.labels
    none_label = rag_label(None, False, config)
    if not inp.ratable:  # a number target without a polarity, or no target
        def unrated(value: Any, previous: Any) -> Any:
            if not (_plain_or_blank(value) and _plain_or_blank(previous)):
                return _PLAIN
            if percent_target and value is not None and abs(value) > 1:
                return _PLAIN  # a unit mismatch: rag_of says so
            return none_label
        return unrated
    goal, pol, amber = inp.target, inp.polarity, inp.amber
    tol, how, zero = inp.tolerance, inp.tolerance_mode, inp.zero_target
    improved_on = inp.amber_if_improved_on

    def rated(value: Any, previous: Any) -> Any:
        kind = type(value)
        if kind is float or kind is int:
            if not math.isfinite(value):
                return _PLAIN
        elif value is not None:
            return _PLAIN
        if not _plain_or_blank(previous):
            return _PLAIN
        if value is None:
            return None  # rate_input gives None; rag_label of a ratable indicator is blank
        if percent_target and abs(value) > 1:
            return _PLAIN
        figure = float(value)
        rag = rate(figure, goal, pol, tolerance=tol, mode=how, amber=amber, zero_target=zero)
        if rag == "RED" and improved_on and previous is not None and \
                improved(figure, float(previous), pol):
            rag = "AMBER"
        return getattr(labels, rag) if rag else None
    return rated


def _plain_or_blank(raw: Any) -> bool:
    kind = type(raw)
    return raw is None or ((kind is float or kind is int) and math.isfinite(raw))


def _one(function: Callable[..., Any], cells: tuple[Any, ...]) -> Any:
    """One cell's result; any failure becomes a one-line #KPI! text."""
    try:
        result = function(*cells)
    except ExcelErrorValue as exc:
        return exc.code
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


def _reading(raw: Any, what: str, number_format: str | None = None) -> Reading | None:
    """A figure as a Reading (None when blank, suppressed or not available);
    ``number_format``: the cells' format when given ("0.0%": a percentage)."""
    if _blank(raw):
        return None
    if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.time)):
        raise UdfArgError(f"{what} is not a number")
    if isinstance(raw, (int, float)) and not math.isfinite(raw):
        raise UdfArgError(f"{what} is not a number")
    reading = parse_value(raw, number_format)
    if reading.is_number:
        return reading
    if reading.status in ("suppressed", "not_available", "empty"):
        return None
    raise UdfArgError(f"{what} is not a number")


def _number(raw: Any, what: str) -> float | None:
    kind = type(raw)
    if kind is float or kind is int:  # most cells: the number without parsing text
        if math.isfinite(raw):
            return float(raw)
        raise UdfArgError(f"{what} is not a number")
    reading = _reading(raw, what)
    return reading.value if reading else None


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


def _decimals(raw: Any) -> int | None:
    """Places the figures are shown with, in stored units: a whole number
    (0.1798 with 3 is 0.180), or a number format ("0.0%": 18.0%, so 3)."""
    if _blank(raw) or (isinstance(raw, str) and raw.strip().lower() == "general"):
        return None  # shown whole: compared as stored
    if isinstance(raw, str) and not raw.strip().isdigit():
        places = decimals_of_format(raw.strip())
        if places is None:
            raise UdfArgError('decimals must be a whole number or a number format such as "0.0%"')
        return places
    number = _number(raw, "decimals")
    if number is None or number < 0 or number != int(number) or number > 15:
        raise UdfArgError("decimals must be a whole number from 0 to 15")
    return int(number)


_SETTINGS_OF: dict[tuple, tuple[Config, Any]] = {}


def _settings(config: Config, indicator: Any, tolerance: Any = None, mode: Any = None):
    """The indicator's config (by id or name), with tolerance/mode arguments
    over it; once per distinct (config, indicator, tolerance, mode), as a
    column of formulas repeats them."""
    try:
        key = (id(config), indicator, type(indicator), tolerance, type(tolerance), mode, type(mode))
        known = _SETTINGS_OF.get(key)
    except TypeError:
        return _settings_now(config, indicator, tolerance, mode)
    if known is None or known[0] is not config:
        if len(_SETTINGS_OF) > 1024:
            _SETTINGS_OF.clear()
        known = _SETTINGS_OF[key] = (config, _settings_now(config, indicator, tolerance, mode))
    return known[1]


def _settings_now(config: Config, indicator: Any, tolerance: Any = None, mode: Any = None):
    if not _blank(indicator) and not isinstance(indicator, (str, int, float)):
        raise UdfArgError("indicator must be an indicator id or name")
    name = None if _blank(indicator) else _year_text(indicator)
    settings = indicator_settings(config, name, name)
    update = {}
    if not _blank(tolerance):
        update["tolerance"] = _tolerance(tolerance, config)
    if not _blank(mode):
        update["tolerance_mode"] = _mode(mode, config)
    if update:
        settings = settings.model_copy(update=update)
    how = settings.tolerance_mode or config.rag.tolerance_mode
    tol = settings.tolerance if settings.tolerance is not None else config.rag.tolerance
    if how == "relative" and tol > 1:
        raise UdfArgError("tolerance must be between 0 and 1 when mode is relative")
    return settings


def _target(raw: Any) -> Any:
    """The target as typed: a number, a percentage, a direction ("Decreasing"),
    or a no-target word ("N/A", blank)."""
    if _blank(raw):
        return None
    if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.time)) or \
            (isinstance(raw, float) and not math.isfinite(raw)):
        raise UdfArgError("target is not a number")
    if parse_target_bound(raw) is not None:
        return raw  # "<22%", "at least 90%" ("<50" is a comparison here, not a suppressed figure)
    reading = parse_value(raw)
    if reading.is_number or reading.status in ("suppressed", "not_available", "empty"):
        return raw if reading.is_number else None
    if parse_target_direction(raw) is not None:
        return raw  # "Decreasing"
    if isinstance(raw, str) and raw.strip().lower() in {
            w.lower() for w in udf_config().rag.not_targeted_words}:
        return None
    raise UdfArgError("target is not a number, a comparison ('<22%'), a direction "
                      "(Increasing/Decreasing) or N/A")


def _polarity_text(raw: Any) -> Any:
    """Polarity as written; any wording kpi-xl does not read is no polarity,
    as in a refresh (which says so in its findings)."""
    if _blank(raw):
        return None
    return raw if isinstance(raw, str) else str(raw)


def _udf_input(config: Config, settings, value: Any, previous: Any, target: Any = None,
               polarity: Any = None, decimals: Any = None, names: tuple = ("value", "previous"),
               amber: Any = None):
    _excel_error_in(value, previous, target, polarity, decimals, amber)
    # a number format passed as ``decimals`` says how the cells show the figures
    fmt = decimals.strip() if isinstance(decimals, str) and not decimals.strip().isdigit() \
        and decimals_of_format(decimals.strip()) is not None else None
    figure = _reading(value, names[0], fmt)
    threshold = _reading(amber, "amber", fmt)
    return resolve_figures(config, settings, value=figure,
                           previous=_reading(previous, "previous", fmt), target_raw=_target(target),
                           polarity_raw=_polarity_text(polarity), decimals=_decimals(decimals),
                           amber=threshold)


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

def rag_of(value: Any, target: Any, polarity: Any, tolerance: Any = None, mode: Any = None,
           previous: Any = None, indicator: Any = None, config_path: Any = None,
           decimals: Any = None, amber: Any = None) -> Any:
    _excel_error_in(value, target, polarity, tolerance, mode, previous, indicator, config_path)
    config = udf_config(config_path)
    settings = _settings(config, indicator, tolerance, mode)
    inp = _udf_input(config, settings, value, previous, target, polarity, decimals, amber=amber)
    if inp.unit_error:
        raise UdfArgError(inp.unit_error)
    return rag_label(rate_input(inp), inp.ratable, config)


def dot_of(current: Any, previous: Any, polarity: Any = None, targeted: Any = None,
           decimals: Any = None, indicator: Any = None, config_path: Any = None) -> Any:
    _excel_error_in(current, previous, polarity, targeted, decimals, indicator, config_path)
    config = udf_config(config_path)
    settings = _settings(config, indicator)
    # A sheet with no polarity column and targets such as "<20%" passes the
    # target, which says which way is better as a refresh reads it.
    target, polarity = (polarity, None) if parse_target_bound(polarity) is not None else (None, polarity)
    inp = _udf_input(config, settings, current, previous, target, polarity, decimals,
                     names=("current", "previous"))
    found = direction(inp.value, inp.previous, inp.polarity,
                      targeted=_flag(targeted, "targeted", inp.has_polarity),
                      stable_band=inp.stable_band, decimals=inp.decimals, config=config.direction)
    return found.word if found else None


def arrow_of(current: Any, previous: Any, decimals: Any = None, indicator: Any = None,
             config_path: Any = None) -> Any:
    _excel_error_in(current, previous, decimals, indicator, config_path)
    config = udf_config(config_path)
    inp = _udf_input(config, _settings(config, indicator), current, previous, decimals=decimals,
                     names=("current", "previous"))
    found = direction_of(inp, config.direction)
    return found.arrow if found else None


def category_of(rag: Any, dot: Any, config_path: Any = None) -> Any:
    _excel_error_in(rag, dot, config_path)
    config = udf_config(config_path)
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


def _benchmark_of(indicator_or_measure: Any, year: Any, la: Any):
    """The store's LAIT benchmarking of the council on a measure."""
    if _blank(indicator_or_measure):
        raise UdfArgError("give an indicator or a comparator measure")
    config = udf_config()
    council = str(la).strip() if not _blank(la) else config.workbook.council
    if not council:
        raise UdfArgError("give the council (la) or set workbook -> council in the config")
    if _comparator_lookup() is None:
        raise UdfArgError("comparators not available")
    settings, store, settings_key = _store_settings(config)
    mtime = _store_mtime(store)
    if mtime is None:
        raise UdfArgError("no comparator store: import the DfE files (kpi-xl comparators "
                          "import) and set comparators -> store in the config")
    answer = _answer(store, mtime, str(council), str(indicator_or_measure).strip(),
                     None if _blank(year) else _year_text(year), settings, settings_key)
    if answer.benchmark is None:
        raise UdfArgError("no published figure to band or rank")
    return answer.benchmark


def quartile_of(indicator_or_measure: Any, year: Any = None, la: Any = None) -> Any:
    """LAIT's quartile band, A (best) to D, as ``kpi-xl comparators show``."""
    bench = _benchmark_of(indicator_or_measure, year, la)
    if bench.band is None:
        raise UdfArgError(bench.note or "no quartile band")
    return bench.band


def rank_udf(indicator_or_measure: Any, among: Any = None, year: Any = None,
             la: Any = None) -> Any:
    """LAIT's rank, 1 best: among every council, or with ``among`` "SN"
    among the council and its statistical neighbours."""
    group = "all" if _blank(among) else str(among).strip().casefold()
    if group not in ("all", "england", "sn", "neighbours", "statistical neighbours"):
        raise UdfArgError("among must be blank (all councils) or SN")
    bench = _benchmark_of(indicator_or_measure, year, la)
    rank = bench.rank if group in ("all", "england") else bench.sn_rank
    if rank is None:
        raise UdfArgError(bench.note or "unranked")
    return rank


def _year_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _comparator_cell(figure: Any, unit: str) -> Any:
    """What the cell shows, as refresh writes comparator cells: percentages as
    fractions (DfE's 22.6 becomes 0.226, for a % number format), a symbol as
    published ("c"), or why there is no figure."""
    global _sheet_value
    if _sheet_value is None:
        from ..comparators.fill import sheet_value as _sheet_value
    value = _sheet_value(figure, unit, "percent" if unit == "percent" else None)
    if value is None:
        raise UdfArgError(figure.note or "no published figure")
    return value


_sheet_value: Callable[..., Any] | None = None  # comparators.fill.sheet_value, once loaded
_COMPARATORS_LOAD: list[bool] = []  # [True] once the comparators package loaded, [False] if not


def _comparator_lookup() -> Callable[..., Any] | None:
    """The comparator query, imported late (once): a sheet of RAG formulas does
    not need the store; None when the comparators package cannot load."""
    if not _COMPARATORS_LOAD:
        try:
            from .. import comparators  # noqa: F401
            _COMPARATORS_LOAD.append(True)
        except ImportError:
            _COMPARATORS_LOAD.append(False)
    return _comparator_figure if _COMPARATORS_LOAD[0] else None


def _comparator_figure(config: Config, council: str, measure: str, year: str | None,
                       kind: str) -> tuple[Any, str]:
    settings, store, settings_key = _store_settings(config)
    mtime = _store_mtime(store)
    if mtime is None:
        raise UdfArgError("no comparator store: import the DfE files (kpi-xl comparators "
                          "import) and set comparators -> store in the config")
    answer = _answer(store, mtime, council, measure, year, settings, settings_key)
    return answer.figure(kind), answer.unit


STORE_CHECK_SECONDS = 1.0
_MTIMES: dict[str, tuple[float, float | None]] = {}


def _store_mtime(store: Any) -> float | None:
    """The store file's mtime (None when it is not a file), looked at again at
    most once a second: a column of formulas is one look, a re-import is
    still seen on the next recalculation."""
    now = time.monotonic()
    key = str(store)
    known = _MTIMES.get(key)
    if known is None or now - known[0] > STORE_CHECK_SECONDS:
        try:
            found = os.stat(key)
            mtime = found.st_mtime if stat.S_ISREG(found.st_mode) else None
        except OSError:
            mtime = None
        known = _MTIMES[key] = (now, mtime)
    return known[1]


_SETTINGS: dict[int, tuple[Config, Any, Any, str]] = {}


def _store_settings(config: Config) -> tuple[Any, Any, str]:
    """(comparator settings, store path, settings as a key), once per config
    object: a column of formulas must not reload them for every cell."""
    known = _SETTINGS.get(id(config))
    if known is None or known[0] is not config:
        from ..comparators import load_settings, resolve_store_path

        settings = load_settings(config)
        store = resolve_store_path(settings, config, None)
        if len(_SETTINGS) > 16:
            _SETTINGS.clear()
        known = _SETTINGS[id(config)] = (config, settings, store, settings.model_dump_json())
    return known[1], known[2], known[3]


_ANSWERS: dict[tuple, Any] = {}


def _answer(store, mtime: float, council: str, measure: str, year: str | None, settings: Any,
            settings_key: str):
    """One store query per (council, measure, year, settings): a column of
    formulas asks once; a re-imported store (new mtime) answers afresh."""
    key = (store, mtime, council, measure, year, settings_key)
    if key not in _ANSWERS:
        from ..comparators import ComparatorStore, compare

        if len(_ANSWERS) >= 256:
            _ANSWERS.clear()
        with ComparatorStore.open(store) as opened:
            _ANSWERS[key] = compare(opened, council, measure, settings, year=year)
    return _ANSWERS[key]


# The functions whose answer depends only on their arguments (elementwise remembers them).
PURE = frozenset({rag_of, dot_of, arrow_of, category_of, rate_of, period_of})


# --- the Excel functions -------------------------------------------------------------------
# Docstrings and doc= texts are what Excel's function wizard shows.

_OPT_CONFIG = "Optional. Path of a council YAML (default: KPI_XL_CONFIG, else kpi-xl's defaults)."
_OPT_INDICATOR = "Optional. Indicator id or name: its settings in the config (tolerance, polarity...) apply."
_OPT_DECIMALS = "Optional. Places shown, e.g. 1, or the cells' number format, e.g. \"0.0%\"."


def excel_value(result: Any) -> Any:
    """A result as Excel shows it: "#N/A" text becomes the error value #N/A
    when running inside Excel on Windows (through pywin32); elsewhere, and in
    Python, the text itself."""
    if isinstance(result, list):  # most cells are plain results: no call for those
        return [excel_value(r) if isinstance(r, list) or (type(r) is str and r in _ERROR_CODES)
                else r for r in result]
    if isinstance(result, str) and result in _ERROR_CODES:
        try:
            import pythoncom
            from win32com.client import VARIANT
        except ImportError:
            return result
        return VARIANT(pythoncom.VT_ERROR, _ERROR_CODES[result])
    return result


_ERROR_CODES = {"#NULL!": 2000, "#DIV/0!": 2007, "#VALUE!": 2015, "#REF!": 2023,
                "#NAME?": 2029, "#NUM!": 2036, "#N/A": 2042}


@xw.func(category=CATEGORY)
@xw.arg("value", ndim=2, err_to_str=True, doc="The figure: a cell or a column. 51% may be 0.51 or the text \"51%\".")
@xw.arg("target", ndim=2, err_to_str=True, doc="The target (same units), a direction (\"Decreasing\") or \"N/A\"/blank.")
@xw.arg("polarity", ndim=2, err_to_str=True, doc="\"Higher is better\", \"Lower is worse\", \"Good is low\"...; other words: not targeted.")
@xw.arg("tolerance", ndim=2, err_to_str=True, doc="Optional. AMBER band: 0.05 = within 5% of target (default from config).")
@xw.arg("mode", ndim=2, err_to_str=True, doc="Optional. \"relative\" (fraction of target) or \"points\" (units of the figure).")
@xw.arg("previous", ndim=2, err_to_str=True, doc="Optional. The comparison figure: for a directional target and amber_if_improved_on.")
@xw.arg("indicator", ndim=2, err_to_str=True, doc=_OPT_INDICATOR)
@xw.arg("config", ndim=2, err_to_str=True, doc=_OPT_CONFIG)
@xw.arg("decimals", ndim=2, err_to_str=True, doc=_OPT_DECIMALS)
@xw.arg("amber", ndim=2, err_to_str=True, doc="Optional. An explicit amber threshold: AMBER between it and the target.")
def KPI_RAG(value, target, polarity, tolerance=None, mode=None, previous=None, indicator=None,
            config=None, decimals=None, amber=None):
    """KPI_RAG(value, target, polarity, [tolerance], [mode], [previous], [indicator], [config], [decimals], [amber]): GREEN/AMBER/RED as kpi-xl refresh rates it. =KPI_RAG(G5,H5,I5,,,F5,"CSC07")"""
    return excel_value(elementwise(rag_of, value, target, polarity, tolerance, mode, previous,
                                   indicator, config, decimals, amber))


@xw.func(category=CATEGORY)
@xw.arg("current", ndim=2, err_to_str=True, doc="The latest figure: a cell or a column.")
@xw.arg("previous", ndim=2, err_to_str=True, doc="The figure to compare with (previous period).")
@xw.arg("polarity", ndim=2, err_to_str=True, doc="Optional. \"Higher is better\", \"Lower is better\" or a target such as \"<20%\"; blank for INCREASE/DECREASE.")
@xw.arg("targeted", ndim=2, err_to_str=True, doc="Optional. FALSE to show INCREASE/DECREASE even with a polarity.")
@xw.arg("decimals", ndim=2, err_to_str=True, doc=_OPT_DECIMALS)
@xw.arg("indicator", ndim=2, err_to_str=True, doc=_OPT_INDICATOR)
@xw.arg("config", ndim=2, err_to_str=True, doc=_OPT_CONFIG)
def KPI_DOT(current, previous, polarity=None, targeted=None, decimals=None, indicator=None,
            config=None):
    """KPI_DOT(current, previous, [polarity], [targeted], [decimals], [indicator], [config]): POSITIVE/STABLE/NEGATIVE at the precision shown, as refresh. =KPI_DOT(G5,F5,"Higher is better",,"0.0%")"""
    return excel_value(elementwise(dot_of, current, previous, polarity, targeted, decimals,
                                   indicator, config))


@xw.func(category=CATEGORY)
@xw.arg("current", ndim=2, err_to_str=True, doc="The latest figure: a cell or a column.")
@xw.arg("previous", ndim=2, err_to_str=True, doc="The figure to compare with (previous period).")
@xw.arg("decimals", ndim=2, err_to_str=True, doc=_OPT_DECIMALS)
@xw.arg("indicator", ndim=2, err_to_str=True, doc=_OPT_INDICATOR)
@xw.arg("config", ndim=2, err_to_str=True, doc=_OPT_CONFIG)
def KPI_ARROW(current, previous, decimals=None, indicator=None, config=None):
    """KPI_ARROW(current, previous, [decimals], [indicator], [config]): the raw movement arrow at the precision shown; blank when a figure is missing. =KPI_ARROW(G5,F5,0)"""
    return excel_value(elementwise(arrow_of, current, previous, decimals, indicator, config))


@xw.func(category=CATEGORY)
@xw.arg("rag", ndim=2, err_to_str=True, doc="The RAG rating: GREEN, AMBER or RED (or as KPI_RAG shows it).")
@xw.arg("dot", ndim=2, err_to_str=True, doc="The direction of travel word: POSITIVE, STABLE or NEGATIVE (as KPI_DOT shows it).")
@xw.arg("config", ndim=2, err_to_str=True, doc=_OPT_CONFIG)
def KPI_CATEGORY(rag, dot, config=None):
    """KPI_CATEGORY(rag, dot, [config]): the exception summary category, e.g. "Reds of concern" (red and getting worse), as refresh. =KPI_CATEGORY(J5,K5)"""
    return excel_value(elementwise(category_of, rag, dot, config))


@xw.func(category=CATEGORY)
@xw.arg("indicator_or_measure", ndim=2, doc="An indicator id or name, or a comparator measure key.")
@xw.arg("comparator", ndim=2, doc="SN, Region, England or Ofsted good.")
@xw.arg("year", ndim=2, doc="Optional. The year, e.g. \"2022-23\"; default: the latest published.")
@xw.arg("la", ndim=2, doc="Optional. Council name or code; default: the council in the config.")
def KPI_COMPARATOR(indicator_or_measure, comparator, year=None, la=None):
    """Published comparator figure (statistical neighbours, region, England, Ofsted good) from the kpi-xl comparator store."""
    return elementwise(comparator_of, indicator_or_measure, comparator, year, la)


@xw.func(category=CATEGORY)
@xw.arg("indicator_or_measure", ndim=2, doc="An indicator id or name, or a comparator measure key.")
@xw.arg("year", ndim=2, doc="Optional. The year, e.g. \"2022-23\"; default: the latest published.")
@xw.arg("la", ndim=2, doc="Optional. Council name or code; default: the council in the config.")
def KPI_QUARTILE(indicator_or_measure, year=None, la=None):
    """LAIT quartile band of the council's published figure, A (best quarter of councils) to D, from the kpi-xl comparator store."""
    return elementwise(quartile_of, indicator_or_measure, year, la)


@xw.func(category=CATEGORY)
@xw.arg("indicator_or_measure", ndim=2, doc="An indicator id or name, or a comparator measure key.")
@xw.arg("among", ndim=2, doc="Optional. Blank: rank among all councils; \"SN\": among the council and its statistical neighbours.")
@xw.arg("year", ndim=2, doc="Optional. The year, e.g. \"2022-23\"; default: the latest published.")
@xw.arg("la", ndim=2, doc="Optional. Council name or code; default: the council in the config.")
def KPI_RANK(indicator_or_measure, among=None, year=None, la=None):
    """LAIT rank of the council's published figure, 1 best; ties share the lowest rank; from the kpi-xl comparator store."""
    return elementwise(rank_udf, indicator_or_measure, among, year, la)


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


UDFS = (KPI_RAG, KPI_DOT, KPI_ARROW, KPI_CATEGORY, KPI_COMPARATOR, KPI_QUARTILE, KPI_RANK,
        KPI_RATE, KPI_PERIOD)
