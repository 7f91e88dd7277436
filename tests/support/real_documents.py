"""Every real document under a shared data folder, as text a filter would see: for tests and benchmarks.

- JSON lines with a ``text`` field (C4, the Dolma samples, WebOrganizer, DCLM, the Dolma topic sets);
- WET records as they are, and WARC HTML responses extracted by trafilatura (the default) and by
  resiliparse, as ``filtered`` extracts them;
- the English corpus: each text file of the NLTK zips, and the untagged Brown corpus as one document.

The benchmark sets under ``eval/`` are questions, not documents, and are left out.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from factory.crawl.records import RawRecord, file_format, iter_records

JSON_SUFFIXES = (".jsonl.gz", ".json.gz", ".jsonl")
EXTRACTORS = ("trafilatura", "resiliparse")


@dataclass(frozen=True)
class RealDocument:
    source: str  # the file, relative to the data folder, and the record or member in it
    text: str


def real_documents(data_dir: Path, only: str | None = None) -> Iterator[RealDocument]:
    """The documents in file order; ``only`` keeps the files whose relative path contains it."""
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file() and p.relative_to(data_dir).parts[0] != "eval"):
        relative = str(path.relative_to(data_dir))
        if only and only not in relative:
            continue
        if relative.endswith(JSON_SUFFIXES):
            yield from _json_lines(path, relative)
        elif file_format(relative) in ("warc", "wet"):
            yield from _crawl_records(path, relative)
        elif path.suffix == ".zip":
            yield from _zip_texts(path, relative)
        elif path.suffix == ".txt":
            yield RealDocument(relative, path.read_text(encoding="utf-8", errors="replace"))


def _json_lines(path: Path, relative: str) -> Iterator[RealDocument]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip() and isinstance(text := json.loads(line).get("text"), str):
                yield RealDocument(f"{relative}:{number}", text)


def _crawl_records(path: Path, relative: str) -> Iterator[RealDocument]:
    fmt = file_format(relative)
    with path.open("rb") as stream:
        for record in iter_records(stream, fmt, relative):
            if not isinstance(record, RawRecord) or not record.text:
                continue
            if fmt == "wet":
                yield RealDocument(f"{relative}:{record.url}", record.text)
                continue
            for extractor in EXTRACTORS:
                if text := _extract(record.text, extractor):
                    yield RealDocument(f"{relative}:{record.url}:{extractor}", text)


def _extract(html: str, extractor: str) -> str:
    from factory.curation.extraction import HtmlExtractor

    try:
        return HtmlExtractor(extractor).extract(html).strip()
    except Exception:  # noqa: BLE001 (a page the extractor cannot parse is dropped before any filter, whatever the error)
        return ""


def _zip_texts(path: Path, relative: str) -> Iterator[RealDocument]:
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith("/") or Path(name).name.startswith(("README", "CONTENTS", "cats")):
                continue
            yield RealDocument(f"{relative}:{name}", archive.read(name).decode("utf-8", errors="replace"))
