"""The GPU launcher's production paths, config-tested: a Kubernetes pod that asks for GPUs, an ECS task
that runs the same command (neither cluster can run here; the subprocess path runs in the proxy tests)."""

from __future__ import annotations

import sys

import pytest

from resources.gpu_launcher import GpuLauncherResource


def test_subprocess_runs_the_worker_module_with_this_python():
    assert GpuLauncherResource().command("workers.train_proxy") == [sys.executable, "-m", "workers.train_proxy"]


def test_k8s_pod_asks_for_its_gpus_on_the_selected_nodes():
    launcher = GpuLauncherResource(kind="k8s", gpus=8, image="factory:gpu", node_selector={"nvidia.com/gpu.product": "H100"})
    spec = launcher.pod_spec()
    assert spec["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu": 8}
    assert spec["nodeSelector"] == {"nvidia.com/gpu.product": "H100"} and spec["restartPolicy"] == "Never"
    assert launcher.command("workers.train_proxy") == ["python", "-m", "workers.train_proxy"]


def test_k8s_pod_spec_is_accepted_by_dagster_k8s():
    from dagster_k8s.client import DagsterKubernetesClient  # noqa: F401 - the package that runs it is installed
    from dagster_k8s.pipes import build_pod_body

    launcher = GpuLauncherResource(kind="k8s", gpus=2, image="factory:gpu")
    body = build_pod_body(pod_name="factory-train", image=launcher.image, command=launcher.command("workers.train_proxy"),
                          env_vars={}, base_pod_meta=None, base_pod_spec=launcher.pod_spec())
    container = body.spec.containers[0]
    assert container.resources.limits == {"nvidia.com/gpu": "2"} and container.image == "factory:gpu"


def test_ecs_task_overrides_the_container_command():
    launcher = GpuLauncherResource(kind="ecs", ecs_cluster="gpu", ecs_task_definition="factory-gpu:3")
    params = launcher.run_task_params("workers.train_proxy")
    assert params["taskDefinition"] == "factory-gpu:3"
    assert params["overrides"]["containerOverrides"] == [{"name": "factory", "command": ["python", "-m", "workers.train_proxy"]}]
    with pytest.raises(ValueError, match="ecs_cluster"):
        GpuLauncherResource(kind="ecs").run_task_params("workers.train_proxy")
