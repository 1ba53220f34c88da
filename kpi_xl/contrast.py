"""Colour contrast as WCAG 2.2 defines it, so text on a RAG fill stays readable.

Public bodies must publish to WCAG 2.2 AA: text needs a contrast ratio of at
least 4.5:1 with its background (success criterion 1.4.3). kpi-xl colours
come from the council's config, so :func:`legible` keeps a configured text
colour when it passes and otherwise gives black or white, whichever reads
better on that fill. Colours are "RRGGBB" (or "AARRGGBB", alpha ignored).
"""
from __future__ import annotations

AA_NORMAL_TEXT = 4.5
BLACK, WHITE = "000000", "FFFFFF"


def _rgb(colour: str) -> tuple[int, int, int]:
    text = colour.strip().lstrip("#")
    if len(text) == 8:  # AARRGGBB, as in OOXML
        text = text[2:]
    if len(text) != 6:
        raise ValueError(f"colour {colour!r} is not RRGGBB")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.2, from sRGB)."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), lighter over darker: 1 to 21."""
    la, lb = luminance(a), luminance(b)
    high, low = max(la, lb), min(la, lb)
    return (high + 0.05) / (low + 0.05)


def legible(fill: str, text: str | None) -> str:
    """``text`` when it reads on ``fill`` at AA, else black or white. A colour
    that is not RRGGBB is left for the writer to refuse with its place."""
    try:
        if text and contrast_ratio(fill, text) >= AA_NORMAL_TEXT:
            return text
        return max((BLACK, WHITE), key=lambda c: contrast_ratio(fill, c))
    except ValueError:
        return text or BLACK
