"""One PNG line chart per indicator, for the committee pack.

Values by period as a line with markers (the latest point in its rating's
colour), the target as a solid line, and each known comparator as a dashed
line labelled with its year. Suppressed or missing periods are gaps, never
zero. Drawn with matplotlib's object API (no pyplot, no global state), so
charts can be drawn from several threads or processes.

Every chart has an alternative text (:func:`alt_text`) that says what the
chart shows in words, figures included, for screen readers and for officers
who paste the pack into a template without the picture.
"""
from __future__ import annotations

from pathlib import Path

from .model import Pack, PackIndicator, format_value

LINE = "#1F4E78"
TARGET = "#2E7D32"
COMPARATOR_COLOURS = {"england": "#7F7F7F", "sn": "#C55A11", "region": "#7030A0",
                      "ofsted_good": "#00838F"}
RATING_COLOURS = {"GREEN": "#006100", "AMBER": "#C07000", "RED": "#C00000"}
SIZE_INCHES = (8.0, 2.1)
DPI = 150


def render_charts(pack: Pack, folder: str | Path) -> dict[str, Path]:
    """A chart for every indicator with at least one figure: id -> PNG path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    charts = {}
    for ind in pack.indicators:
        if ind.plottable:
            charts[ind.id] = indicator_chart(ind, folder / f"{_safe(ind.id)}.png")
    return charts


def indicator_chart(ind: PackIndicator, out: str | Path) -> Path:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    out = Path(out)
    fig = Figure(figsize=SIZE_INCHES, dpi=DPI)
    ax = fig.add_subplot(1, 1, 1)
    xs = list(range(len(ind.trend)))
    ys = [f.value if f.value is not None else float("nan") for f in ind.trend]
    ax.plot(xs, ys, color=LINE, linewidth=2, marker="o", markersize=5, label="Reported figure",
            zorder=3)
    _mark_latest(ax, ind, xs, ys)
    _label_points(ax, ind, xs, ys)
    if ind.target is not None:
        ax.axhline(ind.target, color=TARGET, linewidth=1.5,
                   label=f"Target {format_value(ind.target, ind.unit)}", zorder=2)
    for comp in ind.comparators:
        if comp.value is not None:
            ax.axhline(comp.value, color=COMPARATOR_COLOURS.get(comp.kind, "#595959"),
                       linewidth=1.3, linestyle=(0, (5, 3)),
                       label=f"{comp.label} {comp.display}", zorder=1)
    for i, f in enumerate(ind.trend):
        if f.value is None and f.text:  # a suppressed figure: say so where the point would be
            ax.annotate(f.text, (i, 0), xycoords=("data", "axes fraction"), xytext=(0, 4),
                        textcoords="offset points", ha="center", fontsize=8, color="#595959")
    ax.set_xticks(xs)
    ax.set_xticklabels([f.period.replace(" ", "\n", 1) for f in ind.trend], fontsize=8)
    ax.set_xlim(-0.5, len(xs) - 0.5)
    if ind.unit != "percent":
        whole = all(f.value is None or float(f.value).is_integer() for f in ind.trend)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=whole))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.10g}"))
    ax.tick_params(axis="y", labelsize=8)
    _pad_y(ax)
    if ind.unit == "percent":
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=_percent_decimals(ax)))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#D9D9D9", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(out, format="png", dpi=DPI)
    return out


def alt_text(ind: PackIndicator) -> str:
    """The chart in words: what is plotted, every figure, the target and comparators."""
    if not ind.trend:
        return f"No figures for {ind.display_name}."
    first, last = ind.trend[0].period, ind.trend[-1].period
    values = "; ".join(f"{f.period} {f.text or 'no figure'}" for f in ind.trend)
    parts = [f"Line chart of {ind.display_name} ({ind.ref or ind.id}) from {first} to {last}: "
             f"{values}."]
    if ind.target is not None:
        parts.append(f"Target {ind.target_text} ({ind.polarity_text.lower()}).")
    for comp in ind.comparators:
        parts.append(f"{comp.heading}: {comp.text}.")
    if ind.rating:
        parts.append(f"Rated {ind.rating_text}; direction {ind.direction_text}.")
    return " ".join(parts)


def _mark_latest(ax, ind: PackIndicator, xs: list[int], ys: list[float]) -> None:
    """The latest figure in its rating's colour: the point the committee asks about."""
    if not xs or ind.trend[-1].value is None:
        return
    colour = RATING_COLOURS.get(ind.rating or "", LINE)
    ax.plot([xs[-1]], [ys[-1]], marker="o", markersize=9, color=colour, zorder=4)


def _label_points(ax, ind: PackIndicator, xs: list[int], ys: list[float]) -> None:
    for x, y, f in zip(xs, ys, ind.trend):
        if f.value is not None:
            ax.annotate(f.text, (x, y), xytext=(0, 7), textcoords="offset points",
                        ha="center", fontsize=7.5, color="#262626")


def _percent_decimals(ax) -> int:
    """Decimals the tick step needs: 20%, 22%... or 20.5%, 21.0%..."""
    ticks = list(ax.get_yticks())
    step = abs(ticks[1] - ticks[0]) * 100 if len(ticks) > 1 else 1.0
    return 0 if abs(step - round(step)) < 1e-9 and step >= 1 else 1 if step >= 0.1 else 2


def _pad_y(ax) -> None:
    """Room above the highest label, and a little below the lowest point."""
    low, high = ax.get_ylim()
    span = (high - low) or abs(high) or 1.0
    ax.set_ylim(low - span * 0.08, high + span * 0.18)


def _safe(ident: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in ident) or "indicator"
