"""What each step would make now: its plan from the current settings, code and input versions, without running it.

A partition is *outdated* when the version its step would make now differs from its current one (a
setting, the code version, a deciding library or an input changed), and *waiting* when one of its
inputs is outdated: rebuilding it before its inputs would make a version that is stale on arrival.
The sensors request exactly the outdated partitions that are not waiting, keyed by the version they
will make (so each is requested once); the staleness checks report both with the cause. The sensors,
the demo, the UI's checks and `factory` all build their plans here, from the same resources.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from factory import settings
from factory.audit.diff import plan_changes
from factory.categories.step import plan_classifier as plan_category_classifier
from factory.crawl.sources import chunk_keys
from factory.curation.step import plan_chunk as plan_filtered
from factory.decontamination.step import plan_index
from factory.dedup.step import plan_dump as plan_deduped
from factory.evaluation.leaderboard import plan_leaderboard
from factory.evaluation.step import plan_evaluation
from factory.generation import RecipeError, load_recipe
from factory.generation.step import plan_partition as plan_synthetic
from factory.mixing import MixRecipeError
from factory.mixing.step import plan_version as plan_mixed
from factory.quality.annotations_step import plan_annotations
from factory.quality.classifier_step import plan_classifier as plan_quality_classifier
from factory.quality.edu_filtered_step import plan_filter as plan_edu_filtered
from factory.quality.scores_step import plan_scores
from factory.semantic_dedup.step import plan_dump as plan_semantic_deduped
from factory.step_registry import registered_steps
from factory.steps import StepPlan
from factory.store import Store
from factory.store.partitions import UNPARTITIONED, parse_partition

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
PLANNER_RESOURCES = {"store", "curation_settings", "category_settings", "quality_settings", "semantic_dedup", "generator",
                     "synthetic_settings", "mix_recipes", "trainer", "evaluator", "decisions", "decontamination"}


class Planner:
    """Plans and statuses of every step's partitions from one set of resources (the Definitions')."""

    # Every registered step but raw_crawl, whose version is named by the crawl's listing (the crawl sensor's discovery
    # owns it); each has its method ``_<asset>`` below.
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
        self._planners: dict[str, Callable[[str], StepPlan]] = {asset: getattr(self, f"_{asset}") for asset in self.PLANNED}

    def plans(self, asset: str) -> bool:
        return asset in self._planners

    def plan(self, asset: str, partition: str | None) -> StepPlan:
        """The plan of ``asset[partition]`` (a store partition label, None when unpartitioned); raises when it
        cannot be made yet (an input has no version)."""
        key = (asset, partition or "")
        if key not in self._plans:
            try:
                self._plans[key] = self._planners[asset](partition)
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

    # -- one planner per step, from the same resources the assets run with ----------------------------------
    def _filtered(self, partition: str) -> StepPlan:
        keys = _keys(partition)
        return plan_filtered(self.store, keys["dump"], keys["chunk"], self.resources["curation_settings"].get_config())

    def _deduped(self, partition: str) -> StepPlan:
        return plan_deduped(self.store, _keys(partition)["dump"], chunk_keys(settings.chunk_count()),
                            self.resources["curation_settings"].get_dedup_config())

    def _category_classifier(self, partition: None) -> StepPlan:
        return plan_category_classifier(self.resources["category_settings"].get_config())

    def _quality_annotations(self, partition: None) -> StepPlan:
        dumps = [p.split("=", 1)[1] for p in self.store.partitions(self.resources["quality_settings"].annotation_config().source_asset)]
        return plan_annotations(self.store, self.resources["quality_settings"].annotation_config(), dumps,
                                self.resources["generator"].generator_config())

    def _quality_classifier(self, partition: None) -> StepPlan:
        return plan_quality_classifier(self.store, self.resources["quality_settings"].classifier_config())

    def _quality_scores(self, partition: str) -> StepPlan:
        classifier = self.store.require_current("quality_classifier", None)
        return plan_scores(self.store, _keys(partition)["dump"], classifier, self.resources["quality_settings"].source_asset)

    def _edu_filtered(self, partition: str) -> StepPlan:
        return plan_edu_filtered(self.store, _keys(partition)["dump"], self.resources["quality_settings"].threshold)

    def _semantic_deduped(self, partition: str) -> StepPlan:
        return plan_semantic_deduped(self.store, _keys(partition)["dump"], self.resources["semantic_dedup"].get_config())

    def _synthetic(self, partition: str) -> StepPlan:
        keys = _keys(partition)
        return plan_synthetic(self.store, keys["dump"], load_recipe(keys["recipe"]),
                              self.resources["synthetic_settings"].step_config(),
                              self.resources["generator"].generator_config())

    def _mixed(self, partition: str) -> StepPlan:
        recipes = self.resources["mix_recipes"].load()
        if partition not in recipes:
            raise LookupError(f"mix {partition!r} has no recipe file")
        return plan_mixed(self.store, recipes[partition], decontamination=self.resources["decontamination"].get_config())

    def _contamination_index(self, partition: None) -> StepPlan:
        return plan_index(self.resources["evaluator"].get_config(), self.resources["decontamination"].get_config())

    def _proxy_model(self, partition: str) -> StepPlan:
        from factory.training.step import plan_proxy

        return plan_proxy(self.store, partition, self.resources["trainer"].get_config())

    def _proxy_eval(self, partition: str) -> StepPlan:
        return plan_evaluation(self.store, partition, self.resources["evaluator"].get_config())

    def _leaderboard(self, partition: None) -> StepPlan:
        recipes = self.resources["mix_recipes"].load()
        roles = {name: recipe.role for name, recipe in recipes.items()}
        known = {name: recipe.known_better_than for name, recipe in recipes.items() if recipe.known_better_than}
        return plan_leaderboard(self.store, roles, config=self.resources["decisions"].get_config(), known_better=known)


def _keys(partition: str) -> dict[str, str]:
    """``dump=X/chunk=Y`` (a store partition label) as {"dump": X, "chunk": Y}; a bare key ``X`` as {"dump": X}."""
    parsed = parse_partition(partition)
    return dict(parsed) if isinstance(parsed, dict) else {"dump": parsed}

