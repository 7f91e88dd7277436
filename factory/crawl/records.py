"""Reading raw crawl files into uniform records: WARC (HTML responses), WET (extracted text)
and JSONL text dumps (C4, Dolma, WebOrganizer...).

Real files have quirks, handled here once for every reader: wget writes
``WARC-Target-URI: <https://...>`` with angle brackets; some WARCs hold request, metadata and
resource records beside the responses; JSONL dumps name their id ``id``, ``url`` or neither.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

log = logging.getLogger(__name__)

WARC, WET, JSONL = "warc", "wet", "jsonl"
SUFFIXES = ((".warc.wet.gz", WET), (".wet.gz", WET), (".warc.gz", WARC), (".jsonl.gz", JSONL), (".json.gz", JSONL))
TEXT_FIELDS = ("text", "content", "raw_content")


@dataclass
class RawRecord:
    """One candidate document: raw HTML (``html``) for WARC, plain text (``text``) otherwise."""

    id: str
    url: str
    format: str
    text: str = ""
    html: bytes = b""
    date: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


def file_format(path: str) -> str | None:
    """The crawl format of a file by its name, or None for files the factory does not read (WAT...)."""
    lower = path.lower()
    if lower.endswith(".wat.gz"):
        return None
    for suffix, fmt in SUFFIXES:
        if lower.endswith(suffix):
            return fmt
    return None


def clean_target_uri(uri: str | None) -> str:
    return (uri or "").strip().strip("<>").strip()


def iter_records(stream: IO[bytes], fmt: str, source: str = "") -> Iterator[RawRecord]:
    if fmt == JSONL:
        yield from _iter_jsonl(stream, source)
    elif fmt in (WARC, WET):
        yield from _iter_warc(stream, fmt, source)
    else:
        raise ValueError(f"{source}: unknown crawl format {fmt!r}: expected warc, wet or jsonl")


def _iter_warc(stream: IO[bytes], fmt: str, source: str) -> Iterator[RawRecord]:
    wanted = "response" if fmt == WARC else "conversion"
    for record in ArchiveIterator(stream, arc2warc=True):
        if record.rec_type != wanted:
            continue
        headers = record.rec_headers
        url = clean_target_uri(headers.get_header("WARC-Target-URI"))
        record_id = clean_target_uri(headers.get_header("WARC-Record-ID")) or url
        date = headers.get_header("WARC-Date") or ""
        if fmt == WARC:
            content_type = (record.http_headers.get_header("Content-Type") or "") if record.http_headers else ""
            if content_type and "html" not in content_type.lower():
                continue
            yield RawRecord(record_id, url, fmt, html=record.content_stream().read(), date=date)
        else:
            text = record.content_stream().read().decode("utf-8", errors="replace")
            yield RawRecord(record_id, url, fmt, text=text, date=date)


def _iter_jsonl(stream: IO[bytes], source: str) -> Iterator[RawRecord]:
    lines = io.TextIOWrapper(gzip.GzipFile(fileobj=stream), encoding="utf-8", errors="replace")
    for line_number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            log.warning("%s line %d: skipped, not JSON (%s)", source, line_number + 1, error)
            continue
        text = next((row[key] for key in TEXT_FIELDS if isinstance(row.get(key), str)), None)
        if text is None:
            log.warning("%s line %d: skipped, no text field (%s)", source, line_number + 1, "/".join(TEXT_FIELDS))
            continue
        metadata = row.get("metadata") if isinstance(row.get("metadata"), dict) else {}
        url = str(row.get("url") or metadata.get("url") or "")
        record_id = str(row.get("id") or url or _stable_id(source, line_number))
        yield RawRecord(record_id, url, JSONL, text=text, date=str(row.get("date") or row.get("created") or ""))


def _stable_id(source: str, line_number: int) -> str:
    return hashlib.sha1(f"{source}:{line_number}".encode()).hexdigest()[:16]
