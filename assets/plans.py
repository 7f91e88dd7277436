"""Each asset's plan, declared beside its asset function: ``@plans("asset")`` on a function of the planner (its
resources and store) and a partition label, returning the step's plan from the same resources the asset runs with.

The planner (``assets.planner``) finds them here, so a new asset is its step, its asset function and its plan in
its own module: no central table to extend. The asset modules are listed once, in ``ASSET_MODULES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from factory.steps import StepPlan
from factory.store.partitions import parse_partition

# Every module that defines assets (the Definitions load them; their `@plans` functions register on import).
ASSET_MODULES = ("assets.crawl", "assets.curation", "assets.quality", "assets.synthetic", "assets.decontamination",
                 "assets.proxy")
PlanFunction = Callable[[Any, str | None], StepPlan]  # (the Planner: its .resources and .store, partition label)
_PLANS: dict[str, PlanFunction] = {}


class PlanDeclarationError(ValueError):
    """Two plans for one asset, or a registered step with none."""


def plans(asset: str) -> Callable[[PlanFunction], PlanFunction]:
    """Register the decorated function as the plan of ``asset[partition]``."""
    def register(function: PlanFunction) -> PlanFunction:
        if asset in _PLANS and _PLANS[asset] is not function:
            raise PlanDeclarationError(f"two plans for {asset!r}: {_PLANS[asset].__qualname__} and {function.__qualname__}")
        _PLANS[asset] = function
        return function
    return register


def plan_functions(assets: tuple[str, ...]) -> dict[str, PlanFunction]:
    """The plan of each of ``assets``, from the asset modules; a step without one is named."""
    for module in ASSET_MODULES:
        importlib.import_module(module)
    if missing := [asset for asset in assets if asset not in _PLANS]:
        raise PlanDeclarationError(f"no @plans function for the step(s) {missing}: declare one beside the asset "
                                   f"function, in one of {list(ASSET_MODULES)}")
    return {asset: _PLANS[asset] for asset in assets}


def partition_keys(partition: str) -> dict[str, str]:
    """``dump=X/chunk=Y`` (a store partition label) as {"dump": X, "chunk": Y}; a bare key ``X`` as {"dump": X}."""
    parsed = parse_partition(partition)
    return dict(parsed) if isinstance(parsed, dict) else {"dump": parsed}
