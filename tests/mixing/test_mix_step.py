"""The mixed step: per-source token shares, deterministic shards, repetition, reuse, on local and S3 stores."""

from __future__ import annotations

import numpy as np

from factory.mixing import MixRecipe
from factory.mixing.shards import read_tokens
from factory.mixing.step import build_mix
from factory.models import load_tokenizer
from factory.store import Store
from factory.store.writer import open_writer
from mixing.helpers import brown_texts, c4_texts, write_documents
from support.contamination import index_in


def _recipe(total: int, repeats: float = 1) -> MixRecipe:
    return MixRecipe.from_dict({
        "name": "two-sources", "total_tokens": total, "max_repeats": repeats, "seed": 7,
        "sources": [{"asset": "deduped", "weight": 0.75}, {"asset": "synthetic", "partitions": ["dump=*/recipe=faq"], "weight": 0.25}],
    })


def _fill(store: Store, shared_data):
    write_documents(store, "deduped", "c4a", c4_texts(shared_data, 30), tag="c4a")
    write_documents(store, "synthetic", {"dump": "c4a", "recipe": "faq"}, brown_texts(shared_data, 10), tag="brown")
    index_in(store)


def test_mix_gives_each_source_its_share_and_is_reused(store, shared_data, tmp_path):
    _fill(store, shared_data)
    result = build_mix(store, _recipe(12_000, repeats=3))
    manifest = result.manifest
    given = {s["source"]: s["tokens_given"] for s in manifest.stats["sources"]}
    # Whole documents: each share is met to within the one document the threshold's bin may hold.
    assert abs(given["deduped[*]"] - 9000) < 1000 and abs(given["synthetic[dump=*/recipe=faq]"] - 3000) < 500
    assert {(i.asset, i.partition) for i in manifest.inputs} == {("deduped", "c4a"), ("synthetic", "dump=c4a/recipe=faq"),
                                                                     ("contamination_index", "all")}
    tokens = read_tokens(store, manifest, str(tmp_path / "cache"))
    eos = load_tokenizer().token_to_id("<|endoftext|>")
    stream = np.asarray(tokens)
    assert tokens.dtype == np.uint16 and len(tokens) == manifest.counts["tokens"]
    assert len(stream) - int((stream == eos).sum()) == sum(given.values())
    assert int((stream == eos).sum()) == manifest.counts["documents"]  # one EOS ends every document copy
    selected = store.read_table(manifest, "selected").to_pylist()
    assert {row["source"] for row in selected} == {0, 1}
    assert sum(row["tokens"] * row["copies"] for row in selected if row["source"] == 1) == given["synthetic[dump=*/recipe=faq]"]
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
    selected = store.read_table(manifest, "selected").to_pylist()
    assert max(row["copies"] for row in selected if row["source"] == 1) >= 2


def test_the_same_documents_under_new_version_ids_draw_the_same_mix(tmp_path, shared_data):
    """Draws are keyed by partition and document, not by version id: the shipped demo's leaderboard moved when the
    data folder's files were copied again (new modification times, so new raw_crawl versions and new ids downstream)."""
    drawn = []
    for salt in ("", "touched"):
        store = Store(str(tmp_path / (salt or "original")))
        write_documents(store, "deduped", "c4a", c4_texts(shared_data, 30), tag="c4a", salt=salt)
        write_documents(store, "synthetic", {"dump": "c4a", "recipe": "faq"}, brown_texts(shared_data, 10), tag="brown", salt=salt)
        index_in(store)
        manifest = build_mix(store, _recipe(12_000, repeats=3)).manifest
        selected = sorted((row["source"], row["doc_id"], row["copies"]) for row in store.read_table(manifest, "selected").to_pylist())
        drawn.append((manifest.inputs[0].version, selected, np.asarray(read_tokens(store, manifest, str(tmp_path / f"cache-{salt}"))).tobytes()))
    assert drawn[0][0] != drawn[1][0]  # other input versions ...
    assert drawn[0][1] == drawn[1][1] and drawn[0][2] == drawn[1][2]  # ... the same documents, copies and token stream


def test_a_source_version_without_rows_gives_nothing_and_is_left_out(store, shared_data):
    _fill(store, shared_data)
    empty = open_writer(store, "deduped", "all-filtered-out", code_version="test", config={"tag": "empty"})
    empty.commit()  # a dump whose every page was filtered out: a version with no document shard
    manifest = build_mix(store, _recipe(12_000, repeats=3)).manifest
    assert ("deduped", "all-filtered-out") not in {(i.asset, i.partition) for i in manifest.inputs}
    assert manifest.counts["tokens"] > 10_000  # the other versions still give their shares
