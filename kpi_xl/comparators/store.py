"""The comparator store: one SQLite file a council imports into once a year
and refreshes from often.

Tables:
- ``rows``: one per row of a DfE file: dataset, time period, geography and
  filter values (JSON);
- ``figures``: one per (row, measure column): the value, or the symbol as
  published;
- ``councils``: names and codes seen in the files, for look-up by either;
- ``neighbours``: statistical neighbour groupings (2021, 2025...);
- ``imports``: which file was imported when.
Importing a file replaces the figures of its dataset for the periods it
carries (a newer release revises earlier years) and keeps the rest.
"""
from __future__ import annotations

import datetime as _dt
import difflib
import re
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from ..errors import ComparatorError, Place
from .dfe_csv import read_csv_text, read_dfe_file
from .neighbours import neighbour_layout, read_neighbour_file
from .ofsted import is_ods, read_ofsted_file
from .settings import ComparatorSettings

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS rows (
    id INTEGER PRIMARY KEY, dataset TEXT NOT NULL, time_period TEXT NOT NULL,
    level TEXT NOT NULL, old_la_code TEXT, new_la_code TEXT, la_name TEXT,
    region_code TEXT, region_name TEXT, filters TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rows_by_dataset ON rows (dataset, time_period);
CREATE TABLE IF NOT EXISTS figures (
    row_id INTEGER NOT NULL REFERENCES rows (id), measure TEXT NOT NULL,
    value REAL, symbol TEXT, PRIMARY KEY (row_id, measure)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS councils (
    old_la_code TEXT NOT NULL, new_la_code TEXT, la_name TEXT NOT NULL,
    region_code TEXT, region_name TEXT, time_period TEXT, source TEXT,
    UNIQUE (old_la_code, new_la_code, la_name, region_code, region_name, time_period));
CREATE TABLE IF NOT EXISTS neighbours (
    grouping TEXT NOT NULL, old_la_code TEXT NOT NULL, rank INTEGER NOT NULL,
    neighbour TEXT NOT NULL, closeness TEXT,
    PRIMARY KEY (grouping, old_la_code, rank));
CREATE TABLE IF NOT EXISTS ofsted (
    source TEXT NOT NULL, tbl TEXT NOT NULL, la_code TEXT NOT NULL, la_name TEXT, status TEXT,
    inspection_date TEXT, publication_date TEXT, inspection_type TEXT, overall TEXT);
CREATE TABLE IF NOT EXISTS imports (
    file TEXT NOT NULL, kind TEXT NOT NULL, dataset TEXT NOT NULL, rows INTEGER,
    periods TEXT, imported_at TEXT);
"""

_FIGURE_COLUMNS = ["time_period", "level", "old_la_code", "new_la_code", "la_name",
                   "region_code", "region_name", "filters", "value", "symbol"]


@dataclass(frozen=True)
class Council:
    name: str
    old_code: str  # "802"
    new_code: str | None  # "E06000024"
    region_code: str | None
    region_name: str | None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ImportResult:
    file: str
    kind: str  # "data" | "neighbours" | "ofsted"
    dataset: str  # dataset id, the grouping ("2021") for neighbours, "ofsted"
    rows: int
    periods: tuple[str, ...]
    measures: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()  # (older name, canonical)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["periods"] = list(self.periods)
        data["measures"] = list(self.measures)
        data["renamed"] = dict(self.renamed)
        return data


class ComparatorStore:
    """An open store. Use :meth:`open` for an existing file, :meth:`create`
    to make one (or open it when it exists)."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        self.path = path
        self._db = connection
        self._cache: dict[tuple[str, str], pd.DataFrame] = {}
        self._councils: pd.DataFrame | None = None
        self._old_by_new: dict[str, str] | None = None
        self._names: dict[str, str] | None = None

    # --- opening ------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> "ComparatorStore":
        path = Path(path)
        if not path.is_file():
            raise ComparatorError("comparator store not found; run 'kpi-xl comparators import' "
                                  "with the DfE files first", Place(file=str(path)))
        return cls._connect(path)

    @classmethod
    def create(cls, path: str | Path) -> "ComparatorStore":
        path = Path(path)
        if path.parent and not path.parent.exists():
            raise ComparatorError("folder for the comparator store does not exist",
                                  Place(file=str(path)))
        return cls._connect(path)

    @classmethod
    def _connect(cls, path: Path) -> "ComparatorStore":
        try:
            db = sqlite3.connect(str(path))
            db.executescript(_SCHEMA)
            version = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if version is None:
                db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
                db.commit()
            elif version[0] != SCHEMA_VERSION:
                db.close()
                raise ComparatorError(f"comparator store has schema {version[0]}, this kpi-xl "
                                      f"reads {SCHEMA_VERSION}; import the files again into a new store",
                                      Place(file=str(path)))
        except sqlite3.DatabaseError as exc:
            raise ComparatorError(f"not a comparator store ({exc})", Place(file=str(path))) from None
        return cls(path, db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ComparatorStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- importing ----------------------------------------------------------

    def import_file(self, path: str | Path, settings: ComparatorSettings) -> ImportResult:
        """Import a DfE data file, a statistical neighbour list, or Ofsted's
        LA inspection outcomes (ODS)."""
        path = Path(path)
        if path.is_file() and is_ods(path):
            return self._import_ofsted(path)
        header = read_csv_text(path)
        if neighbour_layout(list(header.columns)):
            return self._import_neighbours(path, header)
        return self._import_data(path, settings)

    def _import_data(self, path: Path, settings: ComparatorSettings) -> ImportResult:
        dfe = read_dfe_file(path, settings)
        figures = dfe.figures
        with self._db:
            marks = ",".join("?" * len(dfe.periods))
            old_rows = f"SELECT id FROM rows WHERE dataset=? AND time_period IN ({marks})"
            self._db.execute(f"DELETE FROM figures WHERE row_id IN ({old_rows})",
                             (dfe.dataset, *dfe.periods))
            self._db.execute(f"DELETE FROM rows WHERE id IN ({old_rows})", (dfe.dataset, *dfe.periods))
            first = (self._db.execute("SELECT MAX(id) FROM rows").fetchone()[0] or 0) + 1
            self._db.executemany(
                "INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?,?)",
                ((first + i, dfe.dataset, *r) for i, r in
                 enumerate(dfe.rows.itertuples(index=False, name=None))))
            self._db.executemany(
                "INSERT INTO figures VALUES (?,?,?,?)",
                zip((first + int(i) for i in figures["row"]), figures["measure"],
                    [None if pd.isna(v) else float(v) for v in figures["value"]],
                    [s if isinstance(s, str) else None for s in figures["symbol"]]))
            self._db.executemany(
                "INSERT OR IGNORE INTO councils VALUES (?,?,?,?,?,?,?)",
                [(*r, dfe.dataset) for r in dfe.councils.itertuples(index=False, name=None)])
            self._log_import(path, "data", dfe.dataset, len(figures), dfe.periods)
        self._forget()
        return ImportResult(file=str(path), kind="data", dataset=dfe.dataset, rows=len(figures),
                            periods=tuple(dfe.periods), measures=tuple(dfe.measures),
                            renamed=tuple(dfe.renamed.items()))

    def _import_neighbours(self, path: Path, header: pd.DataFrame) -> ImportResult:
        sn = read_neighbour_file(path, header)
        with self._db:
            self._db.execute("DELETE FROM neighbours WHERE grouping=?", (sn.grouping,))
            self._db.executemany("INSERT INTO neighbours VALUES (?,?,?,?,?)",
                                 sn.pairs.itertuples(index=False, name=None))
            self._db.executemany(
                "INSERT OR IGNORE INTO councils VALUES (?,?,?,?,?,?,?)",
                [(code, None, name, None, region or None, None, f"sn{sn.grouping}")
                 for code, name, region in sn.councils.itertuples(index=False, name=None)])
            self._log_import(path, "neighbours", sn.grouping, len(sn.pairs), [])
        self._forget()
        return ImportResult(file=str(path), kind="neighbours", dataset=sn.grouping,
                            rows=len(sn.pairs), periods=())

    def _import_ofsted(self, path: Path) -> ImportResult:
        ofsted = read_ofsted_file(path)
        source = ofsted.as_at.isoformat() if ofsted.as_at else path.name
        with self._db:
            self._db.execute("DELETE FROM ofsted")  # one publication holds the whole history
            self._db.executemany("INSERT INTO ofsted VALUES (?,?,?,?,?,?,?,?,?)",
                                 [(source, *row) for row in ofsted.rows])
            self._log_import(path, "ofsted", "ofsted", len(ofsted.rows), [source])
        self._forget()
        return ImportResult(file=str(path), kind="ofsted", dataset="ofsted", rows=len(ofsted.rows),
                            periods=(source,), measures=tuple(ofsted.tables))

    def ofsted_inspections(self) -> list[tuple[str, str, str]]:
        """(ONS code, inspection date, overall effectiveness) of every graded
        ILACS inspection in the imported history."""
        return self._db.execute(
            "SELECT la_code, inspection_date, overall FROM ofsted WHERE tbl='history' "
            "AND overall <> ''").fetchall()

    def ofsted_as_at(self):
        """The 'as at' day of the imported Ofsted publication, None when unknown."""
        row = self._db.execute("SELECT MAX(source) FROM ofsted").fetchone()
        try:
            return _dt.date.fromisoformat(row[0]) if row and row[0] else None
        except ValueError:
            return None

    def has_ofsted(self) -> bool:
        return self._db.execute("SELECT 1 FROM ofsted LIMIT 1").fetchone() is not None

    def old_code_for(self, new_code: str) -> str | None:
        """The 3-digit LA number of an ONS code (current or earlier)."""
        if self._old_by_new is None:
            table = self.council_table()
            pairs = zip(table["new_la_code"].fillna("").str.upper(), table["old_la_code"])
            self._old_by_new = {}
            for new, old in pairs:  # latest first: the first seen wins
                if new:
                    self._old_by_new.setdefault(new, old)
        return self._old_by_new.get(new_code.strip().upper())

    def name_of(self, old_code: str) -> str:
        """A council's latest name by its LA number (the number when unknown)."""
        if self._names is None:
            table = self.council_table()
            self._names = {}
            for code, name in zip(table["old_la_code"], table["la_name"]):
                self._names.setdefault(code, name)
        return self._names.get(old_code, old_code)

    def _log_import(self, path: Path, kind: str, dataset: str, rows: int, periods: list[str]) -> None:
        self._db.execute("INSERT INTO imports VALUES (?,?,?,?,?,?)",
                         (str(path), kind, dataset, rows, ",".join(periods),
                          _dt.datetime.now().isoformat(timespec="seconds")))

    def _forget(self) -> None:
        self._cache.clear()
        self._councils = None
        self._old_by_new = None
        self._names = None

    # --- reading ------------------------------------------------------------

    def figures(self, dataset: str, measure: str) -> pd.DataFrame:
        """All stored figures of one measure column (every filter, period and
        geography). Columns: time_period, level, codes, names, filters, value, symbol."""
        key = (dataset, measure)
        if key not in self._cache:
            rows = self._db.execute(
                "SELECT r.time_period, r.level, r.old_la_code, r.new_la_code, r.la_name, "
                "r.region_code, r.region_name, r.filters, f.value, f.symbol "
                "FROM rows r JOIN figures f ON f.row_id = r.id "
                "WHERE r.dataset=? AND f.measure=?", key).fetchall()
            self._cache[key] = pd.DataFrame(rows, columns=_FIGURE_COLUMNS)
        return self._cache[key]

    def has_measure(self, dataset: str, measure: str) -> bool:
        return not self.figures(dataset, measure).empty

    def datasets(self) -> list[tuple[str, str]]:
        """(dataset, measure column) pairs held."""
        return self._db.execute(
            "SELECT DISTINCT r.dataset, f.measure FROM figures f JOIN rows r ON r.id = f.row_id "
            "ORDER BY 1, 2").fetchall()

    def imports(self) -> list[dict]:
        rows = self._db.execute("SELECT file, kind, dataset, rows, periods, imported_at FROM imports "
                                "ORDER BY rowid").fetchall()
        return [dict(zip(["file", "kind", "dataset", "rows", "periods", "imported_at"], r)) for r in rows]

    def groupings(self) -> list[str]:
        """The neighbour groupings imported, oldest first."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT grouping FROM neighbours ORDER BY 1")]

    def neighbours(self, old_code: str, grouping: str) -> list[tuple[str, str]]:
        """(neighbour old code, closeness) in rank order; [] when the council
        is not in the grouping or the grouping was never imported."""
        rows = self._db.execute("SELECT neighbour, closeness FROM neighbours WHERE grouping=? "
                                "AND old_la_code=? ORDER BY rank", (grouping, old_code)).fetchall()
        return [(r[0], r[1]) for r in rows]

    # --- councils -----------------------------------------------------------

    def council_table(self) -> pd.DataFrame:
        if self._councils is None:
            rows = self._db.execute("SELECT old_la_code, new_la_code, la_name, region_code, "
                                    "region_name, time_period, source FROM councils").fetchall()
            table = pd.DataFrame(rows, columns=["old_la_code", "new_la_code", "la_name", "region_code",
                                                "region_name", "time_period", "source"])
            # Latest first, data files before neighbour lists (they carry codes).
            table["_order"] = table["time_period"].fillna("").map(_period_order)
            self._councils = table.sort_values("_order", ascending=False, kind="stable")
        return self._councils

    def resolve_council(self, text: str | int) -> Council:
        """A council by name ("North Somerset"), old code ("802") or new code
        ("E06000024"). Raises ComparatorError listing the closest names."""
        wanted = str(text).strip()
        table = self.council_table()
        if table.empty:
            raise ComparatorError("the comparator store holds no councils; import the DfE files",
                                  Place(file=str(self.path)))
        if re.fullmatch(r"\d{1,3}", wanted):
            rows = table[table["old_la_code"] == wanted.zfill(3)]
        elif re.fullmatch(r"[A-Za-z]\d{8}", wanted):
            rows = table[table["new_la_code"].fillna("").str.upper() == wanted.upper()]
        else:
            keys = table["la_name"].map(council_name_key)
            rows = table[keys == council_name_key(wanted)]
        if rows.empty:
            raise ComparatorError(f"unknown council {wanted!r}; closest: "
                                  f"{', '.join(self.closest_names(wanted))}",
                                  Place(key="council"))
        return self._council(rows.iloc[0]["old_la_code"])

    def _council(self, old_code: str) -> Council:
        rows = self.council_table()
        rows = rows[rows["old_la_code"] == old_code]
        latest = rows.iloc[0]

        def first(col: str) -> str | None:
            values = [v for v in rows[col] if isinstance(v, str) and v]
            return values[0] if values else None

        return Council(name=latest["la_name"], old_code=old_code, new_code=first("new_la_code"),
                       region_code=first("region_code"), region_name=first("region_name"))

    def council_by_code(self, old_code: str) -> Council | None:
        if (self.council_table()["old_la_code"] == old_code).any():
            return self._council(old_code)
        return None

    def closest_names(self, text: str, n: int = 5) -> list[str]:
        names = list(dict.fromkeys(self.council_table()["la_name"]))
        by_key = {council_name_key(name): name for name in reversed(names)}
        wanted = council_name_key(text)
        keys = difflib.get_close_matches(wanted, list(by_key), n=n, cutoff=0.5)
        if not keys:
            keys = difflib.get_close_matches(wanted, list(by_key), n=3, cutoff=0.0)
        return [by_key[k] for k in keys]


def _period_order(time_period: str) -> str:
    # "2023" and "202223" ordered by the year they end in.
    text = str(time_period)
    if len(text) == 6 and text.isdigit():
        return str(int(text[:4]) + 1) + "b"
    return text + "a" if text else ""


_COUNCIL_KINDS = {"borough", "metropolitan", "county", "city", "district"}


def council_name_key(name: str) -> str:
    """A council name for matching: case, '&', punctuation, "Council",
    "City of" and "(Pre LG)" ignored. "Bristol, City of" == "bristol"."""
    text = str(name).casefold().replace("&", " and ")
    text = re.sub(r"\(pre lg\)", " ", text)
    text = re.sub(r",\s*(city|county) of\s*$", " ", text)
    text = re.sub(r"^\s*county of\s+", " ", text)  # "County of Herefordshire"
    text = re.sub(r"[^0-9a-z]+", " ", text)
    words = text.split()
    if len(words) > 1 and words[-1] == "council":
        words = words[:-1]
        while len(words) > 1 and words[-1] in _COUNCIL_KINDS:
            words = words[:-1]
    for prefix in (["the"], ["london", "borough", "of"], ["royal", "borough", "of"],
                   ["borough", "of"], ["city", "of"]):
        rest = words[len(prefix):]
        if words[:len(prefix)] == prefix and rest and rest != ["london"]:
            words = rest
    if words[:1] == ["the"]:
        words = words[1:]
    return " ".join(words)
