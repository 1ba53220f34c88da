"""One small hierarchy of errors whose messages name the place.

Library code raises these and never prints or exits; the CLI, UDFs and
ribbon callbacks turn them into a one-line message (exit code 2 on the CLI).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """Where something is: a file, a sheet and cell in it, or a config key path."""

    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.sheet and self.cell:
            parts.append(f"{quote_sheet(self.sheet)}!{self.cell}")
        elif self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        elif self.cell:
            parts.append(self.cell)
        if self.key:
            parts.append(self.key)
        return ": ".join(parts)


def quote_sheet(name: str) -> str:
    """Sheet name as Excel writes it in a reference ('My sheet'!A1)."""
    if name.replace("_", "").isalnum() and not name[:1].isdigit():
        return name
    return "'" + name.replace("'", "''") + "'"


class KpiError(Exception):
    """Base of every error kpi-xl raises on purpose."""

    def __init__(self, message: str, place: Place | None = None):
        self.message = message
        self.place = place or Place()
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.place)
        return one_line(f"{where}: {self.message}" if where else self.message)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """``text`` with control characters escaped (a file name with a line
    break in it still gives a one-line message)."""
    if not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029" for ch in text):
        return text
    return "".join(_ESCAPES.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0xA0 else f"\\u{ord(ch):04x}")
                   if ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029" else ch
                   for ch in text)


class ConfigError(KpiError):
    """A configuration file or key is missing or wrong."""


class WorkbookError(KpiError):
    """A workbook cannot be read: damaged, encrypted, unsupported format."""


class RefusedFile(WorkbookError):
    """A file refused on purpose: hostile, locked by Excel, wrong format."""


class LayoutError(WorkbookError):
    """No indicator table could be found or the layout config does not fit."""


class WriteError(KpiError):
    """A plan could not be applied; the original file is untouched."""


class ComparatorError(KpiError):
    """Comparator data is missing, unknown or cannot be imported."""
