"""What a crawl sensor does, without Dagster: find new dumps and chunks whose file list changed.

The cursor maps each dump to a fingerprint per chunk (a hash of the chunk's file paths), so a
new dump, or new files in an existing one, yield requests once, and an unchanged source none.
Every chunk of a dump is requested, those the hash gave no file too: each commits an empty
version, marked empty in the UI, instead of showing as a partition never materialized (a dump of
three files has at most three non-empty chunks). A chunk whose files are all gone is requested
again, and its version is then empty.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from factory.crawl.sources import CrawlSource, chunk_keys

Cursor = dict[str, dict[str, str]]


@dataclass(frozen=True)
class ChunkRequest:
    dump: str
    chunk: str
    fingerprint: str
    files: int = 0

    @property
    def run_key(self) -> str:
        return f"raw_crawl:{self.dump}:{self.chunk}:{self.fingerprint}"


@dataclass(frozen=True)
class Discovery:
    new_dumps: list[str]
    requests: list[ChunkRequest]
    cursor: Cursor

    def cursor_text(self) -> str:
        return json.dumps(self.cursor, sort_keys=True)


def discover(source: CrawlSource, chunks: int, cursor: Cursor | None = None) -> Discovery:
    cursor = cursor or {}
    new_cursor: Cursor = {dump: dict(state) for dump, state in cursor.items()}
    new_dumps, requests = [], []
    for dump in source.list_dumps():
        by_chunk: dict[str, list[str]] = defaultdict(list)
        for crawl_file in source.list_files(dump):
            by_chunk[crawl_file.chunk(chunks)].append(crawl_file.relpath)
        if dump not in cursor:
            new_dumps.append(dump)
        known = new_cursor.setdefault(dump, {})
        for chunk in chunk_keys(chunks):
            paths = by_chunk.get(chunk, [])
            fingerprint = hashlib.sha256("\n".join(sorted(paths)).encode()).hexdigest()[:16]
            if known.get(chunk) != fingerprint:
                requests.append(ChunkRequest(dump, chunk, fingerprint, len(paths)))
                known[chunk] = fingerprint
    # Fewest files first: the last run is a chunk with data, and the UI's asset Overview opens on the latest one.
    return Discovery(new_dumps, sorted(requests, key=lambda request: request.files), new_cursor)


def parse_cursor(text: str | None) -> Cursor:
    return json.loads(text) if text else {}
