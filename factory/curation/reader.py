"""A datatrove reader over the factory's crawl records, so WARC/WET/JSONL quirks are handled once.

It reads the files a ``raw_crawl`` version lists through ``factory.crawl.records`` (angle-bracket
target URIs, non-HTML responses, JSONL id/url fallbacks) and yields datatrove Documents. Files,
not records, are split across tasks (datatrove's file sharding): task ``rank`` reads files
``rank, rank + world_size, ...`` whole, so no task decompresses a file whose records it does not
keep. Records are numbered in file order (``record_index``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from factory.crawl.records import WARC, iter_records
from factory.store.filesystem import StorageOptions, open_filesystem

log = logging.getLogger(__name__)
NEEDS_EXTRACTION = "needs_extraction"


@dataclass(frozen=True)
class CrawlInput:
    url: str
    format: str


class CrawlRecordReader(PipelineStep):
    type = "📖 - READER"
    name = "🕸 Crawl records"

    def __init__(self, files: list[CrawlInput], dump: str, max_documents: int | None = None,
                 storage: StorageOptions | None = None):
        super().__init__()
        self.files, self.dump, self.max_documents = list(files), dump, max_documents
        self.storage = storage or StorageOptions()

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        for crawl_file in self.files[rank::world_size]:
            yield from self.read_file(crawl_file)

    def read_file(self, crawl_file: CrawlInput) -> DocumentsPipeline:
        fs, path = open_filesystem(crawl_file.url, self.storage)
        with fs.open(path, "rb") as stream:
            for index, record in enumerate(iter_records(stream, crawl_file.format, crawl_file.url)):
                if self.max_documents is not None and index >= self.max_documents:
                    return
                with self.track_time():
                    document = self.to_document(record, crawl_file.url, index)
                self.stat_update("documents")
                yield document

    def to_document(self, record, source_file: str, record_index: int) -> Document:
        metadata = {
            "url": record.url, "dump": self.dump, "source_file": source_file, "format": record.format,
            "date": record.date, "record_index": record_index,
        }
        if record.format == WARC:
            metadata[NEEDS_EXTRACTION] = True
            return Document(text=decode_html(record.html), id=record.id, metadata=metadata)
        return Document(text=record.text, id=record.id, metadata=metadata)


def decode_html(html: bytes) -> str:
    """HTML bytes as text, in the encoding the page declares or resiliparse detects."""
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    return bytes_to_str(html, detect_encoding(html))
