"""DfE statistical neighbour groupings.

Two layouts are published:
- 2021 ("New_Statistical_Neighbour_Groupings_April_2021.csv"): ``LA num``,
  ``LA Name``, ``GOReg``, then ``SN1, SNP, SN2, SNP, ...`` (neighbour LA
  number and how close it is).
- 2025 ("sn_model_2025_wide.csv"): ``old_la_code``, ``la_name``,
  ``region_name``, then ``SN_1, SN_1P, ...``.
Both give each council's ten neighbours by the 3-digit LA number, closest
first. Which grouping a council uses is configuration (``sn_grouping``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ComparatorError, Place
from .dfe_csv import read_csv_text


@dataclass
class NeighbourFile:
    path: Path
    grouping: str  # "2021", "2025"
    # grouping, old_la_code, rank (1..10), neighbour (old_la_code), closeness
    pairs: pd.DataFrame
    # old_la_code, la_name, region_name of the councils listed
    councils: pd.DataFrame


_LAYOUTS = {
    # layout: (code column, name column, region column, neighbour column pattern)
    "2021": ("LA num", "LA Name", "GOReg", re.compile(r"^SN(\d+)$")),
    "2025": ("old_la_code", "la_name", "region_name", re.compile(r"^SN_(\d+)$")),
}


def neighbour_layout(columns: list[str]) -> str | None:
    """"2021" or "2025" when the header is a statistical neighbour list."""
    for layout, (code, name, _region, pattern) in _LAYOUTS.items():
        if code in columns and name in columns and any(pattern.match(c) for c in columns):
            return layout
    return None


def grouping_from_name(path: Path, layout: str) -> str:
    """The grouping's year from the file name, else the layout's."""
    found = re.findall(r"(?<!\d)(20\d\d)(?!\d)", path.name)
    return found[-1] if found else layout


def read_neighbour_file(path: str | Path, frame: pd.DataFrame | None = None) -> NeighbourFile:
    """Read a statistical neighbour list (either layout)."""
    path = Path(path)
    frame = read_csv_text(path) if frame is None else frame
    layout = neighbour_layout(list(frame.columns))
    if layout is None:
        raise ComparatorError("not a statistical neighbour list (expected 'LA num' and SN1.. "
                              "or 'old_la_code' and SN_1..)", Place(file=str(path)))
    code_col, name_col, region_col, pattern = _LAYOUTS[layout]
    columns = list(frame.columns)
    # Pair each SNn column with the closeness column right after it (the
    # 2021 file repeats "SNP", which pandas renames SNP.1, SNP.2 ...).
    slots = [(int(m.group(1)), i) for i, c in enumerate(columns) if (m := pattern.match(c))]
    frame = frame[frame[code_col].str.strip() != ""]
    grouping = grouping_from_name(path, layout)
    rows = []
    for record in frame.itertuples(index=False, name=None):
        code = str(record[columns.index(code_col)]).strip()
        for rank, i in slots:
            neighbour = str(record[i]).strip()
            if not neighbour:
                continue
            closeness = str(record[i + 1]).strip() if i + 1 < len(columns) else ""
            rows.append((grouping, code, rank, neighbour, _closeness(closeness)))
    pairs = pd.DataFrame(rows, columns=["grouping", "old_la_code", "rank", "neighbour", "closeness"])
    councils = pd.DataFrame({
        "old_la_code": frame[code_col].str.strip(),
        "la_name": frame[name_col].str.strip(),
        "region_name": frame[region_col].str.strip() if region_col in frame else "",
    }).reset_index(drop=True)
    if pairs.empty:
        raise ComparatorError("no neighbours listed", Place(file=str(path)))
    return NeighbourFile(path=path, grouping=grouping, pairs=pairs, councils=councils)


def _closeness(text: str) -> str:
    """"Very Close", "Very close ", "Close " -> "Very close", "Close"."""
    text = " ".join(text.split())
    return text[:1].upper() + text[1:].lower() if text else ""
