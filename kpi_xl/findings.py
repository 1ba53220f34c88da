"""Findings: checks yield these into a report instead of raising on the first bad row.

A finding has a type (a stable machine name such as ``period_out_of_order``),
a severity, a message for people, the place it refers to and, where there is
one, the indicator id. The report renders as text, JSON-ready dicts and rows
for a sheet.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, Literal

from .errors import Place

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    type: str
    message: str
    severity: Severity = "warning"
    place: Place = field(default_factory=Place)
    indicator: str | None = None

    def as_dict(self) -> dict:
        return {
            "type": self.type,
            "severity": self.severity,
            "message": self.message,
            "indicator": self.indicator,
            "file": self.place.file,
            "sheet": self.place.sheet,
            "cell": self.place.cell,
            "key": self.place.key,
        }

    def as_text(self) -> str:
        where = str(self.place)
        head = f"{self.severity.upper():7} {self.type}"
        return f"{head}  {where + ': ' if where else ''}{self.message}"


@dataclass
class Report:
    """An ordered collection of findings."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def of_type(self, type_: str) -> list[Finding]:
        return [f for f in self.findings if f.type == type_]

    def for_indicator(self, indicator: str) -> list[Finding]:
        return [f for f in self.findings if f.indicator == indicator]

    def as_dicts(self) -> list[dict]:
        return [f.as_dict() for f in self.findings]

    def as_text(self) -> str:
        return "\n".join(f.as_text() for f in self.findings)

    def as_rows(self) -> list[list]:
        """Rows for a data quality sheet: header first."""
        header = ["Severity", "Type", "Sheet", "Cell", "Indicator", "Message"]
        return [header] + [
            [f.severity, f.type, f.place.sheet, f.place.cell, f.indicator, f.message]
            for f in self.findings
        ]
