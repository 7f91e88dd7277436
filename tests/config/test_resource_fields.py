"""A resource that mirrors a domain config must offer every one of its fields: a field the resource lacks cannot be set
from factory.yaml or the UI, and that drift went unnoticed before (executor: ray_object_store_memory, slurm_sbatch_args;
generator: gpu_memory_utilization, enforce_eager, request_timeout_s)."""

from __future__ import annotations

import dataclasses

import pytest

from factory.curation.executors import ExecutorSpec
from factory.generation import GeneratorConfig
from resources.executor import ExecutorResource
from resources.generator import GeneratorResource


@pytest.mark.parametrize(("resource", "config"), [(ExecutorResource, ExecutorSpec), (GeneratorResource, GeneratorConfig)])
def test_the_resource_offers_every_field_of_its_config(resource, config):
    missing = {f.name for f in dataclasses.fields(config)} - set(resource.model_fields)
    assert not missing, f"{resource.__name__} lacks {sorted(missing)} of {config.__name__}"


def test_every_offered_field_reaches_the_config():
    spec = ExecutorResource(ray_object_store_memory=1_000_000, slurm_sbatch_args={"account": "lab"}).get_spec()
    assert (spec.ray_object_store_memory, spec.slurm_sbatch_args) == (1_000_000, {"account": "lab"})
    engine = GeneratorResource(model="m", gpu_memory_utilization=0.5, enforce_eager=True, request_timeout_s=30).generator_config()
    assert (engine.gpu_memory_utilization, engine.enforce_eager, engine.request_timeout_s) == (0.5, True, 30)
    with pytest.raises(ValueError, match="gpu_memory_utilization must be in"):
        GeneratorResource(model="m", gpu_memory_utilization=1.5).check_config()
