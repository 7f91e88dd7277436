"""MinHash + exact dedup on real C4 text with planted near-duplicates of known word 5-gram Jaccard."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from factory.crawl import parse_source
from factory.crawl.index import index_chunk
from factory.curation import FILTER_ORDER, CurationConfig, filter_chunk
from factory.dedup import DedupConfig, dedup_dump
from factory.store import Store
from support.categories import classifier_in
from support.planted import jaccard, merged_pairs, plant_pairs

# Filters off (extraction is a pass-through for JSONL): this tests dedup, not the quality filters.
NO_FILTERS = CurationConfig.from_overrides({name: {"enabled": False} for name in FILTER_ORDER if name != "extraction"})
CHUNKS = ["000", "001"]


def c4_documents(web_data: Path, count: int, skip: int = 0) -> list[tuple[str, str]]:
    with gzip.open(web_data / "olmo_c4" / "c4-sample.00000-of-00001.json.gz", "rt") as handle:
        rows = [json.loads(line) for line in handle]
    long_enough = [(row["url"], row["text"]) for row in rows if len(row["text"].split()) >= 150]
    return long_enough[skip: skip + count]


def write_dump(root: Path, dump: str, files: dict[str, list[tuple[str, str]]]) -> None:
    (root / dump).mkdir(parents=True)
    for name, docs in files.items():
        with gzip.open(root / dump / f"{name}.jsonl.gz", "wt") as handle:
            for doc_id, text in docs:
                handle.write(json.dumps({"id": doc_id, "url": f"https://{doc_id}", "text": text}) + "\n")


def materialize_dump(store: Store, crawl: Path, dump: str, config: DedupConfig | None = None):
    source = parse_source(str(crawl))
    classifier_in(store)
    for chunk in CHUNKS:
        index_chunk(store, source, dump, chunk, len(CHUNKS))
        filter_chunk(store, dump, chunk, NO_FILTERS)
    return dedup_dump(store, dump, CHUNKS, config or DedupConfig())


@pytest.fixture(scope="module")
def planted(web_data):
    originals = c4_documents(web_data, 120)
    pairs = plant_pairs(originals, [0.95, 0.9, 0.87, 0.45, 0.3], seed=7)
    return originals, pairs


def test_planted_near_duplicates_are_removed_and_distant_pairs_kept(web_data, planted, tmp_path):
    originals, pairs = planted
    copies = [(p.copy_id, p.copy_text) for p in pairs]
    exact_copy = [("exact-copy", originals[0][1].replace(" ", "  "))]  # same content, different whitespace
    write_dump(tmp_path / "crawl", "planted", {"originals": originals, "copies": copies + exact_copy})
    store = Store(str(tmp_path / "store"))
    manifest = materialize_dump(store, tmp_path / "crawl", "planted").manifest

    kept = set(store.read_table(manifest, "documents").column("id").to_pylist())
    high = [p for p in pairs if p.similarity >= 0.85]
    low = [p for p in pairs if p.similarity < 0.5]
    assert len(high) >= 50 and len(low) >= 40
    assert all(abs(jaccard(originals[[o for o, _ in originals].index(p.original_id)][1], p.copy_text) - p.similarity) < 1e-9
               for p in pairs[:5])
    together = merged_pairs(store, manifest, pairs)
    assert sum(p.copy_id in together for p in high) / len(high) >= 0.95
    assert all((p.original_id in kept) != (p.copy_id in kept) for p in high if p.copy_id in together)  # one per cluster
    assert [p for p in low if p.copy_id in together] == []
    assert all(p.original_id in kept and p.copy_id in kept for p in low)
    exact = store.read_table(manifest, "removed/exact").to_pylist()
    near = store.read_table(manifest, "removed/minhash").to_pylist()
    # One of the two passes exact dedup (MinHash may then remove it for a planted copy); the other is
    # removed, and its content key names the one that passed.
    documents = store.read_table(manifest, "documents").to_pylist()
    key_of = {doc["id"]: json.loads(doc["metadata"])["content_key"] for doc in documents} | {
        row["id"]: row["content_key"] for row in near}
    assert len(exact) == 1 and {exact[0]["id"], *[i for i, k in key_of.items() if k == exact[0]["content_key"]]} == {
        "exact-copy", originals[0][0]}
    kept_clusters = {json.loads(doc["metadata"]).get("minhash_cluster_id", -1) for doc in documents}
    assert near and all(row["reason"] == "near_duplicate" and row["cluster_id"] in kept_clusters for row in near)
    assert manifest.stats["clusters"] >= len(kept_clusters - {-1}) and manifest.counts["removed_minhash"] == len(near)
    assert {entry.path.split("/")[1] for entry in manifest.files_under("minhash_index")} == {f"bucket_{b:03d}" for b in range(14)}
    # Its inputs are the chunks holding files: an empty chunk's (empty) version adds nothing, so it is no input.
    with_files = [chunk for chunk in CHUNKS if store.current("raw_crawl", {"dump": "planted", "chunk": chunk}).counts["files"]]
    assert {ref.asset for ref in manifest.inputs} == {"filtered"}
    assert sorted(ref.partition for ref in manifest.inputs) == [f"dump=planted/chunk={chunk}" for chunk in with_files]


def test_a_new_dump_is_deduplicated_against_an_earlier_dumps_index(web_data, tmp_path):
    first = c4_documents(web_data, 40)
    fresh = c4_documents(web_data, 30, skip=200)
    write_dump(tmp_path / "crawl", "dump-a", {"a": first})
    write_dump(tmp_path / "crawl", "dump-b", {"b1": first[:10], "b2": fresh})  # ten re-crawled pages
    store = Store(str(tmp_path / "store"))
    earlier = materialize_dump(store, tmp_path / "crawl", "dump-a").manifest
    later = materialize_dump(store, tmp_path / "crawl", "dump-b",
                             DedupConfig(against_dumps=("dump-a",))).manifest
    removed = store.read_table(later, "removed/minhash").to_pylist()
    assert sorted(row["id"] for row in removed) == sorted(doc_id for doc_id, _ in first[:10])
    assert {row["reason"] for row in removed} == {"earlier_dump"}
    assert later.counts["documents"] == 30
    assert earlier.version in {ref.version for ref in later.inputs}
    alone = materialize_dump(Store(str(tmp_path / "store2")), tmp_path / "crawl", "dump-b").manifest
    assert alone.counts["documents"] == 40  # without the option, the re-crawled pages come back
