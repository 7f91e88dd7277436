"""Bad crawl input is counted by reason, never lost quietly and never fatal to a run; only a file with
nothing readable fails, and only its partition, naming the file.

Every bad file is made here from the real ones in ../shared/data/web: a WARC cut in the middle, spliced
with garbage, re-encoded, inflated to 50 MB; a C4 dump with broken lines. Good records are compared by content
(URL and the SHA-256 of the payload) with the matching records of the intact file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import re
import zlib
from collections import Counter
from pathlib import Path

import pytest

from assets.curation import _filtered_metadata
from factory.crawl import parse_source
from factory.crawl.gzip_members import UnreadableCrawlFile
from factory.crawl.index import index_chunk
from factory.crawl.records import BadRecord, RawRecord, iter_records
from factory.crawl.sources import LISTING
from factory.curation import FILTER_ORDER, CurationConfig, ExecutorSpec, filter_chunk
from factory.store import Store
from support.categories import classifier_in

WGET = "dolma/sample-0000.warc.gz"  # 22 HTML responses, one gzip member per record
CC = "resiliparse/warcfile.warc.gz"  # Common Crawl: a cp1251 page declared as such, a UTF-8 Chinese page
GUARDIAN = "olmo_c4/paloma_c4_100_domains_www.theguardian.com_val.jsonl.gz"  # 10 C4 documents
# Extraction only: the filters do not see bad input, and loading them would cost most of the run.
FAST = CurationConfig.from_overrides({"extractor": "resiliparse",
                                      **{name: {"enabled": False} for name in FILTER_ORDER if name != "extraction"}})


# -- building bad files from real ones ---------------------------------------------------------
def members(path: Path) -> list[bytes]:
    """The gzip members of a file, compressed, in order."""
    data, found = path.read_bytes(), []
    while data:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        decompressor.decompress(data)
        rest = decompressor.unused_data
        found.append(data[: len(data) - len(rest)])
        data = rest
    return found


def read(data: bytes, fmt: str = "warc", **options) -> tuple[list[RawRecord], list[BadRecord]]:
    items = list(iter_records(io.BytesIO(data), fmt, "test", bad_records=True, **options))
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, BadRecord)]


def html_members(path: Path) -> list[tuple[int, RawRecord]]:
    """(member index, record) for each member holding an HTML response."""
    found = []
    for index, member in enumerate(members(path)):
        good, bad = read(member)
        assert not bad
        found += [(index, record) for record in good]
    return found


def response(url: str, payload: bytes, content_type: str) -> bytes:
    """One WARC response record as a gzip member, as Common Crawl writes them."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=headers))
    return out.getvalue()


def fingerprint(record: RawRecord) -> tuple[str, str]:
    """A good record by content: its URL (a JSONL row without one: its id) and the SHA-256 of its payload (the HTML
    bytes, or a JSONL row's text)."""
    return record.url or record.id, hashlib.sha256(record.html or record.text.encode("utf-8")).hexdigest()


def payload(key: str, data: bytes) -> tuple[str, str]:
    return key, hashlib.sha256(data).hexdigest()


def corrupted(member: bytes) -> bytes:
    """A member whose deflate data is overwritten in the middle: zlib rejects it (or its CRC does)."""
    middle = len(member) // 2
    return member[:middle] + random.Random(3).randbytes(64) + member[middle + 64:]


def damage_utf8(data: bytes, every: int) -> bytes:
    """Cut the last byte of every ``every``-th multi-byte UTF-8 character (of 2 or 3 bytes)."""
    count = 0

    def cut(match: re.Match) -> bytes:
        nonlocal count
        count += 1
        return match.group(0)[:-1] if count % every == 0 else match.group(0)

    return re.sub(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}", cut, data)


@pytest.fixture(scope="module")
def bad_files(web_data: Path, tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """name -> (file, {"good": good records expected, "content": their fingerprints from the intact files,
    "bad": Counter of reasons expected})."""
    folder = tmp_path_factory.mktemp("crawl") / "bad"
    folder.mkdir()
    wget = members(web_data / WGET)
    html = html_members(web_data / WGET)
    cc_pages = html_members(web_data / CC)

    def cc(url_prefix: str) -> tuple[int, RawRecord]:
        return next((index, record) for index, record in cc_pages if record.url.startswith(url_prefix))

    files = {}

    def put(name: str, data: bytes, content: list[tuple[str, str]], **bad: int) -> None:
        (folder / name).write_bytes(data)
        files[name] = (folder / name, {"good": len(content), "content": sorted(content), "bad": Counter(bad)})

    def intact(*indexes: int) -> list[tuple[str, str]]:
        return [fingerprint(html[index][1]) for index in indexes]

    # Cut inside the 11th HTML response: the 10 before it are whole.
    cut_member = html[10][0]
    put("cut.warc.gz", b"".join(wget[:cut_member]) + wget[cut_member][: len(wget[cut_member]) // 2], intact(*range(10)),
        truncated=1)

    # Garbage between records: a gzip member of junk, bytes that are not gzip, and a damaged record.
    junk = random.Random(1).randbytes(5000)
    spliced = list(wget)
    spliced[html[15][0]] = corrupted(spliced[html[15][0]])
    spliced.insert(html[10][0], b"\x00garbage that is not gzip\x00" + junk[:300])
    spliced.insert(html[5][0], gzip.compress(junk))
    put("spliced.warc.gz", b"".join(spliced), intact(*(i for i in range(len(html)) if i != 15)),
        unparsable_record=1, corrupt_gzip=2)

    # Charsets: cp1251 declared (as crawled); Latin-1 declared as UTF-8; UTF-8 with one bad byte; UTF-8 lost.
    russian, russian_record = cc("http://01spb.ru/")
    chinese = cc("http://003338.cn/")[1].html
    german = cc("http://06.live-radsport.ch/fahrerstatistik")[1].text
    one_bad_byte = chinese.replace(b"</title>", b"\xff</title>", 1)
    charsets = [
        members(web_data / CC)[russian],
        response("https://example.com/latin1", german.encode("cp1252"), "text/html; charset=utf-8"),
        response("https://example.com/one-bad-byte", one_bad_byte, "text/html; charset=utf-8"),
        response("https://example.com/lost", damage_utf8(chinese, 5), "text/html; charset=utf-8"),
    ]
    put("charsets.warc.gz", b"".join(charsets),
        [fingerprint(russian_record), payload("https://example.com/latin1", german.encode("cp1252")),
         payload("https://example.com/one-bad-byte", one_bad_byte)], undecodable_text=1)

    # 50 MB of a real page in one record; binary files served as text/html.
    page = html[0][1].html
    big = page * (50_000_000 // len(page) + 1)
    zipped = (web_data.parent / "corpus/nltk/inaugural.zip").read_bytes()[:200_000]
    bz2 = (web_data.parent / "eval/hellaswag/hellaswag_val_full.txt.bz2").read_bytes()[:200_000]
    put("big.warc.gz", wget[html[0][0]] + response("https://example.com/big", big, "text/html") + wget[html[1][0]],
        intact(0, 1), too_large=1)
    put("binary.warc.gz", response("https://example.com/a.zip", zipped, "text/html")
        + response("https://example.com/b.bz2", bz2, "text/html; charset=utf-8") + wget[html[2][0]],
        intact(2), binary_payload=2)

    put("empty.warc.gz", b"", [], empty_file=1)
    put("empty.jsonl.gz", gzip.compress(b""), [], empty_file=1)

    # A C4 dump with broken lines: cut JSON, not an object, no text, damaged UTF-8, cp1252 text.
    lines = gzip.decompress((web_data / GUARDIAN).read_bytes()).splitlines()
    row = json.loads(lines[0])
    accented = json.dumps({**row, "id": "cp1252-row", "text": row["text"] + " Café déjà vu, naïve façade."},
                          ensure_ascii=False).encode("cp1252")
    lost = json.dumps({**row, "id": "lost-row", "text": "Ünïcödé tëxt ïs lóst hérè. " * 40},
                      ensure_ascii=False).encode()
    broken = [lines[0], lines[1][:200], b"[1, 2, 3]", b'{"id": "x", "title": "no text"}', lines[2],
              damage_utf8(lost, 3), accented, b"", *lines[3:]]
    rows = [json.loads(line) for line in (lines[0], lines[2], *lines[3:])]
    expected = [payload(r["id"], r["text"].encode()) for r in rows]  # C4 rows name no URL
    expected.append(payload("cp1252-row", (row["text"] + " Café déjà vu, naïve façade.").encode()))
    put("broken.jsonl.gz", gzip.compress(b"\n".join(broken) + b"\n"), expected,
        malformed_json=2, no_text_field=1, undecodable_text=1)
    return files


# -- records: each kind of bad input -----------------------------------------------------------
def test_every_bad_file_gives_its_good_records_and_counts_the_bad_ones_by_reason(bad_files):
    for name, (path, expected) in bad_files.items():
        good, bad = read(path.read_bytes(), "jsonl" if ".jsonl" in name else "warc")
        assert (len(good), Counter(b.reason for b in bad)) == (expected["good"], expected["bad"]), name
        # The good records are the intact file's, byte for byte: none truncated, re-encoded or taken from junk.
        assert sorted(fingerprint(record) for record in good) == expected["content"], name
        assert all(b.detail and b.where for b in bad), name


def test_charsets_follow_the_declaration_then_detection_and_only_lost_text_is_dropped(bad_files, web_data):
    good, bad = read(bad_files["charsets.warc.gz"][0].read_bytes())
    by_url = {record.url: record for record in good}
    assert by_url["http://01spb.ru/company/"].metadata["charset"] == "cp1251"
    assert sum("\u0400" <= c <= "\u04ff" for c in by_url["http://01spb.ru/company/"].text) > 10_000  # Cyrillic
    latin = by_url["https://example.com/latin1"]
    german = next(r for _, r in html_members(web_data / CC)
                  if r.url.startswith("http://06.live-radsport.ch/fahrerstatistik"))
    assert latin.metadata["charset_from"] == "detected" and latin.text == german.text  # not a character lost
    assert by_url["https://example.com/one-bad-byte"].metadata["replaced_chars"] >= 1
    assert [b.url for b in bad] == ["https://example.com/lost"]
    jsonl, _ = read(bad_files["broken.jsonl.gz"][0].read_bytes(), "jsonl")
    assert "Café déjà vu, naïve façade." in next(r.text for r in jsonl if r.id == "cp1252-row")


def test_a_50_mb_page_is_cut_at_the_limit_without_being_read(bad_files):
    import time

    started = time.time()
    good, [bad] = read(bad_files["big.warc.gz"][0].read_bytes(), max_page_bytes=1_000_000)
    assert bad.reason == "too_large" and bad.url == "https://example.com/big" and len(good) == 2
    assert time.time() - started < 10


def test_a_file_of_junk_cannot_be_read_and_says_so(tmp_path):
    junk = random.Random(2).randbytes(100_000)
    with pytest.raises(UnreadableCrawlFile, match=r"junk\.warc\.gz: not a gzip file"):
        list(iter_records(io.BytesIO(junk), "warc", "s3://crawl/junk.warc.gz", bad_records=True))


# -- raw_crawl and filtered on a dump of bad files ----------------------------------------------
def test_filtered_completes_processes_every_good_record_and_counts_every_bad_one(bad_files, tmp_path):
    crawl = next(iter(bad_files.values()))[0].parent.parent
    store = Store(str(tmp_path / "store"))
    raw = index_chunk(store, parse_source(str(crawl)), "bad", "000", 1).manifest
    classifier_in(store)
    expected_bad = sum((e["bad"] for _, e in bad_files.values()), Counter())
    expected_good = sum(e["good"] for _, e in bad_files.values())
    assert raw.counts["records"] == expected_good and raw.counts["bad_records"] == sum(expected_bad.values())
    assert raw.counts["unreadable_files"] == 0 and raw.stats["bad_records"] == dict(expected_bad)
    rows = {Path(row["url"]).name: row for row in store.read_table(raw, "files").to_pylist()}
    assert all(json.loads(rows[name]["bad_reasons"]) == dict(e["bad"]) for name, (_, e) in bad_files.items())

    manifest = filter_chunk(store, "bad", "000", FAST, ExecutorSpec(workers=1)).manifest
    assert manifest.counts["bad_records"] == sum(expected_bad.values()) == 14
    assert manifest.stats["bad_records"] == dict(expected_bad)
    assert manifest.counts["documents_in"] == expected_good + sum(expected_bad.values())
    removals = {row["filter"]: row for row in manifest.stats["removals"]}
    assert removals["input"]["docs_removed"] == 14 and removals["input"]["reasons"] == dict(expected_bad)
    removed = store.read_table(manifest, "removed/input").to_pylist()
    by_file = Counter((Path(row["source_file"]).name, row["reason"]) for row in removed)
    assert by_file == Counter({(name, reason): n for name, (_, e) in bad_files.items()
                               for reason, n in e["bad"].items()})
    assert all(json.loads(row["metadata"])["bad_input_detail"] for row in removed)
    # Every good record reached extraction: it is kept, or removed by extraction with its reason.
    after_input = sum(store.read_table(manifest, table).num_rows for table in ("documents", "removed/extraction"))
    assert after_input == expected_good

    metadata = _filtered_metadata(manifest)  # what the Dagster asset records
    shown = {record.data["reason"]: record.data["records"] for record in metadata["bad_records_by_reason"].records}
    assert shown == dict(expected_bad)
    assert any(record.data["filter"] == "input" for record in metadata["removal_by_filter"].records)


@pytest.mark.parametrize("mode", ["full", LISTING])
def test_an_unreadable_file_fails_only_its_partition_naming_the_file(web_data, tmp_path, mode):
    crawl = tmp_path / "crawl"
    (crawl / "junk").mkdir(parents=True)
    (crawl / "good").mkdir()
    (crawl / "junk" / "random.warc.gz").write_bytes(random.Random(4).randbytes(50_000))
    (crawl / "junk" / "guardian.jsonl.gz").write_bytes((web_data / GUARDIAN).read_bytes())
    (crawl / "good" / "guardian.jsonl.gz").write_bytes((web_data / GUARDIAN).read_bytes())
    store, source = Store(str(tmp_path / "store")), parse_source(str(crawl), index_mode=mode)

    raw = index_chunk(store, source, "junk", "000", 1).manifest  # the index completes, and says what it found
    classifier_in(store)
    if mode == "full":
        assert raw.counts["unreadable_files"] == 1
        assert "random.warc.gz: not a gzip file" in raw.stats["unreadable_files"][0]
    with pytest.raises(UnreadableCrawlFile, match=r"filtered\[.*junk.*random\.warc\.gz: not a gzip file"):
        filter_chunk(store, "junk", "000", FAST, ExecutorSpec(workers=1))

    index_chunk(store, source, "good", "000", 1)
    assert filter_chunk(store, "good", "000", FAST, ExecutorSpec(workers=1)).manifest.counts["documents_in"] == 10


def test_a_task_that_failed_elsewhere_is_reported_with_its_file_and_why(tmp_path, web_data):
    """Ray tasks fail out of process: the driver names the failed tasks' files and finds why from their first bytes."""
    from types import SimpleNamespace

    from factory.curation import ExecutorError
    from factory.curation.reader import CrawlInput
    from factory.curation.step import _run

    (tmp_path / "junk.warc.gz").write_bytes(random.Random(5).randbytes(1000))
    files = [CrawlInput(str(web_data / WGET), "warc"), CrawlInput(str(tmp_path / "junk.warc.gz"), "warc")]

    class FailedSecondTask:
        world_size, depends, logging_dir = 2, None, SimpleNamespace(path=str(tmp_path / "logs"))

        def run(self):
            pass

        def get_incomplete_ranks(self, ranks):
            return [1]

    with pytest.raises(ExecutorError, match=r"1 of 2 datatrove tasks failed.*junk\.warc\.gz: not a gzip file"):
        _run(FailedSecondTask(), "filtered[x/000]", files, None)
