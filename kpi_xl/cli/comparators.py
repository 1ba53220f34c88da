"""``kpi-xl comparators``: import DfE files into the store and show a
council's comparators."""
# No ``from __future__ import annotations`` here: typer reads every command's
# signature on each run and would eval each annotation's text twice (cli/__init__).

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from ..errors import KpiError
from .common import ConfigOption, JsonOption, emit_json, friendly

# The comparators (pandas, sqlite, pydantic) are imported by the commands
# that use them, so that `kpi-xl --help` and the other commands do not pay.
if TYPE_CHECKING:  # pragma: no cover
    from ..comparators.query import ComparatorAnswer, Figure

app = typer.Typer(
    help="Import and show published DfE comparator figures (statistical neighbours, "
         "region, England, Ofsted good).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

StoreOption = typer.Option(
    None, "--store", "-s",
    help="Comparator store file. Default: comparators -> store in the config, "
         "else kpi-comparators.sqlite in the current folder.")


def _settings_and_store(config: Optional[Path], store: Optional[Path]):
    from ..comparators.settings import load_settings, resolve_store_path
    from ..config import load_config

    cfg = load_config(config)
    settings = load_settings(cfg)
    path = store if store is not None else resolve_store_path(settings, cfg if config else None)
    return settings, path


@app.command("import")
@friendly
def import_(
    files: List[Path] = typer.Argument(..., help="DfE CSV files as downloaded from explore "
                                                 "education statistics, the statistical "
                                                 "neighbour lists, and Ofsted's LA inspection "
                                                 "outcomes (.ods)."),
    store: Optional[Path] = StoreOption,
    config: Optional[Path] = ConfigOption,
    json_: bool = JsonOption,
):
    """Import DfE CSV files, statistical neighbour lists and Ofsted's LA
    inspection outcomes (ODS, as published) into the store.

    Each file replaces the figures its dataset had for the years it carries.
    Older column names are read through comparators -> columns in the config.

    Example:

        kpi-xl comparators import c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv sn_model_2025_wide.csv --store kpi-comparators.sqlite
    """
    from ..comparators.store import ComparatorStore

    settings, path = _settings_and_store(config, store)
    results = []
    existed = path.exists()
    try:
        with ComparatorStore.create(path) as db:
            for file in files:
                results.append(db.import_file(file, settings))
    except KpiError:
        if not existed and not results and path.exists():
            path.unlink()  # leave no empty store behind for the refresh to find
        raise
    if json_:
        emit_json({"store": str(path), "imported": [r.as_dict() for r in results]})
        return
    for r in results:
        if r.kind == "neighbours":
            typer.echo(f"{r.file}: statistical neighbours {r.dataset}, {r.rows} pairs")
        elif r.kind == "ofsted":
            typer.echo(f"{r.file}: Ofsted inspection outcomes as at {r.periods[0]}, "
                       f"{r.rows} inspections ({', '.join(r.measures)})")
        else:
            years = f"{r.periods[0]} to {r.periods[-1]}" if r.periods else "no years"
            renamed = "".join(f"; read {old!r} as {new!r}" for old, new in r.renamed)
            typer.echo(f"{r.file}: {r.dataset}, {len(r.measures)} measures, {years}, "
                       f"{r.rows} figures{renamed}")
    typer.echo(f"store: {path}")


@app.command()
@friendly
def show(
    la: str = typer.Option(..., "--la", help="Council: name, old LA code (802) or new code "
                                              "(E06000024)."),
    measure: str = typer.Option(..., "--measure", "-m", help="Measure key (see 'measures') or an "
                                                             "indicator name the config maps."),
    year: Optional[str] = typer.Option(None, "--year", "-y",
                                       help="Latest figure at or before this year: DfE's "
                                            "label (2024) or the financial year (2023-24). "
                                            "Default: the latest."),
    store: Optional[Path] = StoreOption,
    config: Optional[Path] = ConfigOption,
    json_: bool = JsonOption,
):
    """Show a council's figure beside its statistical neighbours, region,
    England and Ofsted good, each with its year, then LAIT's quartile band
    and rank (1 best). A count is shown as a rate per 10,000 children.

    Example:

        kpi-xl comparators show --la "North Somerset" --measure rereferral_percent --year 2024
    """
    from ..comparators.query import compare
    from ..comparators.store import ComparatorStore

    settings, path = _settings_and_store(config, store)
    with ComparatorStore.open(path) as db:
        answer = compare(db, la, measure, settings, year=year)
    if json_:
        emit_json(answer.as_dict())
    else:
        typer.echo(answer_text(answer))


@app.command()
@friendly
def measures(
    config: Optional[Path] = ConfigOption,
    json_: bool = JsonOption,
):
    """List the measures the catalogue knows, with their dataset and unit.

    Example:

        kpi-xl comparators measures --json
    """
    from ..comparators.settings import load_settings
    from ..config import load_config

    settings = load_settings(load_config(config))
    rows = [{"measure": key, "label": m.label, "unit": m.unit,
             "source": f"{m.dataset}:{m.column}" if m.rate_of is None
             else f"rate per 10,000 of {m.rate_of}"}
            for key, m in settings.measures.items()]
    if json_:
        emit_json(rows)
        return
    width = max(len(r["measure"]) for r in rows) if rows else 0
    for r in rows:
        typer.echo(f"{r['measure']:<{width}}  {r['label']} ({r['source']})")


def answer_text(answer: "ComparatorAnswer") -> str:
    """The answer as people read it: one line per comparator with its year,
    then the council's quartile band and ranks."""
    council = answer.council
    codes = ", ".join(c for c in (council.old_code, council.new_code) if c)
    lines = [f"{council.name} ({codes}) - {answer.label} [{answer.measure}]"]
    if answer.council_note:
        lines.append(f"  {answer.council_note}")
    if answer.compared_as:
        lines.append(f"  compared as a {answer.compared_as}")
    rows = [(council.name, answer.own)]
    if answer.own_count is not None:
        rows.append((f"{council.name} (count)", answer.own_count))
    rows += [(answer.sn_label, answer.sn), (council.region_name or "Region", answer.region),
             ("England", answer.england), (answer.ofsted_good_label, answer.ofsted_good)]
    width = max(len(name) for name, _ in rows)
    for name, figure in rows:
        lines.append(f"  {name:<{width}}  {_shown(figure):>8}  {figure.year_label or ''}"
                     + (f"  ({figure.note})" if figure.note and not figure.has_figure else ""))
    if answer.grouping_note:
        lines.append(f"  note: {answer.grouping_note}")
    bench = answer.benchmark
    if bench is not None:
        if bench.band or bench.rank:
            lines.append(f"  Quartile band {bench.band or '-'}, rank {bench.rank_text or '-'} "
                         f"(1 = best), rank among neighbours {bench.sn_rank_text or '-'}"
                         f"  {bench.year_label or ''}")
        elif bench.note:
            lines.append(f"  Quartile band and rank: {bench.note}")
    return "\n".join(lines)


def _shown(figure: "Figure") -> str:
    if figure.value is not None:
        return f"{figure.value:,.1f}"
    return figure.symbol or "-"
