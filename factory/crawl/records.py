"""Reading raw crawl files into uniform records: WARC (HTML responses), WET (extracted text)
and JSONL text dumps (C4, Dolma, WebOrganizer...).

Real files have quirks, handled here once for every reader: wget writes
``WARC-Target-URI: <https://...>`` with angle brackets; some WARCs hold request, metadata and
resource records beside the responses; JSONL dumps name their id ``id``, ``url`` or neither.

Bad input is counted, never lost quietly and never fatal to the file: with ``bad_records=True``
every candidate record that cannot be used comes out as a ``BadRecord`` with one of ``BAD_REASONS``,
in file order among the good ones, and reading goes on at the next gzip member, WARC record or
line. A file with nothing readable from its first byte raises ``UnreadableCrawlFile``. Payloads
are read up to ``max_page_bytes`` and no further (Common Crawl itself cuts them at 1 MiB).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from factory.crawl.decoding import declared_charset, decode, looks_binary
from factory.crawl.gzip_members import BLOCK, CORRUPT_GZIP, TRUNCATED, GzipMembers, UnreadableCrawlFile

log = logging.getLogger(__name__)

WARC, WET, JSONL = "warc", "wet", "jsonl"
SUFFIXES = ((".warc.wet.gz", WET), (".wet.gz", WET), (".warc.gz", WARC), (".jsonl.gz", JSONL), (".json.gz", JSONL))
TEXT_FIELDS = ("text", "content", "raw_content")
DEFAULT_MAX_PAGE_BYTES = 4 * 1024 * 1024
MAX_HEADER_LINE = 1 << 16

# Why a record is bad, one reason per way of failing (the gzip ones come from factory.crawl.gzip_members).
UNPARSABLE, TOO_LARGE, BINARY, UNDECODABLE = "unparsable_record", "too_large", "binary_payload", "undecodable_text"
MALFORMED_JSON, NO_TEXT, EMPTY_FILE = "malformed_json", "no_text_field", "empty_file"
BAD_REASONS = (TRUNCATED, CORRUPT_GZIP, UNPARSABLE, TOO_LARGE, BINARY, UNDECODABLE, MALFORMED_JSON, NO_TEXT, EMPTY_FILE)
__all__ = ["BAD_REASONS", "BadRecord", "RawRecord", "UnreadableCrawlFile", "file_format", "iter_records"]


@dataclass
class RawRecord:
    """One candidate document: its text (HTML for WARC, which also keeps the raw ``html`` bytes) and where it came from.

    ``metadata`` notes how the text was decoded when that was not plain UTF-8."""

    id: str
    url: str
    format: str
    text: str = ""
    html: bytes = b""
    date: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BadRecord:
    """A candidate record that could not be used: why (one of ``BAD_REASONS``), where, and what is known of it."""

    reason: str
    source: str
    where: str  # "byte 1234" (the gzip member or record) or "line 17"
    detail: str = ""
    id: str = ""
    url: str = ""


Item = RawRecord | BadRecord


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


def iter_records(stream: IO[bytes], fmt: str, source: str = "", max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES,
                 bad_records: bool = False) -> Iterator[Item]:
    """The file's candidate records in order; bad ones come as ``BadRecord`` with ``bad_records``, else are logged."""
    if fmt == JSONL:
        items = _iter_jsonl(stream, source, max_page_bytes)
    elif fmt in (WARC, WET):
        items = _iter_warc(stream, fmt, source, max_page_bytes)
    else:
        raise ValueError(f"{source}: unknown crawl format {fmt!r}: expected warc, wet or jsonl")
    for item in items:
        if bad_records or isinstance(item, RawRecord):
            yield item
        else:
            log.warning("%s %s: skipped, %s (%s)", source, item.where, item.reason, item.detail)


# -- WARC and WET ----------------------------------------------------------------------------
def _iter_warc(stream: IO[bytes], fmt: str, source: str, max_page_bytes: int) -> Iterator[Item]:
    from warcio.recordloader import ArcWarcRecordLoader

    members = GzipMembers(stream, source, plain=lambda first: first.startswith(b"WARC/"))
    loader = ArcWarcRecordLoader(verify_http=False, arc2warc=True)
    while True:
        more = members.next_member()
        if members.junk_before:
            yield BadRecord(CORRUPT_GZIP, source, members.where, f"{members.junk_before} bytes that are not gzip")
        if not more:
            break
        reader = _BoundedLines(members.member_stream())
        reported = False
        while (found := _next_record(loader, reader, members, source)) is not None:
            items = [found] if isinstance(found, BadRecord) else _warc_items(*found, fmt, source, members,
                                                                               max_page_bytes)
            for item in items:
                reported = reported or isinstance(item, BadRecord)
                yield item
        if members.ended == TRUNCATED and not reported or members.ended and not members.member_output:
            # cut after a whole record (the records after it are lost) or before any of its bytes
            yield BadRecord(members.ended, source, members.where, members.detail)
    if not members.total_output and not members.members_failed:
        yield BadRecord(EMPTY_FILE, source, "byte 0", "the file holds no data")


def _next_record(loader, reader: _BoundedLines, members: GzipMembers, source: str):
    """(warcio record with its headers read, where) for the next record, a BadRecord for an unparsable one, or
    None at the member's end."""
    line = reader.skip_blank_lines()
    if not line:
        return None
    where = f"byte {reader.tell() - len(line)}" if members.plain else members.where
    if not line.startswith(b"WARC/"):
        _skip_to_record(reader)
        if members.ended:
            return BadRecord(members.ended, source, where, members.detail)
        return BadRecord(UNPARSABLE, source, where, f"not a WARC record: it starts with {line[:40]!r}")
    try:
        record = loader.parse_record_stream(reader, line, known_format="warc")
        if not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
            raise ValueError(f"Content-Length {record.rec_headers.get_header('Content-Length')!r} is not a byte count")
    except Exception as error:  # noqa: BLE001 (warcio raises several types for bad headers, EOFError for cut ones)
        _skip_to_record(reader)
        reason = members.ended or UNPARSABLE
        return BadRecord(reason, source, where, members.detail or f"bad WARC headers: {type(error).__name__}: {error}")
    return record, where, reader


def _warc_items(record, where: str, reader: _BoundedLines, fmt: str, source: str, members: GzipMembers,
                max_page_bytes: int) -> list[Item]:
    """A parsed WARC record as a good or bad record ([] if it is no candidate: a request, an image...), with
    what follows it in its member when that is not a WARC record: garbage that zlib's CRC check may yet condemn."""
    item = _warc_item(record, where, reader, fmt, source, members, max_page_bytes)
    after = reader.skip_blank_lines(push_back=True)  # reaches a one-record member's end, and its CRC check
    garbage = after and not after.startswith(b"WARC/")
    if garbage:  # the record's Content-Length or the member's data is wrong: the member's end decides which
        _skip_to_record(reader)
    if isinstance(item, RawRecord) and members.ended:  # its member failed its CRC check, or never reached it
        return [BadRecord(members.ended, source, where, members.detail, item.id, item.url)]
    if garbage and not members.ended:
        bad = BadRecord(UNPARSABLE, source, where, f"bytes after the record that are not a WARC record: {after[:40]!r}")
        return [item, bad] if item else [bad]
    return [item] if item else []


def _warc_item(record, where: str, reader: _BoundedLines, fmt: str, source: str, members: GzipMembers,
               max_page_bytes: int) -> Item | None:
    """A good or bad record from a parsed WARC record, or None for one that is not a candidate (request, image...)."""
    headers = record.rec_headers
    url = clean_target_uri(headers.get_header("WARC-Target-URI"))
    record_id = clean_target_uri(headers.get_header("WARC-Record-ID")) or url
    content_type = ""
    wanted = record.rec_type == ("response" if fmt == WARC else "conversion")
    if wanted and fmt == WARC:
        content_type = (record.http_headers.get_header("Content-Type") or "") if record.http_headers else ""
        wanted = not content_type or "html" in content_type.lower()
    payload, error = b"", ""
    if wanted:
        try:
            payload = record.content_stream().read(max_page_bytes + 1)
        except Exception as failure:  # noqa: BLE001 (a broken chunked transfer or content encoding, any type)
            error = f"{type(failure).__name__}: {failure}"
    _drain(record.raw_stream)
    short = record.raw_stream.limit > 0  # fewer bytes than its Content-Length
    if not wanted and not (short and not record.rec_type):  # a request, an image... (even cut: not a document)
        return None
    if short:
        reason = members.ended or (TRUNCATED if members.plain else UNPARSABLE)
        detail = members.detail or f"{record.raw_stream.limit} bytes short of its Content-Length"
        return BadRecord(reason, source, where, detail, record_id, url)
    if error:
        return BadRecord(UNPARSABLE, source, where, error, record_id, url)
    if len(payload) > max_page_bytes:
        return BadRecord(TOO_LARGE, source, where, f"payload over max_page_bytes={max_page_bytes}", record_id, url)
    declared = declared_charset(content_type, payload) if fmt == WARC else "utf-8"
    if looks_binary(payload, declared):
        return BadRecord(BINARY, source, where, f"binary bytes served as {content_type or 'text'}", record_id, url)
    decoded = decode(payload, declared)
    if decoded.lost:
        detail = f"{decoded.replaced} of {len(decoded.text)} characters undecodable (best charset {decoded.charset})"
        return BadRecord(UNDECODABLE, source, where, detail, record_id, url)
    date = headers.get_header("WARC-Date") or ""
    if fmt == WARC:
        return RawRecord(record_id, url, fmt, text=decoded.text, html=payload, date=date, metadata=decoded.notes())
    return RawRecord(record_id, url, fmt, text=decoded.text, date=date, metadata=decoded.notes())


class _BoundedLines:
    """A member's bytes with lines cut at ``MAX_HEADER_LINE`` (a junk member without newlines stays small in
    memory) and one line that can be pushed back."""

    def __init__(self, raw: io.BufferedReader):
        self.raw, self.back, self.position = raw, b"", 0

    def readline(self, size: int | None = None) -> bytes:
        if self.back:
            line, self.back = self.back, b""
        else:
            line = self.raw.readline(MAX_HEADER_LINE if size is None or size < 0 else min(size, MAX_HEADER_LINE))
        self.position += len(line)
        return line

    def read(self, size: int | None = None) -> bytes:
        if self.back:
            data = self.back if size is None or size < 0 else self.back[:size]
            self.back = self.back[len(data):]
        else:
            data = self.raw.read(None if size is None or size < 0 else size)
        self.position += len(data)
        return data

    def unread(self, line: bytes) -> None:
        self.back = line
        self.position -= len(line)

    def skip_blank_lines(self, push_back: bool = False) -> bytes:
        """Read past blank lines; return the first other line (b"" at the end), pushed back if asked."""
        line = self.readline()
        while line in (b"\r\n", b"\n"):
            line = self.readline()
        if push_back and line:
            self.unread(line)
        return line

    def tell(self) -> int:
        return self.position


def _skip_to_record(reader: _BoundedLines) -> None:
    """Discard lines up to the next one that starts a WARC record (in an uncompressed or multi-record member)."""
    while line := reader.readline():
        if line.startswith((b"WARC/1.", b"WARC/0.")):
            reader.unread(line)
            return


def _drain(stream) -> None:
    while stream.read(BLOCK):
        pass


# -- JSONL ---------------------------------------------------------------------------------
def _iter_jsonl(stream: IO[bytes], source: str, max_page_bytes: int) -> Iterator[Item]:
    after_gap = False  # the first line after a corrupt gzip region lost its start with it: not counted again
    for number, line in _lines(stream, source, max_page_bytes):
        if isinstance(line, BadRecord):
            after_gap = line.reason == CORRUPT_GZIP
            yield line
            continue
        first_after_gap, after_gap = after_gap, False
        if not line.strip():
            continue
        yield from _jsonl_item(line, number, source, first_after_gap)


def _jsonl_item(line: bytes, number: int, source: str, first_after_gap: bool) -> Iterator[Item]:
    where = f"line {number}"
    decoded = decode(line, "utf-8")
    if decoded.lost:
        yield BadRecord(UNDECODABLE, source, where, f"{decoded.replaced} of {len(decoded.text)} characters undecodable")
        return
    try:
        row = json.loads(decoded.text)
        problem = "" if isinstance(row, dict) else f"a JSON {type(row).__name__}, not an object"
    except ValueError as error:
        problem = str(error)[:200]
    if problem:
        if not first_after_gap:
            yield BadRecord(MALFORMED_JSON, source, where, problem)
        return
    text = next((row[key] for key in TEXT_FIELDS if isinstance(row.get(key), str)), None)
    metadata = row.get("metadata") if isinstance(row.get("metadata"), dict) else {}
    url = str(row.get("url") or metadata.get("url") or "")
    record_id = str(row.get("id") or url or _stable_id(source, number - 1))
    if text is None:
        yield BadRecord(NO_TEXT, source, where, f"no string field {'/'.join(TEXT_FIELDS)}", record_id, url)
    elif looks_binary(text):
        yield BadRecord(BINARY, source, where, "control characters in the text", record_id, url)
    else:
        yield RawRecord(record_id, url, JSONL, text=text, date=str(row.get("date") or row.get("created") or ""),
                        metadata=decoded.notes())


def _lines(stream: IO[bytes], source: str, max_line_bytes: int) -> Iterator[tuple[int, bytes | BadRecord]]:
    """(line number, line) over every gzip member, a line running on across members; a line over
    ``max_line_bytes`` is skipped unread (TOO_LARGE), a bad member ends the line it cut (its reason)."""
    members = GzipMembers(stream, source, plain=lambda first: first.lstrip()[:1] == b"{")
    number, parts, size = 0, [], 0
    while True:
        more = members.next_member()
        if members.junk_before:
            parts, size = [], 0
            yield number, BadRecord(CORRUPT_GZIP, source, members.where, f"{members.junk_before} bytes not gzip")
        if not more:
            break
        reader = members.member_stream()
        while chunk := reader.readline(BLOCK):
            if size <= max_line_bytes:
                parts.append(chunk)
            size += len(chunk)
            if not chunk.endswith(b"\n"):
                continue
            number += 1
            yield number, b"".join(parts) if size <= max_line_bytes else _too_long(source, number, size, max_line_bytes)
            parts, size = [], 0
        if members.ended:  # the line it cut, and the lines after it that it lost: counted as one
            number += 1
            yield number, BadRecord(members.ended, source, f"line {number}", members.detail)
            parts, size = [], 0
    if parts:  # the last line, without a newline
        number += 1
        yield number, b"".join(parts) if size <= max_line_bytes else _too_long(source, number, size, max_line_bytes)
    if not members.total_output and not members.members_failed:
        yield 0, BadRecord(EMPTY_FILE, source, "byte 0", "the file holds no data")


def _too_long(source: str, number: int, size: int, limit: int) -> BadRecord:
    return BadRecord(TOO_LARGE, source, f"line {number}", f"{size} bytes, over max_page_bytes={limit}")


def _stable_id(source: str, line_number: int) -> str:
    return hashlib.sha1(f"{source}:{line_number}".encode()).hexdigest()[:16]
