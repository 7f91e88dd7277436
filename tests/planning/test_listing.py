"""The dump's WARC list: local warc.paths.gz, a mirror through CrawlSource, chunks, and clear errors."""

from __future__ import annotations

import gzip

import pytest
from planning_fixtures import DUMP, FILES, write_paths

from factory.crawl.sources import CrawlFile
from factory.planning import PlanInputError, fetch_listing, parse_dump, read_paths_file


def test_reads_a_gzipped_paths_file_and_splits_it_like_the_crawl_source(paths_file):
    listing = read_paths_file(paths_file, DUMP)
    assert listing.files == FILES and listing.origin == str(paths_file)
    per_chunk = listing.files_per_chunk(4)
    assert sum(per_chunk) == FILES and min(per_chunk) > 0
    chunk_of_first = int(CrawlFile(DUMP, listing.paths[0], "", "warc").chunk(4))
    assert per_chunk[chunk_of_first] > 0


def test_non_warc_lines_are_skipped_and_plain_text_is_accepted(tmp_path):
    path = write_paths(tmp_path / "warc.paths", files=10, extra=("crawl-data/x/wet/a.warc.wet.gz",), compress=False)
    assert read_paths_file(path, DUMP).files == 10


def test_a_wet_list_says_to_pass_the_warc_list(tmp_path):
    path = tmp_path / "wet.paths.gz"
    path.write_bytes(gzip.compress(b"crawl-data/x/wet/a.warc.wet.gz\ncrawl-data/x/wet/b.warc.wet.gz\n"))
    with pytest.raises(PlanInputError, match=r"lists no WARC files.*2 wet.*warc\.paths\.gz"):
        read_paths_file(path, DUMP)


def test_a_missing_paths_file_says_what_to_pass(tmp_path):
    expected = r"not found: pass --paths a local copy of .*crawl-data/CC-TEST/warc\.paths\.gz"
    with pytest.raises(PlanInputError, match=expected):
        read_paths_file(tmp_path / "nope.gz", DUMP)


def test_a_truncated_gzip_says_to_download_again(tmp_path, paths_file):
    broken = tmp_path / "broken.gz"
    broken.write_bytes(paths_file.read_bytes()[:40])
    with pytest.raises(PlanInputError, match="truncated or corrupt"):
        read_paths_file(broken, DUMP)


def test_reads_the_list_from_a_mirror_through_the_crawl_source(tmp_path):
    """Without --paths the list comes from <base_url>/crawl-data/<dump>/warc.paths.gz: here a local mirror."""
    write_paths(tmp_path / "mirror" / "crawl-data" / DUMP / "warc.paths.gz", files=25)
    listing = fetch_listing(DUMP, str(tmp_path / "mirror"))
    assert listing.files == 25 and listing.origin.endswith(f"crawl-data/{DUMP}/warc.paths.gz")
    with pytest.raises(PlanInputError, match="no WARC list for CC-MISSING.*pass --paths"):
        fetch_listing("CC-MISSING", str(tmp_path / "mirror"))


@pytest.mark.parametrize("source, message", [
    ("CC-MAIN-2024-18", "not a Common Crawl source"),
    ("/data/crawl", "not a Common Crawl source"),
    ("commoncrawl:CC-MAIN-2024-18,CC-MAIN-2024-22", "names 2 dumps"),
    ("commoncrawl:../x", "not allowed"),
])
def test_the_source_must_name_one_common_crawl_dump(source, message):
    with pytest.raises(PlanInputError, match=message):
        parse_dump(source)
    assert parse_dump("commoncrawl:CC-MAIN-2024-18") == "CC-MAIN-2024-18"
