"""`factory reproduce`: real raw_crawl -> filtered -> deduped -> mixed versions rebuilt from their manifests alone."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from factory.audit.reproduce import ReproduceError, render, reproduce
from factory.crawl import parse_source
from factory.crawl.index import index_chunk
from factory.curation import CurationConfig, filter_chunk
from factory.dedup import DedupConfig, dedup_dump
from factory.mixing import MixRecipe
from factory.mixing.step import build_mix
from factory.store import Store
from factory.store.versioning import content_hash
from mixing.helpers import c4_texts, write_documents
from support.categories import classifier_in
from support.contamination import index_in

DUMP, CHUNK = "c4", "000"
PARTITION = {"dump": DUMP, "chunk": CHUNK}
CURRENT = {"raw_crawl": PARTITION, "filtered": PARTITION, "deduped": {"dump": DUMP}, "mixed": "c4-mix"}


@pytest.fixture(scope="module")
def chain_root(web_data: Path, tmp_path_factory) -> Path:
    """A store holding one real chunk through every CPU step: 60 C4 pages, FineWeb filters, dedup, a small mix."""
    crawl = tmp_path_factory.mktemp("crawl")
    (crawl / DUMP).mkdir()
    guardian = web_data / "olmo_c4" / "paloma_c4_100_domains_www.theguardian.com_val.jsonl.gz"
    os.symlink(guardian, crawl / DUMP / "guardian.jsonl.gz")  # a symlink: its listing mtime is the link's own
    root = tmp_path_factory.mktemp("chain") / "store"
    store = Store(str(root))
    index_chunk(store, parse_source(str(crawl)), DUMP, CHUNK, 1)
    classifier_in(store)
    filter_chunk(store, DUMP, CHUNK, CurationConfig.from_overrides({"max_documents_per_file": 60}))
    dedup_dump(store, DUMP, [CHUNK], DedupConfig())
    recipe = MixRecipe.from_dict({"name": "c4-mix", "total_tokens": 8_000, "max_repeats": 4, "seed": 3,
                                  "sources": [{"asset": "deduped", "weight": 1.0}]})
    index_in(store)
    build_mix(store, recipe, shard_tokens=3_000)  # several token shards: the split is pinned in the manifest too
    return root


@pytest.fixture
def chain_copy(chain_root: Path, tmp_path: Path) -> Store:
    """A private copy of the chain, for tests that tamper with it."""
    shutil.copytree(chain_root, tmp_path / "store", symlinks=True)
    return Store(str(tmp_path / "store"))


@pytest.mark.parametrize("asset", ["raw_crawl", "filtered", "deduped", "mixed"])
def test_committed_version_is_rebuilt_bit_for_bit(chain_root: Path, tmp_path: Path, asset: str):
    store = Store(str(chain_root))
    original = store.require_current(asset, CURRENT[asset])
    report = reproduce(store, asset, CURRENT[asset], original.version, scratch=str(tmp_path / "scratch"))
    assert report.matched and report.exit_code == 0, render(report).plain
    assert report.rebuilt_version == original.version and report.rebuilt_content_hash == original.content_hash
    assert not report.file_differences and not report.identity_differences and not report.count_differences
    assert Store(str(tmp_path / "scratch")).read_manifest(asset, CURRENT[asset], original.version) is not None
    assert "reproduced bit for bit" in render(report).plain


def test_temporary_scratch_is_removed_after_a_match(chain_root: Path):
    report = reproduce(Store(str(chain_root)), "raw_crawl", PARTITION)  # the current version, a temporary scratch
    assert report.matched and not Path(report.scratch).exists()
    assert report.to_dict()["matched"] and report.to_dict()["exit_code"] == 0


def test_a_data_file_altered_after_its_commit_is_a_mismatch(chain_copy: Store, tmp_path: Path):
    manifest = chain_copy.require_current("filtered", PARTITION)
    path = f"{chain_copy.version_dir('filtered', PARTITION, manifest.version)}/documents/part-00000.parquet"
    Path(path).write_bytes(Path(path).read_bytes() + b"tampered")
    report = reproduce(chain_copy, "filtered", PARTITION, scratch=str(tmp_path / "scratch"))
    assert report.status == "mismatch" and report.exit_code == 1
    assert [(d.path, d.where) for d in report.file_differences] == [("documents/part-00000.parquet", "stored")]
    assert report.rebuilt_content_hash == manifest.content_hash  # the rebuild itself still matches the manifest
    assert "stored file documents/part-00000.parquet" in render(report).plain


def test_a_version_whose_rebuild_writes_other_bytes_lists_the_file(chain_copy: Store, tmp_path: Path):
    """Data and manifest altered together (the stored files agree with the manifest): only the rebuild can tell."""
    manifest = chain_copy.require_current("raw_crawl", PARTITION)
    entry = manifest.files[0]
    path = Path(chain_copy.version_dir("raw_crawl", PARTITION, manifest.version)) / entry.path
    filtered = chain_copy.require_current("filtered", PARTITION)
    other = Path(chain_copy.version_dir("filtered", PARTITION, filtered.version)) / "documents" / "part-00000.parquet"
    path.write_bytes(other.read_bytes())  # another valid Parquet file

    altered = dataclasses.replace(entry, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), size=path.stat().st_size)
    forged = dataclasses.replace(manifest, files=[altered], content_hash=content_hash([(altered.path, altered.sha256)]))
    chain_copy.commit_manifest(forged)
    report = reproduce(chain_copy, "raw_crawl", PARTITION, scratch=str(tmp_path / "scratch"))
    assert report.status == "mismatch" and report.rebuilt_content_hash == manifest.content_hash
    differences = [(d.path, d.where, d.expected_sha256) for d in report.file_differences]
    assert differences == [(entry.path, "rebuilt", altered.sha256)]
    assert Path(report.scratch).exists()  # kept for inspection


def test_an_edited_config_is_named_as_the_identity_difference(chain_copy: Store, tmp_path: Path):
    manifest = chain_copy.require_current("raw_crawl", PARTITION)
    chain_copy.commit_manifest(dataclasses.replace(manifest, config={**manifest.config, "chunks": 2}))
    report = reproduce(chain_copy, "raw_crawl", PARTITION, scratch=str(tmp_path / "scratch"))
    assert report.status == "mismatch" and report.rebuilt_version != manifest.version
    assert any("does not hash to its version" in line for line in report.identity_differences)


def test_synthetic_is_reported_not_reproducible_with_its_files_checked(tmp_path: Path, shared_data: Path):
    store = Store(str(tmp_path / "store"))
    write_documents(store, "synthetic", {"dump": DUMP, "recipe": "faq"}, c4_texts(shared_data, 3), tag="faq")
    report = reproduce(store, "synthetic", {"dump": DUMP, "recipe": "faq"})
    assert report.status == "not_reproducible" and report.exit_code == 2 and not report.file_differences
    assert "vLLM" in report.notes[0] and report.rebuilt_version is None


def test_a_scratch_inside_the_store_or_holding_the_version_is_refused(chain_copy: Store, tmp_path: Path):
    with pytest.raises(ReproduceError, match="inside the store"):
        reproduce(chain_copy, "raw_crawl", PARTITION, scratch=f"{chain_copy.root}/scratch")
    with pytest.raises(ReproduceError, match="inside the store"):
        reproduce(chain_copy, "raw_crawl", PARTITION, scratch=chain_copy.root)
    shutil.copytree(chain_copy.root, tmp_path / "holds-it", symlinks=True)
    with pytest.raises(ReproduceError, match="already holds"):
        reproduce(chain_copy, "raw_crawl", PARTITION, scratch=str(tmp_path / "holds-it"))
