"""Planning a real crawl dump from what the store measured: tasks, CPU/GPU-hours, store size, wall time.

``costs`` and ``gpu`` read per-document costs and GPU rates from committed manifests,
``listing`` reads the dump's WARC list, ``targets`` the configured proxy, recipes and mixes,
``plan`` multiplies them out and ``render`` prints the result. ``make_plan`` wires them together
for the ``factory plan`` command.
"""

from __future__ import annotations

from factory.planning.costs import CurationCosts, measure_curation
from factory.planning.figures import ASSUMED, DERIVED, MEASURED, OPTION, Figure
from factory.planning.gpu import GenerationRates, TrainingRate, measure_generation, measure_training
from factory.planning.listing import PlanInputError, WarcListing, fetch_listing, parse_dump, read_paths_file
from factory.planning.plan import Plan, PlanOptions, StagePlan, build_plan
from factory.planning.targets import Targets, resolve_targets
from factory.store import Store


def make_plan(store: Store, listing: WarcListing, targets: Targets, options: PlanOptions) -> Plan:
    """The plan for ``listing`` from everything ``store`` measured."""
    curation, generation = measure_curation(store), measure_generation(store)
    return build_plan(listing, curation, generation, measure_training(store, targets.proxy), targets, options)


__all__ = [
    "ASSUMED", "DERIVED", "MEASURED", "OPTION", "CurationCosts", "Figure", "GenerationRates", "Plan", "PlanInputError",
    "PlanOptions", "StagePlan", "Targets", "TrainingRate", "WarcListing", "build_plan", "fetch_listing", "make_plan",
    "measure_curation", "measure_generation", "measure_training", "parse_dump", "read_paths_file", "resolve_targets",
]
