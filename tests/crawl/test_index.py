"""raw_crawl indexes from the listing: an unchanged chunk opens no file, a grown or changed one reads
only its new or changed files, and listing mode never reads at all. Real files from ../shared/data/web."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import boto3
import pytest
from fsspec.spec import AbstractFileSystem

from factory.crawl import index
from factory.crawl.records import file_format
from factory.crawl.sources import FULL, LISTING, CrawlSourceError, listing_from_info, parse_source
from factory.store import Manifest, SourceFile, Store

DUMP = "CC-TEST"
CHUNK = "000"  # with chunks=1 every file of the dump is in chunk 000


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Every crawl file opened through fsspec (local or S3), in order; store files are left out."""
    paths: list[str] = []
    original = AbstractFileSystem.open

    def spying_open(self, path, *args, **kwargs):
        if file_format(str(path)):
            paths.append(Path(str(path)).name)
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(AbstractFileSystem, "open", spying_open)
    return paths


@pytest.fixture
def crawl_dir(tmp_path, web_data) -> Path:
    """A crawl folder with one dump of two real files: a WARC (22 HTML responses) and a C4 JSON dump (1000 docs)."""
    dump = tmp_path / "crawl" / DUMP
    dump.mkdir(parents=True)
    shutil.copy(web_data / "dolma" / "sample-0000.warc.gz", dump / "a.warc.gz")
    shutil.copy(web_data / "olmo_c4" / "c4-sample.00000-of-00001.json.gz", dump / "c4.json.gz")
    return tmp_path / "crawl"


def index_dump(store: Store, crawl: Path | str, **options):
    return index.index_chunk(store, parse_source(str(crawl), **options), DUMP, CHUNK, chunks=1)


def rows_by_name(store: Store, manifest: Manifest) -> dict[str, dict]:
    return {row["url"].rsplit("/", 1)[-1]: row for row in store.read_table(manifest, "files").to_pylist()}


def test_an_unchanged_chunk_is_reused_without_opening_a_file(store, web_data, opened):
    source = parse_source(str(web_data))
    first = index.index_chunk(store, source, "dolma", CHUNK, chunks=1)
    assert not first.reused and len(opened) == 6 and first.manifest.stats["files_read"] == 6
    assert first.manifest.counts["records"] > 0
    opened.clear()

    again = index.index_chunk(store, parse_source(str(web_data)), "dolma", CHUNK, chunks=1)
    assert again.reused and again.manifest.version == first.manifest.version
    assert opened == []
    assert store.current("raw_crawl", {"dump": "dolma", "chunk": CHUNK}).version == first.manifest.version


def test_a_new_file_makes_a_version_that_reads_only_that_file(tmp_path, crawl_dir, web_data, opened):
    store = Store(str(tmp_path / "store"))
    first = index_dump(store, crawl_dir)
    assert sorted(opened) == ["a.warc.gz", "c4.json.gz"]
    opened.clear()

    shutil.copy(web_data / "dolma" / "sample-0001.warc.gz", crawl_dir / DUMP / "b.warc.gz")
    grown = index_dump(store, crawl_dir)
    assert not grown.reused and grown.manifest.version != first.manifest.version
    assert opened == ["b.warc.gz"]
    assert grown.manifest.stats == {"files_read": 1, "files_copied": 2}

    before, after = rows_by_name(store, first.manifest), rows_by_name(store, grown.manifest)
    for name in ("a.warc.gz", "c4.json.gz"):
        assert after[name] == before[name]  # records, SHA-256 and fingerprint copied, not recomputed
    assert before["a.warc.gz"]["records"] == 22 and before["c4.json.gz"]["records"] == 1000
    assert after["b.warc.gz"]["checksum"].startswith("sha256:") and after["b.warc.gz"]["records"] > 0
    assert grown.manifest.counts["records"] == sum(row["records"] for row in after.values())
    assert [s.url.rsplit("/", 1)[-1] for s in grown.manifest.sources] == ["a.warc.gz", "b.warc.gz", "c4.json.gz"]
    assert all(s.fingerprint.startswith("mtime:") for s in grown.manifest.sources)


def test_a_changed_file_is_read_again(tmp_path, crawl_dir, web_data, opened):
    store = Store(str(tmp_path / "store"))
    first = index_dump(store, crawl_dir)
    opened.clear()

    shutil.copy(web_data / "resiliparse" / "warcfile.warc.gz", crawl_dir / DUMP / "a.warc.gz")  # same name, new bytes
    changed = index_dump(store, crawl_dir)
    assert not changed.reused and opened == ["a.warc.gz"]
    before, after = rows_by_name(store, first.manifest), rows_by_name(store, changed.manifest)
    assert after["a.warc.gz"]["records"] == 16 and after["a.warc.gz"]["checksum"] != before["a.warc.gz"]["checksum"]
    assert after["c4.json.gz"] == before["c4.json.gz"]


def test_a_touched_file_is_read_again_and_keeps_its_checksum(tmp_path, crawl_dir, opened):
    store = Store(str(tmp_path / "store"))
    first = index_dump(store, crawl_dir)
    opened.clear()

    path = crawl_dir / DUMP / "c4.json.gz"
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 60))  # same bytes, new mtime
    touched = index_dump(store, crawl_dir)
    assert not touched.reused and opened == ["c4.json.gz"]
    before, after = rows_by_name(store, first.manifest), rows_by_name(store, touched.manifest)
    assert after["c4.json.gz"]["checksum"] == before["c4.json.gz"]["checksum"]
    assert after["c4.json.gz"]["fingerprint"] != before["c4.json.gz"]["fingerprint"]


def test_a_reverted_file_is_copied_from_an_older_version(tmp_path, crawl_dir, web_data, opened):
    store = Store(str(tmp_path / "store"))
    index_dump(store, crawl_dir)
    extra = crawl_dir / DUMP / "b.warc.gz"
    shutil.copy(web_data / "dolma" / "sample-0001.warc.gz", extra)
    index_dump(store, crawl_dir)
    extra.unlink()
    opened.clear()

    reverted = index_dump(store, crawl_dir)  # the first version's listing again: reused, nothing read
    assert reverted.reused and opened == []
    assert len(store.versions("raw_crawl", {"dump": DUMP, "chunk": CHUNK})) == 2


def upload_crawl(client, bucket: str, web_data: Path) -> None:
    for name in ["whirlwind/whirlwind.warc.gz", "whirlwind/whirlwind.warc.wet.gz", "olmo_c4/c4-sample.00000-of-00001.json.gz"]:
        client.upload_file(str(web_data / name), bucket, f"crawl/{name}")


def test_listing_mode_on_s3_never_opens_a_file(tmp_path, web_data, s3_endpoint, s3_bucket, monkeypatch, opened):
    monkeypatch.setenv("FACTORY_S3_ENDPOINT", s3_endpoint)
    upload_crawl(boto3.client("s3", endpoint_url=s3_endpoint), s3_bucket, web_data)
    store = Store(f"s3://{s3_bucket}/store")
    source = parse_source(f"s3://{s3_bucket}/crawl", index_mode=LISTING)

    result = index.index_chunk(store, source, "whirlwind", CHUNK, chunks=1)
    assert not result.reused and opened == []
    rows = rows_by_name(store, result.manifest)
    assert sorted(rows) == ["whirlwind.warc.gz", "whirlwind.warc.wet.gz"]
    assert all(row["records"] is None and row["checksum"].startswith("etag:") for row in rows.values())
    assert all(row["checksum"] == row["fingerprint"] for row in rows.values())
    assert rows["whirlwind.warc.gz"]["size"] == (web_data / "whirlwind" / "whirlwind.warc.gz").stat().st_size
    assert "records" not in result.manifest.counts  # unknown, not zero
    assert result.manifest.config["index_mode"] == LISTING
    assert [s.records for s in result.manifest.sources] == [None, None]

    assert index.index_chunk(store, source, "whirlwind", CHUNK, chunks=1).reused and opened == []


def test_full_mode_after_listing_mode_reads_what_listing_never_read(tmp_path, web_data, s3_endpoint, s3_bucket,
                                                                  monkeypatch, opened):
    monkeypatch.setenv("FACTORY_S3_ENDPOINT", s3_endpoint)
    upload_crawl(boto3.client("s3", endpoint_url=s3_endpoint), s3_bucket, web_data)
    store = Store(str(tmp_path / "store"))
    listed = index.index_chunk(store, parse_source(f"s3://{s3_bucket}/crawl", index_mode=LISTING), "olmo_c4", CHUNK, 1)
    full = index.index_chunk(store, parse_source(f"s3://{s3_bucket}/crawl", index_mode=FULL), "olmo_c4", CHUNK, 1)
    assert full.manifest.version != listed.manifest.version  # the mode changes the output, so the version
    assert opened == ["c4-sample.00000-of-00001.json.gz"]
    [row] = store.read_table(full.manifest, "files").to_pylist()
    assert row["records"] == 1000 and row["checksum"].startswith("sha256:") and row["fingerprint"].startswith("etag:")


def test_common_crawl_defaults_to_listing_mode(tmp_path, web_data, cc_mirror, opened):
    cc_mirror(tmp_path / "mirror", "CC-MAIN-2099-03")
    source = parse_source("commoncrawl:CC-MAIN-2099-03", base_url=str(tmp_path / "mirror"))
    assert source.index_mode == LISTING and parse_source(str(web_data)).index_mode == FULL
    result = index.index_chunk(Store(str(tmp_path / "store")), source, "CC-MAIN-2099-03", CHUNK, chunks=1)
    assert opened == [] and [s.records for s in result.manifest.sources] == [None, None]
    assert all(s.checksum.startswith("mtime:") for s in result.manifest.sources)


def test_fingerprints_prefer_the_etag_and_include_the_size():
    assert listing_from_info({"size": 3, "ETag": '"abc"', "mtime": 1.5}).fingerprint == "etag:abc;size:3"
    assert listing_from_info({"size": 3, "mtime": 1.5}).fingerprint == "mtime:1.5;size:3"


def test_a_bad_index_mode_says_what_is_allowed(web_data):
    with pytest.raises(CrawlSourceError, match="full, listing"):
        parse_source(str(web_data), index_mode="etag")


def test_manifests_written_before_fingerprints_still_load():
    old = '{"asset": "raw_crawl", "partition": "p", "version": "v", "content_hash": "h", "code_version": "1", ' \
          '"config": {}, "inputs": [], "files": [], "counts": {}, ' \
          '"sources": [{"url": "u", "size": 1, "checksum": "sha256:x", "records": 2, "format": "warc"}]}'
    assert Manifest.from_json(old).sources == [SourceFile("u", 1, "sha256:x", 2, "warc")]
