"""Findings: checks yield these into a report instead of raising on the first bad row.

A finding has a type (a stable machine name such as ``period_out_of_order``,
declared once in :mod:`kpi_xl.finding_types`), a severity, a message for
people, the place it refers to and, where there is one, the indicator id.
The report renders as text, JSON-ready dicts and rows for a sheet. A report
made with a council's ``findings:`` settings (:class:`kpi_xl.config.FindingsSettings`)
leaves out the types it skips and re-grades the others as it is told, so
every place findings are shown (``check``, ``refresh``, the data quality
sheet, the committee pack) shows the same ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, Protocol

from .errors import Place
from .finding_types import CATALOGUE, FindingType, Severity, unknown_type_message


@dataclass(frozen=True)
class Finding:
    type: str  # a declared type (a FindingType or its name), stored as its name
    message: str
    severity: Severity = "warning"
    place: Place = field(default_factory=Place)
    indicator: str | None = None

    def __post_init__(self):
        # A typo in an emitter must not create a new type no catalogue explains.
        name = self.type.name if isinstance(self.type, FindingType) else self.type
        if name not in CATALOGUE:
            raise ValueError(unknown_type_message(name))
        object.__setattr__(self, "type", name)

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


class Choice(Protocol):
    """Which findings a council sees: ``shown`` returns the finding as it is
    shown (re-graded), or None when its type is skipped."""

    def shown(self, finding: Finding) -> Finding | None: ...


@dataclass
class Report:
    """An ordered collection of findings; with ``choice``, only those the
    council chose to see, at the severity it chose."""

    findings: list[Finding] = field(default_factory=list)
    choice: Choice | None = None

    def __post_init__(self):
        if self.choice is not None:
            self.findings = self._chosen(self.findings)

    def _chosen(self, findings: Iterable[Finding]) -> list[Finding]:
        if self.choice is None:
            return list(findings)
        return [shown for f in findings if (shown := self.choice.shown(f)) is not None]

    def add(self, finding: Finding) -> None:
        self.findings.extend(self._chosen([finding]))

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(self._chosen(findings))

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
