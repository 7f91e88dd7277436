"""The fast MinHash signature stage computes datatrove's values: the same shingles and signatures on real documents,
the same version and removed set on planted near-duplicates."""

from __future__ import annotations

import pytest
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
from datatrove.utils.hashing import HashConfig

from factory.dedup import DedupConfig
from factory.dedup.config import DedupConfigError
from factory.dedup.signatures import FastMinhashSignature, signature_stage
from factory.store import Store
from support.planted import plant_pairs
from support.real_documents import real_documents
from test_dedup_planted import c4_documents, materialize_dump, write_dump

EVERY = 16  # of the real documents here (bench/minhash.py compares all of them)


@pytest.mark.parametrize("precision", [64, 32])
def test_shingles_and_signatures_equal_datatrove_on_real_documents(shared_data, tmp_path, precision):
    config = MinhashConfig(hash_config=HashConfig(precision=precision))
    stock, fast = MinhashDedupSignature(str(tmp_path), config=config), FastMinhashSignature(str(tmp_path), config=config)
    compared = 0
    for number, document in enumerate(real_documents(shared_data)):
        if number % (EVERY * (1 if precision == 64 else 8)):
            continue
        expected, got = stock.get_shingles(document.text), fast.get_shingles(document.text)
        assert got.dtype == expected.dtype and got.shape == expected.shape and (got == expected).all(), document.source
        if expected.size:
            assert fast.get_signature(got) == stock.get_signature(expected), document.source
        compared += 1
    assert compared > (100 if precision == 32 else 1000)


def test_either_implementation_makes_the_same_version_and_removes_the_same_documents(web_data, tmp_path):
    originals = c4_documents(web_data, 60)
    pairs = plant_pairs(originals, [0.95, 0.9, 0.8, 0.7, 0.5], seed=11)
    write_dump(tmp_path / "crawl", "planted", {"originals": originals, "copies": [(p.copy_id, p.copy_text) for p in pairs]})
    results = {}
    for implementation in ("fast", "datatrove"):
        store = Store(str(tmp_path / f"store-{implementation}"))
        manifest = materialize_dump(store, tmp_path / "crawl", "planted", DedupConfig(signatures=implementation)).manifest
        removed = sorted((row["id"], row["reason"]) for row in store.read_table(manifest, "removed/minhash").to_pylist())
        kept = sorted(store.read_table(manifest, "documents").column("id").to_pylist())
        results[implementation] = (manifest.version, manifest.content_hash, removed, kept)
        assert manifest.operational["minhash_signatures"] == implementation
    assert results["fast"] == results["datatrove"]
    assert len(results["fast"][2]) >= 20  # the planted copies above J = 0.8 are found


def test_an_unknown_implementation_is_refused_by_name():
    with pytest.raises(DedupConfigError, match="signatures must be one of"):
        DedupConfig(signatures="rust")
    with pytest.raises(ValueError, match="is unknown"):
        signature_stage("rust", "/tmp", MinhashConfig())
