"""Crawl sources over the real files in ../shared/data/web, locally, on S3, and as a Common Crawl dump."""

from __future__ import annotations

import shutil

import boto3
import pytest

from factory.crawl import CrawlSourceError, iter_records, parse_source
from factory.crawl.sources import COMMONCRAWL, CrawlSource, chunk_of

WEB_DUMPS = ["dolma", "olmo_c4", "resiliparse", "whirlwind"]


def describe(source, crawl_file):
    """What indexing reads of one file: size, SHA-256 and its good records."""
    from factory.crawl.index import read_file

    return read_file(source, crawl_file, source.fingerprint(crawl_file))[0]


def test_each_subfolder_with_crawl_files_is_a_dump_and_wat_files_are_skipped(web_data):
    source = parse_source(str(web_data))
    assert source.list_dumps() == WEB_DUMPS
    whirlwind = {f.relpath: f.format for f in source.list_files("whirlwind")}
    assert whirlwind == {"whirlwind.warc.gz": "warc", "whirlwind.warc.wet.gz": "wet"}


def test_a_folder_holding_crawl_files_itself_is_one_dump(shared_data):
    source = parse_source(str(shared_data / "classification" / "weborganizer"))
    assert source.list_dumps() == ["weborganizer"]
    [crawl_file] = source.list_files("weborganizer")
    assert describe(source, crawl_file).records == 10_892


def test_hive_style_dump_folders_name_the_dump_without_the_prefix(tmp_path, web_data):
    """A folder laid out like the store (``dump=HOLDOUT-01``) is the dump ``HOLDOUT-01``, a key Dagster accepts."""
    (tmp_path / "dump=HOLDOUT-01").mkdir()
    for name in ("whirlwind.warc.gz", "whirlwind.warc.wet.gz"):
        (tmp_path / "dump=HOLDOUT-01" / name).symlink_to(web_data / "whirlwind" / name)
    source = parse_source(str(tmp_path))
    assert source.list_dumps() == ["HOLDOUT-01"]
    assert {f.relpath for f in source.list_files("HOLDOUT-01")} == {"whirlwind.warc.gz", "whirlwind.warc.wet.gz"}
    assert all("/dump=HOLDOUT-01/" in f.url for f in source.list_files("HOLDOUT-01"))  # read from the real folder


def test_a_symlinked_file_is_fingerprinted_by_its_target_so_a_new_link_is_no_change(tmp_path, web_data):
    """The listing alone gave the link's own mtime, so re-creating a link made a new raw_crawl version."""
    (tmp_path / "links").mkdir()
    link = tmp_path / "links" / "whirlwind.warc.gz"
    link.symlink_to(web_data / "whirlwind" / "whirlwind.warc.gz")
    source = parse_source(str(tmp_path / "links"))
    [first] = source.list_files("links")
    link.unlink()
    link.symlink_to(web_data / "whirlwind" / "whirlwind.warc.gz")
    [again] = source.list_files("links")
    assert first.listing is not None and first.listing == again.listing


def test_real_warc_records_counted_and_wget_angle_brackets_stripped(web_data):
    source = parse_source(str(web_data))
    described = {f.relpath: describe(source, f) for f in source.list_files("dolma")}
    assert described["sample-0000.warc.gz"].records == 22  # HTML responses, not requests/metadata
    assert described["CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"].records == 697
    assert all(d.checksum.startswith("sha256:") and d.size > 0 for d in described.values())
    with open(web_data / "dolma" / "sample-0000.warc.gz", "rb") as handle:
        urls = [r.url for r in iter_records(handle, "warc")]
    assert urls[0] == "https://www.semanticscholar.org/research/research-team"
    assert not any(u.startswith("<") or u.endswith(">") for u in urls)


def test_common_crawl_warc_records_are_html_responses(web_data):
    with open(web_data / "resiliparse" / "warcfile.warc.gz", "rb") as handle:
        records = list(iter_records(handle, "warc"))
    assert len(records) == 16 and all(r.html and r.url.startswith("http") for r in records)
    with open(web_data / "whirlwind" / "whirlwind.warc.wet.gz", "rb") as handle:
        [wet] = list(iter_records(handle, "wet"))
    assert "Escopete" in wet.text


def test_chunks_are_stable_when_a_dump_grows(tmp_path, web_data):
    dump = tmp_path / "crawl" / "CC-TEST"
    dump.mkdir(parents=True)
    shutil.copy(web_data / "dolma" / "sample-0000.warc.gz", dump / "a.warc.gz")
    source = parse_source(str(tmp_path / "crawl"))
    before = {f.relpath: f.chunk(8) for f in source.list_files("CC-TEST")}
    shutil.copy(web_data / "dolma" / "sample-0001.warc.gz", dump / "b.warc.gz")
    after = {f.relpath: f.chunk(8) for f in source.list_files("CC-TEST")}
    assert after["a.warc.gz"] == before["a.warc.gz"]
    assert [chunk_of(f"x{i}.warc.gz", 4) for i in range(3)] == [chunk_of(f"x{i}.warc.gz", 4) for i in range(3)]


def test_common_crawl_mode_reads_warc_paths(tmp_path, cc_mirror):
    rels = cc_mirror(tmp_path, "CC-MAIN-2099-01")
    source = parse_source("commoncrawl:CC-MAIN-2099-01", base_url=str(tmp_path))
    assert source.kind == COMMONCRAWL and source.list_dumps() == ["CC-MAIN-2099-01"]
    files = source.list_files("CC-MAIN-2099-01")
    assert [f.relpath for f in files] == sorted(rels)
    assert sum(describe(source, f).records for f in files) == 22 + 16


def test_common_crawl_mode_on_s3(tmp_path, cc_mirror, s3_endpoint, s3_bucket, monkeypatch):
    monkeypatch.setenv("FACTORY_S3_ENDPOINT", s3_endpoint)
    cc_mirror(tmp_path, "CC-MAIN-2099-02")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    for path in tmp_path.rglob("*.gz"):
        client.upload_file(str(path), s3_bucket, f"mirror/{path.relative_to(tmp_path)}")
    source = parse_source("commoncrawl:CC-MAIN-2099-02", base_url=f"s3://{s3_bucket}/mirror/")
    described = [describe(source, f) for f in source.list_files("CC-MAIN-2099-02")]
    assert [d.records for d in described] == [22, 16]
    # Read files get their SHA-256; the ETag (from a HEAD, no listing here) is their listing fingerprint.
    assert all(d.checksum.startswith("sha256:") and d.fingerprint.startswith("etag:") for d in described)


def test_prefix_source_on_s3(web_data, s3_endpoint, s3_bucket, monkeypatch):
    monkeypatch.setenv("FACTORY_S3_ENDPOINT", s3_endpoint)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    for name in ["whirlwind/whirlwind.warc.gz", "whirlwind/whirlwind.warc.wet.gz", "olmo_c4/c4-sample.00000-of-00001.json.gz"]:
        client.upload_file(str(web_data / name), s3_bucket, f"crawl/{name}")
    source = parse_source(f"s3://{s3_bucket}/crawl")
    assert source.list_dumps() == ["olmo_c4", "whirlwind"]
    [c4] = source.list_files("olmo_c4")
    assert describe(source, c4).records == 1000


def test_missing_or_misconfigured_sources_say_what_to_do(tmp_path):
    with pytest.raises(CrawlSourceError, match="does not exist"):
        parse_source(str(tmp_path / "nope")).list_dumps()
    with pytest.raises(CrawlSourceError, match="dump ids"):
        CrawlSource(kind=COMMONCRAWL)
    with pytest.raises(CrawlSourceError, match="no WARC list"):
        parse_source("commoncrawl:CC-MAIN-1999-01", base_url=str(tmp_path)).list_files("CC-MAIN-1999-01")
