"""Which datatrove executor runs a pipeline: local (default), Ray or Slurm, from one spec.

The steps never see the executor: the same list of pipeline steps runs on all three. The spec
is operational (how many workers, which cluster), never part of a version: changing it cannot
change what a step writes, because every step sorts its output by record order.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger(__name__)
KINDS = ("local", "ray", "slurm")


class ExecutorError(RuntimeError):
    """A pipeline whose tasks did not all complete, or an executor that cannot start."""


@dataclass(frozen=True)
class ExecutorSpec:
    kind: str = "local"
    workers: int = 0  # 0: one per CPU core
    # Below this many input documents a local pipeline runs its tasks one after another in process
    # (no worker start-up, filters loaded once); the tasks and their outputs are the same.
    in_process_below_documents: int = 1000
    ray_address: str | None = None  # None: start a local Ray with ray_num_cpus
    ray_num_cpus: int | None = None
    ray_object_store_memory: int = 200_000_000
    slurm_partition: str = "cpu"
    slurm_time: str = "12:00:00"
    slurm_cpus_per_task: int = 1
    slurm_mem_per_cpu_gb: int = 2
    slurm_venv_path: str | None = None
    slurm_sbatch_args: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"executor kind must be one of {KINDS}, got {self.kind!r}")
        if self.workers < 0:
            raise ValueError(f"executor workers must be >= 0 (0 = one per core), got {self.workers}")

    @property
    def parallelism(self) -> int:
        return self.workers or os.cpu_count() or 1

    def runs_in_process(self, documents: int | None) -> bool:
        """Whether a local pipeline over ``documents`` inputs is too small to be worth worker processes."""
        return self.kind == "local" and documents is not None and documents < self.in_process_below_documents

    def operational(self) -> dict[str, Any]:
        """What the manifest records about how a version was run (never part of the version)."""
        relevant = {key: value for key, value in asdict(self).items()
                    if not key.startswith(("ray_", "slurm_")) or key.startswith(f"{self.kind}_")}
        return {f"executor_{key}": value for key, value in relevant.items() if value not in (None, {}, ())}

    def build(self, pipeline: list, tasks: int, logging_dir, depends=None, job_name: str = "factory",
              in_process: bool = False):
        """A datatrove executor for ``pipeline`` split into ``tasks`` tasks; ``logging_dir`` may be in the store."""
        if self.kind == "local":
            from datatrove.executor import LocalPipelineExecutor

            workers = 1 if tasks == 1 or in_process else min(self.parallelism, tasks)
            return LocalPipelineExecutor(pipeline, tasks=tasks, workers=workers, logging_dir=logging_dir, depends=depends)
        if self.kind == "ray":
            from datatrove.executor.ray import RayPipelineExecutor

            self._ensure_ray()
            return RayPipelineExecutor(
                pipeline, tasks=tasks, workers=self.parallelism, logging_dir=logging_dir, depends=depends,
                mem_per_cpu_gb=0.5,
            )
        from datatrove.executor import SlurmPipelineExecutor

        return SlurmPipelineExecutor(
            pipeline, tasks=tasks, time=self.slurm_time, partition=self.slurm_partition, logging_dir=logging_dir,
            cpus_per_task=self.slurm_cpus_per_task, mem_per_cpu_gb=self.slurm_mem_per_cpu_gb, workers=self.workers or -1,
            job_name=job_name, venv_path=self.slurm_venv_path, sbatch_args=dict(self.slurm_sbatch_args) or None,
            depends=depends,
        )

    def _ensure_ray(self) -> None:
        import ray

        if ray.is_initialized():
            return
        if self.ray_address:
            ray.init(address=self.ray_address)
            return
        log.info("starting a local Ray with %d CPUs", self.ray_num_cpus or self.parallelism)
        ray.init(
            num_cpus=self.ray_num_cpus or self.parallelism, include_dashboard=False,
            object_store_memory=self.ray_object_store_memory, _node_ip_address="127.0.0.1",
            log_to_driver=False,
        )


def run_stages(stages: list, what: str) -> None:
    """Run dependent stages in order, each to completion, so a failed stage stops the chain loudly.

    Slurm gets the chain as one submission (each stage ``depends`` on the one before, as datatrove
    does it); local and Ray stages run one after another here: datatrove's own waiting on a
    dependency would wait forever on a Ray stage whose task failed."""
    from datatrove.executor import SlurmPipelineExecutor

    if not stages:
        return
    if isinstance(stages[-1], SlurmPipelineExecutor):
        for before, after in zip(stages, stages[1:]):
            after.depends = before
        run_to_completion(stages[-1], what)
        return
    for stage in stages:
        run_to_completion(stage, what)


def run_to_completion(executor, what: str) -> None:
    """Run ``executor`` (and what it depends on); raise if any task did not complete."""
    executor.run()
    if getattr(executor, "job_id", None) is not None:  # Slurm: submitted, finishes later
        raise ExecutorError(
            f"{what}: submitted to Slurm as job {executor.job_id}; materialize again once it finishes "
            "(completed tasks are skipped)"
        )
    chain = []
    while executor is not None:
        chain.append(executor)
        executor = getattr(executor, "depends", None)
    for stage in chain:
        incomplete = stage.get_incomplete_ranks(range(stage.world_size))
        if incomplete:
            raise ExecutorError(
                f"{what}: {len(incomplete)} of {stage.world_size} datatrove tasks failed (ranks {incomplete[:10]}); "
                f"see the logs under {stage.logging_dir.path}, fix the cause and materialize again "
                "(completed tasks are kept and skipped)"
            )


def stage_totals(store, logging_dir: str) -> dict[str, float]:
    """A stage's counters summed over its steps and tasks ({} if it did not run), from each task's own
    ``stats/<rank>.json``: datatrove's merged ``stats.json`` covers only the tasks of the last execution, so
    after a resumed run it would leave out every task completed before the interruption."""
    import json

    totals: dict[str, float] = {}
    for path in store.glob(f"{logging_dir}/stats/*.json"):
        for step in json.loads(store.get(path)):
            for key, value in step.get("stats", {}).items():
                totals[key] = totals.get(key, 0) + (value.get("total", 0) if isinstance(value, dict) else value)
    return totals
