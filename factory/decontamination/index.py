"""The contamination index: every n-gram of what no mix may hold, sorted, with the item it comes from.

Two aligned arrays (``hashes``: uint64 sorted; ``owners``: the row in ``items`` of each hash) and the
``items`` table (id, kind, source, n-grams, the matches that make a document contaminated, preview).
A hash shared by several items appears once per item. Matching a document is one ``searchsorted`` of
its n-gram hashes: a few microseconds per word, whatever the size of the index.

When is a document contaminated by an item? A benchmark item by any one of its n-grams (13 words in a
row of a question or an answer are not written twice by chance); a held-out document when the page holds
at least ``heldout_min_fraction`` of its n-grams: web pages share boilerplate sentences with the C4
held-out pages, which alone must not flag them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from factory.decontamination.items import BENCHMARK, IndexedText
from factory.decontamination.ngrams import informative_hashes, ngram_hashes, ngram_text, words

HASHES, OWNERS, ITEMS = "hashes.npy", "owners.npy", "items"
ITEMS_SCHEMA = pa.schema([("id", pa.string()), ("kind", pa.string()), ("source", pa.string()), ("ngrams", pa.int64()),
                          ("min_matches", pa.int64()), ("preview", pa.string())])


@dataclass(frozen=True)
class Match:
    """One item found in a document: how many of its distinct n-grams, and the first one as text."""

    item: str
    source: str
    ngrams: int
    example: str


class ContaminationIndex:
    def __init__(self, hashes: np.ndarray, owners: np.ndarray, items: pa.Table, ngram_size: int):
        self.hashes, self.owners, self.ngram_size = hashes, owners, ngram_size
        self.ids = items.column("id").to_pylist()
        self.sources = items.column("source").to_pylist()
        self.min_matches = np.asarray(items.column("min_matches").to_pylist(), dtype=np.int64)

    @classmethod
    def build(cls, items: Iterable[IndexedText], ngram_size: int, heldout_min_fraction: float) -> tuple[ContaminationIndex, pa.Table]:
        """The index of ``items``; an item with no informative n-gram (no text as long as one) cannot be indexed."""
        hashes, owners, rows = [], [], []
        for row, item in enumerate(items):
            found = np.unique(np.concatenate([informative_hashes(words(text), ngram_size) for text in item.texts] or [[]]).astype(np.uint64))
            needed = 1 if item.kind == BENCHMARK else max(1, math.ceil(heldout_min_fraction * len(found)))
            rows.append({"id": item.id, "kind": item.kind, "source": item.source, "ngrams": len(found),
                         "min_matches": needed, "preview": item.preview})
            hashes.append(found)
            owners.append(np.full(len(found), row, dtype=np.int32))
        all_hashes = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
        all_owners = np.concatenate(owners) if owners else np.zeros(0, np.int32)
        order = np.argsort(all_hashes, kind="stable")
        table = pa.Table.from_pylist(rows, schema=ITEMS_SCHEMA)
        return cls(all_hashes[order], all_owners[order], table, ngram_size), table

    @classmethod
    def load(cls, read: callable, items: pa.Table, ngram_size: int) -> ContaminationIndex:
        """From the stored arrays; ``read(name)`` gives a file's bytes."""
        return cls(np.load(io.BytesIO(read(HASHES))), np.load(io.BytesIO(read(OWNERS))), items, ngram_size)

    def array_bytes(self) -> dict[str, bytes]:
        files = {}
        for name, array in ((HASHES, self.hashes), (OWNERS, self.owners)):
            buffer = io.BytesIO()
            np.save(buffer, array)
            files[name] = buffer.getvalue()
        return files

    def matches(self, text: str, limit: int = 20) -> list[Match]:
        """The items ``text`` holds enough n-grams of, most n-grams first (at most ``limit``)."""
        tokens = words(text)
        doc_hashes = ngram_hashes(tokens, self.ngram_size)
        if not len(doc_hashes) or not len(self.hashes):
            return []
        # in sorted order, consecutive searches touch the same pages of the index: a third of the time of document order
        order = np.argsort(doc_hashes, kind="stable")
        ordered = doc_hashes[order]
        left = np.searchsorted(self.hashes, ordered, side="left")
        hit = np.nonzero(self.hashes[np.minimum(left, len(self.hashes) - 1)] == ordered)[0]
        if not len(hit):
            return []
        right = np.searchsorted(self.hashes, ordered[hit], side="right")
        counts: dict[int, set[int]] = {}  # item row -> distinct hashes matched
        first: dict[int, int] = {}  # item row -> position of its first n-gram in the document
        for index, start, end in zip(hit, left[hit], right):
            position, value = int(order[index]), int(ordered[index])
            for owner in self.owners[start:end]:
                counts.setdefault(int(owner), set()).add(value)
                first[int(owner)] = min(first.get(int(owner), position), position)
        found = [(owner, len(seen)) for owner, seen in counts.items() if len(seen) >= self.min_matches[owner]]
        found.sort(key=lambda pair: (-pair[1], pair[0]))
        return [Match(self.ids[owner], self.sources[owner], matched, ngram_text(tokens, first[owner], self.ngram_size))
                for owner, matched in found[:limit]]
