"""Sensors: recipe files become partitions; each (dump, recipe) is requested once per version it would make."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, SkipReason, build_sensor_context

from assets.synthetic_sensors import recipe_sensor, synthetic_sensor
from factory.categories.step import build_category_classifier
from factory.generation import load_recipes
from factory.store import Store
from generation_helpers import write_source
from resources import StoreResource
from resources.synthetic import SyntheticSettingsResource
from support.sensors import sensor_resources

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


def test_each_dump_and_recipe_is_requested_once_per_version_it_would_make(instance, tmp_path, c4_docs):
    root = str(tmp_path / "store")
    store = Store(root)
    instance.add_dynamic_partitions("dumps", ["dump_a", "dump_b"])
    instance.add_dynamic_partitions("recipes", RECIPES + ["wrap_qa"])

    def evaluate(**settings):
        return synthetic_sensor(build_sensor_context(instance=instance, resources=sensor_resources(
            store=StoreResource(root=root), synthetic_settings=SyntheticSettingsResource(recipes=RECIPES, **settings))))

    assert isinstance(evaluate(), SkipReason), "no source version yet: nothing to request"
    first_a = write_source(store, c4_docs[:3], dump="dump_a", classifier=False)
    write_source(store, c4_docs[3:6], dump="dump_b", classifier=False)
    assert isinstance(evaluate(), SkipReason), "no category classifier yet: an input, not built behind Dagster's back"
    build_category_classifier(store)
    first = evaluate()
    keys = sorted((r.tags["factory/dump"], r.tags["factory/recipe"]) for r in first.run_requests)
    assert keys == [(d, r) for d in ("dump_a", "dump_b") for r in RECIPES], "wrap_qa is not among the configured recipes"
    request = next(r for r in first.run_requests if r.tags["factory/dump"] == "dump_a")
    assert request.partition_key.keys_by_dimension == {"dump": "dump_a", "recipe": request.tags["factory/recipe"]}
    assert first_a.version[:12] in request.tags["factory/why"] or "new" in request.tags["factory/why"]

    # Until a run makes it, a partition is requested again under the same run key: the daemon runs it once.
    assert _run_keys(evaluate()) == _run_keys(first)

    write_source(store, c4_docs[:4], dump="dump_a", salt="new crawl")  # a new source version of dump_a only
    second = _run_keys(evaluate())
    changed = {key for key, run_key in second.items() if run_key != _run_keys(first)[key]}
    assert changed == {("dump_a", recipe) for recipe in RECIPES}

    third = _run_keys(evaluate(max_documents=2))  # a setting that changes every version
    assert all(third[key] != second[key] for key in third) and len(third) == 4


def _run_keys(result) -> dict[tuple[str, str], str]:
    return {(r.tags["factory/dump"], r.tags["factory/recipe"]): r.run_key for r in result.run_requests}

