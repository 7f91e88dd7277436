"""Where the GPU steps (generation, training) run: the same ``python -m workers.<step>`` command behind
Dagster Pipes, in a local subprocess (the embedded default), a Kubernetes pod with GPUs, or an ECS task.

The asset never runs the GPU work in its own process: it launches the command, Pipes carries the
extras in and the materialization (data version, store version, metrics) and logs back. Store
credentials reach the command through the environment (the pod's or task's secrets on a cluster),
never through the extras.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any, ClassVar

from dagster import PreviewWarning
from pydantic import Field

from resources.checked import CheckedResource

# Dagster's own Pipes session calls a preview API of itself on every launch: its warning is not ours to act on.
warnings.filterwarnings("ignore", message=".*expected_writer_count.*", category=PreviewWarning)

KINDS = ("subprocess", "k8s", "ecs")
# Passed on to a local subprocess (it inherits the rest of the environment anyway; listed for k8s/ECS docs).
STORE_ENVIRONMENT = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "FACTORY_S3_ENDPOINT")


class GpuLauncherResource(CheckedResource):
    key: ClassVar[str] = "gpu_launcher"
    planned: ClassVar[bool] = False

    kind: str = Field(default="subprocess", description="subprocess (this machine), k8s (a GPU pod) or ecs (an ECS task)")
    gpus: int = Field(default=1, description="GPUs each launched step asks for (k8s: nvidia.com/gpu)")
    image: str | None = Field(default=None, description="k8s: the factory's GPU image")
    namespace: str | None = Field(default=None, description="k8s: namespace of the pods")
    node_selector: dict[str, str] = Field(default_factory=dict, description="k8s: e.g. {'nvidia.com/gpu.product': 'H100'}")
    ecs_cluster: str | None = Field(default=None, description="ecs: cluster name or ARN")
    ecs_task_definition: str | None = Field(default=None, description="ecs: a task definition with a GPU container")
    ecs_container: str = Field(default="factory", description="ecs: the container that runs the command")

    def check_config(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r} is unknown: choose one of {list(KINDS)} (FACTORY_GPU_LAUNCHER)")
        if self.gpus < 0:
            raise ValueError(f"gpus must be >= 0, got {self.gpus}")
        if self.kind == "k8s" and not self.image:
            raise ValueError("kind 'k8s' needs image, the factory's GPU image (FACTORY_IMAGE)")
        if self.kind == "ecs" and not (self.ecs_cluster and self.ecs_task_definition):
            raise ValueError("kind 'ecs' needs ecs_cluster and ecs_task_definition")

    def command(self, module: str) -> list[str]:
        python = sys.executable if self.kind == "subprocess" else "python"
        return [python, "-m", module]

    def pod_spec(self) -> dict[str, Any]:
        """The pod's GPU request (and node selector): the step's container asks for ``gpus`` GPUs."""
        spec: dict[str, Any] = {"containers": [{"resources": {"limits": {"nvidia.com/gpu": self.gpus}}}],
                                "restartPolicy": "Never"}
        if self.node_selector:
            spec["nodeSelector"] = dict(self.node_selector)
        return spec

    def run_task_params(self, module: str) -> dict[str, Any]:
        if not (self.ecs_cluster and self.ecs_task_definition):
            raise ValueError("gpu_launcher kind 'ecs' needs ecs_cluster and ecs_task_definition")
        return {"cluster": self.ecs_cluster, "taskDefinition": self.ecs_task_definition, "count": 1,
                "overrides": {"containerOverrides": [{"name": self.ecs_container, "command": self.command(module)}]}}

    def run(self, context, module: str, extras: dict[str, Any], env: dict[str, str] | None = None):
        """Launch ``python -m module`` and wait; returns the Pipes invocation (``get_materialize_result()``).

        ``env``: secrets for a local subprocess (e.g. ``GeneratorResource.worker_env()``), passed in its
        environment, never in the extras; a pod or task takes its secrets from its own spec instead."""
        if self.kind not in KINDS:
            raise ValueError(f"gpu_launcher kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "subprocess":
            from dagster import PipesSubprocessClient

            return PipesSubprocessClient().run(context=context, command=self.command(module), extras=extras,
                                               env={**{key: os.environ[key] for key in STORE_ENVIRONMENT if key in os.environ},
                                                    **(env or {})})
        if self.kind == "k8s":
            from dagster_k8s import PipesK8sClient

            if not self.image:
                raise ValueError("gpu_launcher kind 'k8s' needs image: the factory's GPU image")
            return PipesK8sClient().run(context=context, image=self.image, command=self.command(module), extras=extras,
                                        namespace=self.namespace, base_pod_spec=self.pod_spec())
        from dagster_aws.pipes import PipesECSClient

        return PipesECSClient().run(context=context, run_task_params=self.run_task_params(module), extras=extras)
