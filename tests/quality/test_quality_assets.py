"""The quality chain through Dagster on real pages: category classifier -> filtered (tagged) -> deduped ->
annotations (a labelled set) -> quality classifier -> scores -> edu_filtered -> a mix of it, each showing its
category mix; the scores are an attribute dataset aligned with the documents, and reruns reuse every version."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance, MultiPartitionKey, build_sensor_context, materialize

from assets.crawl import raw_crawl
from assets.curation import deduped, filtered
from assets.decontamination import contamination_index
from assets.proxy import mixed
from assets.quality import (
    category_classifier,
    edu_filtered,
    quality_annotations,
    quality_classifier,
    quality_scores,
    semantic_deduped,
)
from assets.quality_sensors import quality_sensor
from factory import settings
from factory.categories.taxonomy import CATEGORIES
from factory.crawl.sources import chunk_keys
from factory.store import Store
from resources import CrawlResource, StoreResource
from resources.curation import CurationResource
from resources.decontamination import DecontaminationResource
from resources.evaluator import EvaluatorResource
from resources.executor import ExecutorResource
from resources.generator import GeneratorResource
from resources.gpu_launcher import GpuLauncherResource
from resources.quality import DCLM_AGREEMENT, CategorySettingsResource, QualitySettingsResource, SemanticDedupResource
from resources.trainer import MixRecipesResource
from support.sensors import requested, sensor_resources
from tests.mixing.helpers import write_recipe

DUMP = "wget"


@pytest.fixture
def crawl_dir(web_data, tmp_path):
    """One dump of real English pages fetched by wget (two WARC files)."""
    folder = tmp_path / "crawl" / DUMP
    folder.mkdir(parents=True)
    for name in ("sample-0000.warc.gz", "sample-0001.warc.gz"):
        (folder / name).symlink_to(web_data / "dolma" / name)
    return tmp_path / "crawl"


def _resources(store_root: str, crawl_dir, mixes) -> dict:
    return {
        "store": StoreResource(root=store_root), "crawl": CrawlResource(source=str(crawl_dir)),
        "curation_settings": CurationResource(), "executor": ExecutorResource(workers=1),
        "category_settings": CategorySettingsResource(), "generator": GeneratorResource(), "gpu_launcher": GpuLauncherResource(),
        # DCLM's human labels, graded 0 or 4: a real labelled set in place of the (weak) local annotator.
        "quality_settings": QualitySettingsResource(annotator="labelled_set", labelled_set={"path": DCLM_AGREEMENT}),
        "mix_recipes": MixRecipesResource(folder=str(mixes)),
        "semantic_dedup": SemanticDedupResource(settings={"clusters": 4, "max_tokens": 64}),
        "evaluator": EvaluatorResource(), "decontamination": DecontaminationResource(),
    }


def _metadata(result, asset: str) -> dict:
    return result.asset_materializations_for_node(asset)[0].metadata


def _categories(meta) -> dict[str, dict]:
    return {record.data["category"]: record.data for record in meta["categories"].records}


@pytest.mark.slow
def test_quality_chain_tags_scores_filters_and_mixes_with_category_metadata(tmp_path, crawl_dir):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("dumps", [DUMP])
    instance.add_dynamic_partitions("mixes", ["edu"])
    mixes = tmp_path / "mixes"
    write_recipe(mixes, "edu", "total_tokens: 20000\nmax_repeats: 4\nseed: 0\nsources:\n"
                               "  - {asset: edu_filtered, partitions: ['*'], weight: 1.0}\n")
    store_root = str(tmp_path / "store")
    resources = _resources(store_root, crawl_dir, mixes)

    trained = materialize([category_classifier], resources=resources, instance=instance)
    classifier_meta = _metadata(trained, "category_classifier")
    assert classifier_meta["heldout_accuracy"].value > 0.45  # 8 categories; the majority class is ~0.3
    for chunk in chunk_keys(settings.chunk_count()):
        assert materialize([raw_crawl, filtered], partition_key=MultiPartitionKey({"dump": DUMP, "chunk": chunk}),
                           resources=resources, instance=instance).success
    store = Store(store_root)
    kept = [m for m in (store.current("filtered", {"dump": DUMP, "chunk": c}) for c in chunk_keys(settings.chunk_count()))
            if m is not None and m.counts["documents"]]
    assert kept, "the wget pages keep documents"
    for manifest in kept:
        assert sum(manifest.stats["categories"]["documents"].values()) == manifest.counts["documents"]
        assert set(manifest.stats["categories"]["documents"]) <= set(CATEGORIES)
        assert any(ref.asset == "category_classifier" for ref in manifest.inputs)
    filtered_meta = [m.asset_materialization.metadata for m in instance.fetch_materializations(filtered.key, limit=20).records]
    assert any("category_chart" in meta and _categories(meta) for meta in filtered_meta)

    dedup = materialize([deduped], partition_key=DUMP, resources=resources, instance=instance)
    dedup_meta = _metadata(dedup, "deduped")
    assert sum(row["documents"] for row in _categories(dedup_meta).values()) == dedup_meta["count/documents"].value

    model = materialize([quality_annotations, quality_classifier], resources=resources, instance=instance)
    classifier_meta = _metadata(model, "quality_classifier")
    assert classifier_meta["human_labels_auc"].value > 0.65  # held out: the majority pages not among the annotations
    assert classifier_meta["heldout_f1_at_3"].value is not None

    sensor = quality_sensor(build_sensor_context(instance=instance, resources=sensor_resources(**resources)))
    assert requested(sensor) == [DUMP]
    scored = materialize([quality_scores, edu_filtered], partition_key=DUMP, resources=resources, instance=instance)
    assert requested(quality_sensor(build_sensor_context(instance=instance, resources=sensor_resources(**resources)))) == []
    edu_meta = _metadata(scored, "edu_filtered")
    docs_in, docs = edu_meta["count/documents_in"].value, edu_meta["count/documents"].value
    assert docs + edu_meta["count/removed_edu_score"].value == docs_in == dedup_meta["count/documents"].value
    assert sum(row["documents"] for row in _categories(edu_meta).values()) == docs
    _assert_scores_aligned(store)

    semantic = _metadata(materialize([semantic_deduped], partition_key=DUMP, resources=resources, instance=instance),
                         "semantic_deduped")
    assert semantic["count/documents"].value + semantic["count/removed_semantic"].value == dedup_meta["count/documents"].value

    assert materialize([contamination_index], resources=resources, instance=instance).success  # every mix reads it
    mix = materialize([mixed], partition_key="edu", resources=resources, instance=instance)
    mix_meta = _metadata(mix, "mixed")
    assert sum(row["tokens"] for row in _categories(mix_meta).values()) > 0

    again = materialize([quality_annotations, quality_classifier], resources=resources, instance=instance)
    reused = [e.event_specific_data.materialization.metadata["reused_committed_version"].value
              for e in again.get_asset_materialization_events()]
    assert reused == [True, True]


def _assert_scores_aligned(store: Store) -> None:
    """Attribute shard i lists deduped shard i's documents in order; edu_filtered kept exactly those scored >= 3."""
    documents = store.require_current("deduped", {"dump": DUMP})
    scores = store.require_current("quality_scores", {"dump": DUMP})
    kept = store.require_current("edu_filtered", {"dump": DUMP})
    base = store.version_dir
    doc_ids = [pq.read_table(f"{base(documents.asset, documents.partition, documents.version)}/{f.path}", columns=["id"])
               .column("id").to_pylist() for f in documents.files_under("documents")]
    score_rows = [pq.read_table(f"{base(scores.asset, scores.partition, scores.version)}/{f.path}").to_pylist()
                  for f in scores.files_under("attributes")]
    assert [[row["id"] for row in shard] for shard in score_rows] == doc_ids
    expected = {row["id"] for shard in score_rows for row in shard if row["edu_int"] >= 3}
    kept_rows = [row for f in kept.files_under("documents")
                 for row in pq.read_table(f"{base(kept.asset, kept.partition, kept.version)}/{f.path}").to_pylist()]
    assert {row["id"] for row in kept_rows} == expected
    assert all(json.loads(row["metadata"])["edu_int"] >= 3 for row in kept_rows)
