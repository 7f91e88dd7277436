"""The step contract: a ``Step`` declares what decides its versions, a ``StepPlan`` is one version's identity
gathered without running anything, and ``run_step`` reuses or builds it.

Every step module declares ``STEP = Step("asset", code_version="N", libraries=(...))`` with literal
arguments (``factory.step_registry`` reads them without importing the module) and a ``plan_*`` function
that reads only the current versions of its inputs. The same plan serves the run (``run_step``: reuse
the committed version, or build and commit it) and everything that asks "what would this step make
now?" without running it: the sensors, the staleness checks, ``factory lineage``. A version is the
hash of the plan; operational settings go to the writer, never into the plan.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from factory.store import Manifest, Store, VersionWriter
from factory.store.manifest import InputRef, SourceFile
from factory.store.packages import installed
from factory.store.partitions import Partition, partition_label
from factory.store.versioning import compute_version

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """A step's declaration: the asset it makes, its code version (bump it whenever the output changes) and the
    libraries whose upgrade can change the output (their installed versions are part of every version)."""

    asset: str
    code_version: str
    libraries: tuple[str, ...] = ()

    def plan(self, partition: Partition, config: dict[str, Any], inputs: Sequence[Manifest] = (),
             sources: Sequence[SourceFile] = ()) -> StepPlan:
        return StepPlan(self, partition, config, tuple(inputs), tuple(sources))


@dataclass(frozen=True)
class StepPlan:
    """Everything that decides one version of a step: the partition, the versioned config, the input versions, the
    external source files. Cheap to build (manifests only), so "is this partition stale?" never runs the step."""

    step: Step
    partition: Partition
    config: dict[str, Any]
    inputs: tuple[Manifest, ...] = ()
    sources: tuple[SourceFile, ...] = ()
    libraries: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "libraries", installed(self.step.libraries))

    @property
    def asset(self) -> str:
        return self.step.asset

    @property
    def label(self) -> str:
        return partition_label(self.partition)

    @property
    def input_refs(self) -> list[InputRef]:
        return [input_ref(manifest) for manifest in self.inputs]

    @property
    def version(self) -> str:
        return compute_version(self.asset, self.step.code_version, self.config, self.input_refs, self.sources,
                               self.libraries)

    def writer(self, store: Store, *, operational: dict[str, Any] | None = None, run_id: str | None = None) -> VersionWriter:
        return VersionWriter(store, self.asset, self.label, self.version, code_version=self.step.code_version,
                             config=self.config, inputs=self.input_refs, sources=self.sources, operational=operational,
                             run_id=run_id, libraries=self.libraries)


@dataclass(frozen=True)
class StepResult:
    manifest: Manifest
    reused: bool
    # Display-only figures for the orchestrator (tables, samples); the manifest holds the record.
    metadata: dict[str, Any] = field(default_factory=dict)


Build = Callable[[VersionWriter], "Manifest | StepResult"]


def run_step(store: Store, plan: StepPlan, build: Build, *, operational: dict[str, Any] | None = None,
             run_id: str | None = None) -> StepResult:
    """The plan's version: reused when committed (no work, no write), else built by ``build(writer)``, which commits
    it. Either way the partition's current pointer names it."""
    writer = plan.writer(store, operational=operational, run_id=run_id)
    if reused := reuse_committed(store, writer):
        log.info("%s[%s]: reusing %s", plan.asset, plan.label, reused.manifest.version)
        return reused
    made = build(writer)
    return made if isinstance(made, StepResult) else StepResult(made, reused=False)


def reuse_committed(store: Store, writer: VersionWriter) -> StepResult | None:
    """The committed version this writer would produce, made current; None if it must be built."""
    manifest = writer.committed
    if manifest is None:
        return None
    store.set_current(manifest)
    return StepResult(manifest, reused=True)


def input_ref(manifest: Manifest) -> InputRef:
    return InputRef(manifest.asset, manifest.partition, manifest.version, manifest.uri, manifest.content_hash)
