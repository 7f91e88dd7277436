"""``@step_asset``: the Dagster asset of a factory step, defined from the step.

The asset's code version is the step's (one place to bump it), its owners and store kinds the factory's, and its
name must be the step's asset name, so the Definitions, the store and the planner cannot disagree on what it is.
"""

from __future__ import annotations

from collections.abc import Callable

from dagster import AssetsDefinition, asset

from assets.metadata import OWNERS, store_kinds
from factory.steps import Step


def step_asset(step: Step, *, kinds: set[str], **asset_arguments) -> Callable[[Callable], AssetsDefinition]:
    """``@asset`` for the function that materializes ``step``; ``kinds`` are the step's own (the store's are added)."""
    def define(function: Callable) -> AssetsDefinition:
        if function.__name__ != step.asset:
            raise ValueError(f"the asset function {function.__name__!r} materializes the step {step.asset!r}: "
                             "name it after the step's asset")
        return asset(code_version=step.code_version, owners=OWNERS, kinds=kinds | store_kinds(), **asset_arguments)(function)
    return define
