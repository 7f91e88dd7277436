"""What a crawl sensor does, without Dagster: find new dumps and chunks whose file list changed.

The cursor maps each dump to a fingerprint per chunk (a hash of the chunk's file paths), so a
new dump, or new files in an existing one, yield requests once, and an unchanged source none.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from factory.crawl.sources import CrawlSource

Cursor = dict[str, dict[str, str]]


@dataclass(frozen=True)
class ChunkRequest:
    dump: str
    chunk: str
    fingerprint: str

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
        for chunk, paths in sorted(by_chunk.items()):
            fingerprint = hashlib.sha256("\n".join(sorted(paths)).encode()).hexdigest()[:16]
            if known.get(chunk) != fingerprint:
                requests.append(ChunkRequest(dump, chunk, fingerprint))
                known[chunk] = fingerprint
    return Discovery(new_dumps, requests, new_cursor)


def parse_cursor(text: str | None) -> Cursor:
    return json.loads(text) if text else {}
