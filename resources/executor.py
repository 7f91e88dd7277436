"""Which datatrove executor runs the curation pipelines: local (default), Ray or Slurm.

Operational only: the workers and cluster settings go into a manifest's ``operational`` record,
never into its version, so scaling out does not rebuild committed data.
"""

import dataclasses
import os
from typing import Any, ClassVar

from pydantic import Field

from factory.curation.executors import ExecutorSpec
from resources.checked import CheckedResource


class ExecutorResource(CheckedResource):
    """`kind`: local (workers = cores), ray (an existing cluster at `ray_address`, or a local one), slurm."""

    key: ClassVar[str] = "executor"
    planned: ClassVar[bool] = False

    kind: str = Field(default_factory=lambda: os.environ.get("FACTORY_EXECUTOR", "local"),
                      description="local | ray | slurm; default FACTORY_EXECUTOR or local")
    workers: int = Field(default=0, description="parallel tasks; 0 = one per CPU core")
    in_process_below_documents: int = Field(default=1000, description="smaller local inputs run their tasks in process, one by one")
    ray_address: str | None = Field(default=None, description="Ray cluster address; unset starts a local Ray")
    ray_num_cpus: int | None = Field(default=None, description="CPUs of the local Ray (default: workers)")
    ray_object_store_memory: int = Field(default=200_000_000, description="bytes of the local Ray's object store")
    slurm_partition: str = "cpu"
    slurm_time: str = "12:00:00"
    slurm_cpus_per_task: int = 1
    slurm_mem_per_cpu_gb: int = 2
    slurm_venv_path: str | None = None
    slurm_sbatch_args: dict[str, Any] = Field(default_factory=dict, description="extra #SBATCH options, e.g. {account: x}")

    def check_config(self) -> None:  # kind and workers: ExecutorSpec names the bad one
        if self.in_process_below_documents < 0:
            raise ValueError(f"in_process_below_documents must be >= 0, got {self.in_process_below_documents}")
        self.get_spec()

    def get_spec(self) -> ExecutorSpec:
        """Every field is one of ExecutorSpec's (tests/config checks that none is missing)."""
        return ExecutorSpec(**{f.name: getattr(self, f.name) for f in dataclasses.fields(ExecutorSpec)})
