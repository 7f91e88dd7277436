"""Sensors: recipe files become partitions; each (dump, recipe) is requested once per new source version."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, SkipReason, build_sensor_context

from assets.synthetic_sensors import recipe_sensor, synthetic_sensor
from factory.generation import load_recipes
from factory.store import Store
from generation_helpers import write_source
from resources import StoreResource
from resources.synthetic import SyntheticSettingsResource

RECIPES = ["finephrase_faq", "finephrase_tutorial"]


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as instance:
        yield instance


def test_recipe_sensor_adds_a_partition_per_recipe_file_once(instance):
    result = recipe_sensor(build_sensor_context(instance=instance))
    (request,) = result.dynamic_partitions_requests
    assert request.partitions_def_name == "recipes" and sorted(request.partition_keys) == sorted(load_recipes())
    instance.add_dynamic_partitions("recipes", list(request.partition_keys))
    assert isinstance(recipe_sensor(build_sensor_context(instance=instance)), SkipReason)


def test_each_dump_and_recipe_is_requested_once_per_new_source_version(instance, tmp_path, c4_docs):
    root = str(tmp_path / "store")
    store = Store(root)
    instance.add_dynamic_partitions("dumps", ["dump_a", "dump_b"])
    instance.add_dynamic_partitions("recipes", RECIPES + ["wrap_qa"])
    resources = {"store": StoreResource(root=root), "synthetic_settings": SyntheticSettingsResource(recipes=RECIPES)}

    def evaluate(cursor):
        return synthetic_sensor(build_sensor_context(instance=instance, cursor=cursor, resources=resources))

    assert isinstance(evaluate(None), SkipReason), "no source version yet: nothing to request"
    first_a = write_source(store, c4_docs[:3], dump="dump_a")
    write_source(store, c4_docs[3:6], dump="dump_b")
    first = evaluate(None)
    keys = sorted((r.tags["factory/dump"], r.tags["factory/recipe"]) for r in first.run_requests)
    assert keys == [(d, r) for d in ("dump_a", "dump_b") for r in RECIPES], "wrap_qa is not among the configured recipes"
    request = next(r for r in first.run_requests if r.tags["factory/dump"] == "dump_a")
    assert first_a.version in request.run_key and request.tags["factory/source"] == f"deduped@{first_a.version}"
    assert request.partition_key.keys_by_dimension == {"dump": "dump_a", "recipe": request.tags["factory/recipe"]}

    assert isinstance(evaluate(first.cursor), SkipReason), "the same source versions are not requested twice"

    second_a = write_source(store, c4_docs[:4], dump="dump_a", salt="new crawl")
    second = evaluate(first.cursor)
    assert sorted((r.tags["factory/dump"], r.tags["factory/recipe"]) for r in second.run_requests) == [("dump_a", r) for r in RECIPES]
    assert all(second_a.version in r.run_key for r in second.run_requests)
    assert isinstance(evaluate(second.cursor), SkipReason)
