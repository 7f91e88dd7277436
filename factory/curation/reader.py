"""A datatrove reader over the factory's crawl records, so WARC/WET/JSONL quirks are handled once.

It reads the files a ``raw_crawl`` version lists through ``factory.crawl.records`` (angle-bracket
target URIs, non-HTML responses, JSONL id/url fallbacks, charsets) and yields datatrove Documents.
Files, not records, are split across tasks (datatrove's file sharding): task ``rank`` reads files
``rank, rank + world_size, ...`` whole, so no task decompresses a file whose records it does not
keep. Records are numbered in file order (``record_index``).

A bad record (truncated, unparsable, too large, binary, undecodable...) becomes an empty document
marked ``bad_input`` with its reason; ``BadInputFilter``, the first step after the reader, removes
it into ``removed/input``, so bad input is counted like any filter's removals. A file with nothing
readable raises ``UnreadableCrawlFile`` naming it, which fails the task and so the partition.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter

from factory.crawl.records import DEFAULT_MAX_PAGE_BYTES, WARC, BadRecord, RawRecord, iter_records
from factory.store.filesystem import StorageOptions, open_filesystem

log = logging.getLogger(__name__)
NEEDS_EXTRACTION = "needs_extraction"
BAD_INPUT = "bad_input"


@dataclass(frozen=True)
class CrawlInput:
    url: str
    format: str


class CrawlRecordReader(PipelineStep):
    type = "📖 - READER"
    name = "🕸 Crawl records"

    def __init__(self, files: list[CrawlInput], dump: str, max_documents: int | None = None,
                 storage: StorageOptions | None = None, max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES):
        super().__init__()
        self.files, self.dump, self.max_documents = list(files), dump, max_documents
        self.storage, self.max_page_bytes = storage or StorageOptions(), max_page_bytes

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        for crawl_file in self.files[rank::world_size]:
            yield from self.read_file(crawl_file)

    def read_file(self, crawl_file: CrawlInput) -> DocumentsPipeline:
        fs, path = open_filesystem(crawl_file.url, self.storage)
        with fs.open(path, "rb") as stream:
            items = iter_records(stream, crawl_file.format, crawl_file.url, self.max_page_bytes, bad_records=True)
            for index, item in enumerate(items):
                if self.max_documents is not None and index >= self.max_documents:
                    return
                with self.track_time():
                    document = self.to_document(item, crawl_file.url, index)
                self.stat_update("documents")
                if isinstance(item, BadRecord):
                    self.stat_update(f"bad_{item.reason}")
                yield document

    def to_document(self, record: RawRecord | BadRecord, source_file: str, record_index: int) -> Document:
        metadata = {"url": record.url, "dump": self.dump, "source_file": source_file, "record_index": record_index}
        if isinstance(record, BadRecord):
            metadata.update({BAD_INPUT: record.reason, "bad_input_where": record.where,
                             "bad_input_detail": record.detail})
            return Document(text="", id=record.id or f"{source_file}#{record_index}", metadata=metadata)
        metadata.update({"format": record.format, "date": record.date, **record.metadata})
        if record.format == WARC:
            metadata[NEEDS_EXTRACTION] = True
        return Document(text=record.text, id=record.id, metadata=metadata)


class BadInputFilter(BaseFilter):
    """Removes the reader's bad-input documents, with the reader's reason (``truncated``, ``too_large``...)."""

    name = "🚧 Bad input"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        reason = doc.metadata.pop(BAD_INPUT, None)
        return (False, reason) if reason else True
