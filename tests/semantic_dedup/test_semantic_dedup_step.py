"""SemDeDup on real C4 pages with planted near-paraphrases, through the store (the real embedding model)."""

from __future__ import annotations

import json
import math
import os
from collections import Counter

import pytest

from factory.documents import dump_partition
from factory.semantic_dedup import ASSET, SemanticDedupConfig, semantic_dedup_dump
from factory.store import Store, VersionNotFoundError
from semantic_dedup.helpers import c4_pages, paraphrase, write_input

DUMP = "CC-MAIN-2099-01"
# 36 documents in 2 shards, 4 clusters in 3 buckets (so clusters of one task come from both shards).
CONFIG = SemanticDedupConfig(clusters=4, threshold=0.95, max_tokens=128, kmeans_sample=1000, documents_per_task=12)


@pytest.fixture(scope="module")
def planted(web_data, tmp_path_factory):
    pages = c4_pages(web_data, 30)
    copies = {f"copy-of-{doc_id}": (doc_id, paraphrase(text, 5, seed=i)) for i, (doc_id, text) in enumerate(pages[:6])}
    copy_rows = [(copy_id, text) for copy_id, (_, text) in copies.items()]
    # Copies of shard 0's pages sit in shard 1 and the other way round: duplicates across shards.
    store = Store(str(tmp_path_factory.mktemp("semantic") / "store"))
    source = write_input(store, DUMP, [pages[:15] + copy_rows[3:], pages[15:] + copy_rows[:3]])
    result = semantic_dedup_dump(store, DUMP, CONFIG)
    return store, source, result, pages, {copy_id: original for copy_id, (original, _) in copies.items()}


def test_planted_near_duplicates_are_removed_and_distinct_pages_kept(planted):
    store, _, result, pages, twin_of = planted
    kept = set(store.read_table(result.manifest, "documents").column("id").to_pylist())
    removed = store.read_table(result.manifest, "removed/semantic").to_pylist()
    pairs = [{copy_id, original} for copy_id, original in twin_of.items()]
    assert all(len(pair & kept) == 1 for pair in pairs)  # recall: one of each planted pair goes, one stays
    assert {row["id"] for row in removed} == set().union(*pairs) - kept  # precision: nothing else goes
    assert {doc_id for doc_id, _ in pages[6:]} <= kept
    for row in removed:
        assert row["reason"] == "semantic_duplicate" and row["similarity"] > CONFIG.threshold
        assert {row["id"], row["duplicate_of"]} in pairs and row["duplicate_of"] in kept
        assert "semantic_reason" not in row["metadata"]


def test_counts_add_up_and_clusters_sum_to_the_totals(planted):
    store, source, result, _, twin_of = planted
    counts, stats = result.manifest.counts, result.manifest.stats
    assert counts["documents_in"] == source.counts["documents"] == 36
    assert counts["documents"] + counts["removed_semantic"] + counts["removed_prototypical"] == counts["documents_in"]
    assert counts["removed_semantic"] == len(twin_of) and counts["removed_prototypical"] == 0
    removed = store.read_table(result.manifest, "removed/semantic")
    removed_tokens = sum(removed.column("tokens").to_pylist())
    assert counts["tokens"] + removed_tokens == counts["tokens_in"] == source.counts["tokens"]
    clusters = stats["clusters"]
    assert clusters["clusters"] == len(clusters["largest"]) == CONFIG.clusters
    assert clusters["totals"] == {"size": 36, "kept": counts["documents"], "removed_semantic": len(twin_of),
                                  "removed_prototypical": 0}
    for key, total in clusters["totals"].items():
        assert sum(cluster[key] for cluster in clusters["largest"]) == total
    assert all(c["size"] == c["kept"] + c["removed_semantic"] + c["removed_prototypical"] for c in clusters["largest"])
    # Each kept document carries its cluster; the per-cluster table agrees with the tables themselves.
    documents = store.read_table(result.manifest, "documents").to_pylist()
    kept_per_cluster = Counter(json.loads(doc["metadata"])["semantic_cluster_id"] for doc in documents)
    assert kept_per_cluster == Counter({c["cluster_id"]: c["kept"] for c in clusters["largest"] if c["kept"]})
    assert Counter(removed.column("cluster_id").to_pylist()) == Counter(
        {c["cluster_id"]: c["removed_semantic"] for c in clusters["largest"] if c["removed_semantic"]})
    assert stats["kmeans"] == {"clusters_fitted": 4, "sampled": 36, "cluster_tasks": 3}


def test_samples_show_the_text_of_what_they_duplicate(planted):
    store, _, result, pages, twin_of = planted
    removed = store.read_table(result.manifest, "removed/semantic").to_pylist()
    text_of = dict(pages) | {row["id"]: row["text"] for row in removed}
    samples = result.manifest.stats["samples"]
    assert len(samples) == 3
    for sample in samples:
        assert {sample["id"], sample["duplicate_of"]} in [{c, o} for c, o in twin_of.items()]
        assert sample["text"] == text_of[sample["id"]][:300]
        assert sample["duplicate_text"] == text_of[sample["duplicate_of"]][:300]


def test_the_version_records_its_input_and_model_and_drops_its_scratch(planted):
    store, source, result, _, _ = planted
    manifest = result.manifest
    assert [(ref.asset, ref.version) for ref in manifest.inputs] == [("deduped", source.version)]
    assert manifest.config["embedder"]["max_tokens"] == 128 and manifest.config["embedder"]["sha256"]
    assert "documents_per_task" not in manifest.config
    folder = store.version_dir(ASSET, dump_partition(DUMP), manifest.version)
    assert not store.exists(f"{folder}/_work")
    assert sorted(entry.path for entry in manifest.files) == [
        "documents/part-00000.parquet", "documents/part-00001.parquet",
        "removed/semantic/part-00000.parquet", "removed/semantic/part-00001.parquet"]


def test_rerun_reuses_the_committed_version_and_writes_nothing(planted):
    store, _, result, _, _ = planted
    before = {path: os.stat(path).st_mtime_ns for path in store.glob(f"{store.root}/**") if os.path.isfile(path)}
    again = semantic_dedup_dump(store, DUMP, CONFIG)
    after = {path: os.stat(path).st_mtime_ns for path in store.glob(f"{store.root}/**") if os.path.isfile(path)}
    assert again.reused and again.manifest.version == result.manifest.version
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    assert {path.rsplit("/", 1)[-1] for path in changed} <= {"_current.json"}  # only the pointer is rewritten
    other_tasks = semantic_dedup_dump(store, DUMP, CONFIG.model_copy(update={"documents_per_task": 1000}))
    assert other_tasks.reused and other_tasks.manifest.version == result.manifest.version


def test_a_missing_input_names_the_asset_to_materialize(tmp_path):
    with pytest.raises(VersionNotFoundError, match=r"deduped\[dump=nowhere\].*materialize deduped"):
        semantic_dedup_dump(Store(str(tmp_path / "store")), "nowhere", CONFIG)


def test_prototypical_pruning_on_an_s3_store(web_data, s3_endpoint, s3_bucket, monkeypatch):
    monkeypatch.setenv("FACTORY_S3_ENDPOINT", s3_endpoint)
    store = Store(f"s3://{s3_bucket}/store")
    pages = c4_pages(web_data, 12, skip=40)
    copy = ("copy-of-first", paraphrase(pages[0][1], 4, seed=3))
    write_input(store, DUMP, [pages[:6], pages[6:] + [copy]], asset="edu_filtered")
    config = SemanticDedupConfig(input_asset="edu_filtered", clusters=2, threshold=0.95, prune_prototypical=0.5,
                                 max_tokens=128, kmeans_sample=1000, documents_per_task=7)
    manifest = semantic_dedup_dump(store, DUMP, config).manifest
    documents = store.read_table(manifest, "documents").to_pylist()
    removed = store.read_table(manifest, "removed/semantic").to_pylist()
    kept_in = Counter(json.loads(doc["metadata"])["semantic_cluster_id"] for doc in documents)
    pruned_in = Counter(row["cluster_id"] for row in removed if row["reason"] == "prototypical")
    # In each cluster, floor(0.5 x what dedup kept) of them go, the closest to the centroid.
    for cluster in kept_in.keys() | pruned_in.keys():
        assert pruned_in[cluster] == math.floor(0.5 * (kept_in[cluster] + pruned_in[cluster]))
    assert manifest.counts["removed_prototypical"] == sum(pruned_in.values()) >= 4
    assert manifest.counts["removed_semantic"] == 1 and manifest.counts["documents_in"] == 13
    assert manifest.counts["documents"] + len(removed) == 13
    assert all(row["duplicate_of"] == "" and 0 < row["similarity"] <= 1
               for row in removed if row["reason"] == "prototypical")
    assert not store.exists(f"{store.version_dir(ASSET, dump_partition(DUMP), manifest.version)}/_work")
