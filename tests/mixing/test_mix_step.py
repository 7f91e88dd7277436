"""The mixed step: exact per-source tokens, deterministic shards, repetition, reuse, on local and S3 stores."""

from __future__ import annotations

import numpy as np

from factory.mixing import MixRecipe
from factory.mixing.shards import read_tokens
from factory.mixing.step import build_mix
from factory.models import load_tokenizer
from factory.store import Store
from mixing.helpers import brown_texts, c4_texts, write_documents


def _recipe(total: int, repeats: float = 1) -> MixRecipe:
    return MixRecipe.from_dict({
        "name": "two-sources", "total_tokens": total, "max_repeats": repeats, "seed": 7,
        "sources": [{"asset": "deduped", "weight": 0.75}, {"asset": "synthetic", "partitions": ["dump=*/recipe=faq"], "weight": 0.25}],
    })


def _fill(store: Store, shared_data):
    write_documents(store, "deduped", "c4a", c4_texts(shared_data, 30), tag="c4a")
    write_documents(store, "synthetic", {"dump": "c4a", "recipe": "faq"}, brown_texts(shared_data, 10), tag="brown")


def test_mix_gives_each_source_its_share_and_is_reused(store, shared_data, tmp_path):
    _fill(store, shared_data)
    result = build_mix(store, _recipe(12_000, repeats=3))
    manifest = result.manifest
    given = {s["source"]: s["tokens_given"] for s in manifest.stats["sources"]}
    assert given == {"deduped[*]": 9000, "synthetic[dump=*/recipe=faq]": 3000}
    assert {(i.asset, i.partition) for i in manifest.inputs} == {("deduped", "c4a"), ("synthetic", "dump=c4a/recipe=faq")}
    tokens = np.asarray(read_tokens(store, manifest, str(tmp_path / "cache")))
    eos = load_tokenizer().token_to_id("<|endoftext|>")
    assert tokens.dtype == np.uint16 and len(tokens) == manifest.counts["tokens"]
    assert len(tokens) - int((tokens == eos).sum()) == 12_000
    samples = store.read_table(manifest, "samples").to_pylist()
    assert {row["asset"] for row in samples[:40]} == {"deduped", "synthetic"}  # shuffled across sources
    again = build_mix(store, _recipe(12_000, repeats=3))
    assert again.reused and again.manifest.version == manifest.version


def test_mix_is_deterministic_across_stores_and_repeats_small_sources(tmp_path, shared_data):
    hashes = []
    for name in ("one", "two"):
        store = Store(str(tmp_path / name))
        _fill(store, shared_data)
        manifest = build_mix(store, _recipe(40_000, repeats=20)).manifest
        hashes.append(manifest.content_hash)
        synthetic = [s for s in manifest.stats["sources"] if s["source"].startswith("synthetic")][0]
        assert synthetic["repeats"] > 1
    assert hashes[0] == hashes[1]
    samples = store.read_table(manifest, "samples").to_pylist()
    assert max(row["epoch"] for row in samples if row["asset"] == "synthetic") >= 1
