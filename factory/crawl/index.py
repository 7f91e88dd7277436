"""The ``raw_crawl`` step: which files a (dump, chunk) holds, with sizes, checksums and record counts.

The crawl itself is not copied: the version is an index of the source files, and its identity
is their URLs and checksums, so new or changed files make a new version and unchanged ones
reuse the committed one.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

import pyarrow as pa

from factory.crawl.sources import CrawlSource
from factory.steps import StepResult, reuse_committed
from factory.store import Store

log = logging.getLogger(__name__)
ASSET = "raw_crawl"
CODE_VERSION = "1"
# Typed even when empty: an empty chunk commits an empty file table, so downstream sees "no files".
FILES_SCHEMA = pa.schema([
    ("url", pa.string()), ("size", pa.int64()), ("checksum", pa.string()), ("records", pa.int64()), ("format", pa.string()),
])


def index_chunk(store: Store, source: CrawlSource, dump: str, chunk: str, chunks: int, run_id: str | None = None) -> StepResult:
    files = source.files_in_chunk(dump, chunk, chunks)
    described = [source.describe(f) for f in files]
    writer = store.writer(
        ASSET,
        {"dump": dump, "chunk": chunk},
        code_version=CODE_VERSION,
        config={"chunks": chunks, "source_kind": source.kind},
        sources=described,
        operational={"max_files_per_dump": source.max_files_per_dump},
        run_id=run_id,
    )
    if reused := reuse_committed(store, writer):
        return reused
    with writer.part(0) as part:
        part.write_table("files", pa.Table.from_pylist([asdict(f) for f in described], schema=FILES_SCHEMA))
        part.count(files=len(described), records=sum(f.records or 0 for f in described), bytes=sum(f.size for f in described))
    manifest = writer.commit()
    log.info("raw_crawl %s/%s: %d files, %d records", dump, chunk, len(described), manifest.counts["records"])
    return StepResult(manifest, reused=False)
