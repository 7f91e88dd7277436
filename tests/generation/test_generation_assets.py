"""The `synthetic` asset through Dagster: a recipe generated behind Dagster Pipes with real vLLM, metadata, checks,
loud failure. (The FAQ recipe behind Pipes also runs in every `make test` in the shipped demo, tests/demo; each
recipe here costs a vLLM load in its worker, about a minute on 2 cores, so this file runs the tutorial recipe.)"""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, materialize

from assets.synthetic import synthetic, synthetic_key
from generation_helpers import DUMP, write_source
from resources import StoreResource
from resources.gpu_launcher import GpuLauncherResource
from resources.synthetic import SyntheticSettingsResource

RECIPES = ["finephrase_faq", "finephrase_tutorial"]  # partitions; the first is the failure test's


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("dumps", [DUMP])
        instance.add_dynamic_partitions("recipes", RECIPES)
        yield instance


def run(instance, root, generator, recipe, **settings):
    resources = {"store": StoreResource(root=root), "generator": generator, "gpu_launcher": GpuLauncherResource(),
                 "synthetic_settings": SyntheticSettingsResource(**{"max_documents": 3, "chunk_size": 2, "max_tokens": 48, "empty_min_words": 3,
                                                                   "truncated": "trim", **settings})}
    return materialize([synthetic], partition_key=synthetic_key(DUMP, recipe), resources=resources, instance=instance,
                       raise_on_error=False)


@pytest.mark.slow
def test_a_recipe_materializes_behind_pipes_with_diversity_metadata_and_checks(instance, tmp_path, c4_docs, smollm2_dir):
    from factory.store import Store
    from resources.generator import GeneratorResource, loaded_engines

    root = str(tmp_path / "store")
    write_source(Store(root), c4_docs[:8])
    vllm_resource = GeneratorResource(backend="vllm", model=str(smollm2_dir))
    engines_before = loaded_engines()
    recipe = "finephrase_tutorial"
    # Three 48-token tutorials: the gate is off (scored, not gated) so that a kept output is certain; the demo runs it on.
    result = run(instance, root, vllm_resource, recipe, unfaithful_min_score=None)
    assert result.success, recipe
    (materialization,) = result.asset_materializations_for_node("synthetic")
    meta = materialization.metadata
    assert meta["recipe"].value == f"{recipe}@v1" and meta["backend"].value == "vllm"
    assert meta["model"].value.startswith("SmolLM2-135M-Instruct@") and meta["tokens_out"].value > 0
    assert meta["tokens_per_s"].value > 0 and "cpu" in meta["accelerator_hours"].value
    assert meta["count/requests"].value == 3
    diversity = meta["diversity"].value
    assert diversity["outputs"] == meta["count/accepted"].value
    assert 0.0 <= diversity["same_first_sentence_share"] <= 1.0 and 0 < diversity["distinct_2"] <= 1.0
    assert meta["samples"].value.startswith("**Sample 1**")
    tagged = {r.data["category"]: r.data["documents"] for r in meta["categories"].records}
    assert sum(tagged.values()) == meta["count/accepted"].value, "every kept output has a category"
    assert "category_chart" in meta
    assert 0.0 < meta["faithfulness_mean"].value <= 1.0 and meta["unfaithful_share"].value == 0.0
    assert meta["faithfulness_threshold"].value == "off" and "data:image/png;base64," in meta["faithfulness_chart"].value
    assert "Source (opening):" in meta["least_faithful_kept"].value
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {"accepted_outputs", "diversity"}
    assert evaluations["accepted_outputs"].passed
    assert meta["store_version"].value and meta["content_hash"].value  # reported by the worker through Pipes
    assert loaded_engines() == engines_before, "the engine ran in the worker process, not in the run's"


@pytest.mark.slow
def test_an_all_rejected_partition_fails_its_check_and_its_run(instance, tmp_path, c4_docs, smollm2_dir):
    from factory.store import Store
    from resources.generator import GeneratorResource

    # The failure path does not depend on the engine: transformers loads in seconds where vLLM takes about 40 (the
    # test above runs vLLM behind Pipes).
    generator = GeneratorResource(backend="transformers", model=str(smollm2_dir))
    root = str(tmp_path / "store")
    write_source(Store(root), c4_docs[:3])
    result = run(instance, root, generator, "finephrase_faq", max_tokens=16, truncated="reject", empty_min_words=10_000)
    assert not result.success
    failure = result.failure_data_for_node("synthetic").error
    assert "all 3 outputs were rejected" in failure.message and "loosen the thresholds" in failure.message
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == "accepted_outputs" and not evaluation.passed
    assert result.asset_materializations_for_node("synthetic") == []
