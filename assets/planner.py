"""What each step would make now: its plan from the current settings, code and input versions, without running it.

A partition is *outdated* when the version its step would make now differs from its current one (a
setting, the code version, a deciding library or an input changed), and *waiting* when one of its
inputs is outdated: rebuilding it before its inputs would make a version that is stale on arrival.
The sensors request exactly the outdated partitions that are not waiting, keyed by the version they
will make (so each is requested once); the staleness checks report both with the cause. The sensors,
the demo, the UI's checks and `factory` all build their plans here, from the same resources.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assets.plans import plan_functions
from factory.audit.diff import plan_changes
from factory.generation import RecipeError
from factory.mixing import MixRecipeError
from factory.step_registry import registered_steps
from factory.steps import StepPlan
from factory.store import Store
from factory.store.partitions import UNPARTITIONED
from resources import planned_keys

# A plan cannot be made while an input has no version yet, or its recipe file is gone or cannot be planned: nothing
# to request (the reason is shown).
NOT_PLANNABLE = (LookupError, MixRecipeError, RecipeError, FileNotFoundError)
CURRENT, OUTDATED, WAITING, UNPLANNABLE = "current", "outdated", "waiting", "unplannable"


@dataclass(frozen=True)
class Status:
    """A partition's state against what its step would make now, and why."""

    asset: str
    partition: str
    state: str  # CURRENT, OUTDATED, WAITING or UNPLANNABLE
    current: str | None = None  # the current version
    implied: str | None = None  # the version the step would make now
    causes: list[str] = field(default_factory=list)  # what differs (config keys, code version, inputs, libraries)

    @property
    def requested(self) -> bool:
        return self.state == OUTDATED

    def describe(self) -> str:
        label = f"{self.asset}[{self.partition}]"
        if self.state == WAITING:
            return f"{label}: waiting for {', '.join(self.causes)}"
        if self.state == UNPLANNABLE:
            return f"{label}: cannot be planned yet ({'; '.join(self.causes)})"
        was = self.current[:12] if self.current else "none"
        return f"{label}: {was} -> {self.implied[:12]} ({', '.join(self.causes) or 'new'})"


# The resources the planners read: a sensor or check that plans requires them all (``required_resource_keys``; called
# directly, as the demo does, Dagster also passes them as keyword arguments, which such a sensor takes as ``**resources``).
PLANNER_RESOURCES = planned_keys()


class Planner:
    """Plans and statuses of every step's partitions from one set of resources (the Definitions')."""

    # Every registered step but raw_crawl, whose version is named by the crawl's listing (the crawl sensor's discovery
    # owns it); each has its `@plans` function beside its asset (``assets.plans``).
    PLANNED = tuple(asset for asset in registered_steps() if asset != "raw_crawl")

    @classmethod
    def from_context(cls, context) -> Planner:
        """From a sensor's or check's context (``required_resource_keys=PLANNER_RESOURCES``)."""
        return cls({key: getattr(context.resources, key) for key in PLANNER_RESOURCES})

    def __init__(self, resources: dict):
        self.resources = resources
        self.store: Store = resources["store"].get()
        self._plans: dict[tuple[str, str], StepPlan | Exception] = {}
        self._statuses: dict[tuple[str, str], Status] = {}
        self._planners = plan_functions(self.PLANNED)

    def plans(self, asset: str) -> bool:
        return asset in self._planners

    def plan(self, asset: str, partition: str | None) -> StepPlan:
        """The plan of ``asset[partition]`` (a store partition label, None when unpartitioned); raises when it
        cannot be made yet (an input has no version)."""
        key = (asset, partition or "")
        if key not in self._plans:
            try:
                self._plans[key] = self._planners[asset](self, partition)
            except NOT_PLANNABLE as error:
                self._plans[key] = error
        found = self._plans[key]
        if isinstance(found, Exception):
            raise found
        return found

    def unplannable(self) -> list[Status]:
        """The partitions asked about so far whose plan could not be made (an input without a version)."""
        return [status for status in self._statuses.values() if status.state == UNPLANNABLE]

    def status(self, asset: str, partition: str | None) -> Status:
        key = (asset, partition or "")
        if key not in self._statuses:
            self._statuses[key] = self._status(asset, partition)
        return self._statuses[key]

    def _status(self, asset: str, partition: str | None) -> Status:
        label = partition or UNPARTITIONED
        try:
            plan = self.plan(asset, partition)
        except NOT_PLANNABLE as error:
            return Status(asset, label, UNPLANNABLE, causes=[str(error).split(": materialize")[0][:300]])
        waiting = [f"{s.asset}[{s.partition}]" for s in self._input_statuses(plan) if s.state in (OUTDATED, WAITING)]
        current = self.store.current(asset, partition)
        if waiting:
            return Status(asset, label, WAITING, current and current.version, plan.version, waiting)
        if current is not None and current.version == plan.version:
            return Status(asset, label, CURRENT, current.version, plan.version)
        return Status(asset, label, OUTDATED, current and current.version, plan.version,
                      plan_changes(current, plan) if current else [])

    def _input_statuses(self, plan: StepPlan) -> list[Status]:
        return [self.status(m.asset, None if m.partition == UNPARTITIONED else m.partition) for m in plan.inputs
                if self.plans(m.asset)]
