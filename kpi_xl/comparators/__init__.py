"""Comparators from published DfE statistics: statistical neighbours,
region, England and "Ofsted good", read from the DfE files themselves.

    store = ComparatorStore.create("kpi-comparators.sqlite")
    store.import_file("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", settings)
    answer = compare(store, "North Somerset", "rereferral_percent", settings)
"""
from .fill import ComparatorFill, comparators_for_table
from .query import (ComparatorAnswer, Figure, MissingData, NeighbourFigure, compare, rate_for_council,
                    resolve_measure)
from .rates import population_year, rate_per_10k
from .settings import ComparatorSettings, load_settings, resolve_store_path
from .store import ComparatorStore, Council, ImportResult

__all__ = [
    "ComparatorAnswer", "ComparatorFill", "ComparatorSettings", "ComparatorStore", "Council",
    "Figure", "ImportResult", "MissingData", "NeighbourFigure", "compare", "comparators_for_table",
    "load_settings", "population_year", "rate_for_council", "rate_per_10k",
    "resolve_measure", "resolve_store_path",
]
