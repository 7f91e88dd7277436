"""`quality_annotations` with the LLM annotator: the real SmolLM2 grades a bottom-hash sample of a dump's documents
behind Dagster Pipes (transformers backend, the quickest to load here), every answer kept, parsed or not."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, materialize

from assets.quality import quality_annotations
from factory.store import Store
from resources import StoreResource
from resources.generator import GeneratorResource
from resources.gpu_launcher import GpuLauncherResource
from resources.quality import QualitySettingsResource
from tests.mixing.helpers import c4_texts, write_documents

SAMPLE = 3


@pytest.mark.slow
def test_llm_grades_a_sample_through_pipes_and_keeps_every_answer(tmp_path, shared_data, smollm2_dir):
    store_root = str(tmp_path / "store")
    store = Store(store_root)
    write_documents(store, "deduped", {"dump": "c4"}, c4_texts(shared_data, 8), tag="c4")
    resources = {
        "store": StoreResource(root=store_root), "gpu_launcher": GpuLauncherResource(),
        "generator": GeneratorResource(backend="transformers", model=str(smollm2_dir)),
        "quality_settings": QualitySettingsResource(annotator="llm", sample_documents=SAMPLE, max_chars=600),
    }
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("dumps", ["c4"])
        result = materialize([quality_annotations], resources=resources, instance=instance)
        assert result.success
        again = materialize([quality_annotations], resources=resources, instance=instance)
    manifest = store.require_current("quality_annotations", None)
    rows = store.read_table(manifest, "annotations").to_pylist()
    assert len(rows) == SAMPLE and len({row["id"] for row in rows}) == SAMPLE
    assert all(row["answer"] for row in rows), "every answer is stored, parsed or not"
    assert all((row["score"] is None) == (row["how"] == "unparseable") for row in rows)
    assert manifest.counts["unparseable"] == sum(row["score"] is None for row in rows)
    assert manifest.config["model"]["sha256"] and manifest.config["prompt"]["name"] == "edu_score"
    assert [ref.asset for ref in manifest.inputs] == ["deduped"]
    assert again.asset_materializations_for_node("quality_annotations")[0].metadata["reused_committed_version"].value
