"""Deterministic weighted sampling of documents to each source's token budget, streamed through tasks.

Every document gets a uniform draw ``u = hash(seed, source, partition, id)``. A source that must give
``T`` tokens out of the ``A`` it has gives every document ``T // A`` times (full passes), plus one
more copy of the documents with the smallest ``u`` until the remaining ``T - (T // A) * A`` tokens
are met. That threshold is found without holding the documents anywhere: each task adds its
documents' tokens into a histogram of ``u`` (``WeighDocuments``), the driver sums the histograms
of a source and finds the bin where the remainder is reached (``Threshold``), and documents in
that one bin are kept with the probability that fills it. The result depends only on the recipe
and the input documents, never on file order, the machine or the number of workers, nor on the
input version ids: a crawl file copied again unchanged (a new modification time, so new versions
upstream) draws the same sample, and the leaderboard does not move with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

BINS = 1 << 16
COPIES = "mix_copies"
SOURCE = "mix_source"
VERSION = "mix_version"


def draw(seed: int, source: int, partition: str, doc_id: str, salt: str = "") -> float:
    """A uniform number in [0, 1) that depends only on its arguments."""
    digest = hashlib.blake2b(f"{seed}:{source}:{partition}:{doc_id}:{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2**64


@dataclass(frozen=True)
class ShardSource:
    """Which source (index in the recipe), partition (what the draws depend on) and version (the lineage each kept
    document records) an input shard belongs to."""

    source: int
    partition: str
    version: str


@dataclass(frozen=True)
class Threshold:
    """How a source's documents are copied: ``passes`` times each, and once more below the threshold."""

    passes: int
    bin: int  # documents with a lower bin get the extra copy ...
    keep_in_bin: float  # ... and those in this bin with this probability

    @classmethod
    def for_budget(cls, histogram: np.ndarray, target: int) -> Threshold:
        available = int(histogram.sum())
        if available <= 0:
            raise ValueError("a mix source with no tokens cannot give any")
        passes, remainder = divmod(target, available)
        if remainder == 0:
            return cls(passes, 0, 0.0)
        cumulative = np.cumsum(histogram)
        edge = int(np.searchsorted(cumulative, remainder))  # first bin whose running total reaches the remainder
        below = int(cumulative[edge - 1]) if edge else 0
        return cls(passes, edge, (remainder - below) / int(histogram[edge]))

    def copies(self, u: float, u_in_bin: float) -> int:
        position = int(u * BINS)
        extra = position < self.bin or (position == self.bin and u_in_bin < self.keep_in_bin)
        return self.passes + int(extra)


def _tokens(document) -> int:
    return int(document.metadata.get("tokens") or 0)


class WeighDocuments(PipelineStep):
    """Stage 1, one task per input shard: the shard's tokens in a histogram of the documents' draws."""

    type = "⚖️ - MIX"
    name = "⚖️ Weigh documents"

    def __init__(self, shards: list[ShardSource], seed: int, output_folder: DataFolderLike):
        super().__init__()
        self.shards, self.seed = shards, seed
        self.output = get_datafolder(output_folder)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        shard = self.shards[rank]
        histogram = np.zeros(BINS, dtype=np.int64)
        for document in data or ():
            if (tokens := _tokens(document)) > 0:
                histogram[int(draw(self.seed, shard.source, shard.partition, document.id) * BINS)] += tokens
                self.stat_update("documents")
        with self.output.open(f"{rank:05d}.npy", "wb") as handle:
            np.save(handle, histogram, allow_pickle=False)
        yield from ()


class SampleDocuments(PipelineStep):
    """Stage 2, one task per input shard: keeps each document's number of copies in its metadata (0: dropped)
    and counts the tokens each source gives."""

    type = "⚖️ - MIX"
    name = "🎲 Sample documents"

    def __init__(self, shards: list[ShardSource], seed: int, thresholds: list[Threshold]):
        super().__init__()
        self.shards, self.seed, self.thresholds = shards, seed, thresholds

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        shard = self.shards[rank]
        threshold = self.thresholds[shard.source]
        for document in data or ():
            tokens = _tokens(document)
            if tokens <= 0:
                continue
            u = draw(self.seed, shard.source, shard.partition, document.id)
            copies = threshold.copies(u, draw(self.seed, shard.source, shard.partition, document.id, "bin"))
            if copies:
                document.metadata.update({COPIES: copies, SOURCE: shard.source, VERSION: shard.version})
                self.stat_update(f"source_{shard.source}_tokens", value=tokens * copies)
                self.stat_update(f"source_{shard.source}_documents", value=copies)
                yield document


class DropHeldout(PipelineStep):
    """Drops every held-out evaluation document (by id, text hash, or the source of a rephrasing) before it
    can be weighed or sampled, and counts them: a mix never trains on what its proxies are scored on."""

    type = "⚖️ - MIX"
    name = "🚧 Drop held-out documents"

    def __init__(self, exclusion):
        super().__init__()
        self.exclusion = exclusion  # factory.evaluation.heldout.Exclusion: a few thousand ids and hashes

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for document in data or ():
            source_id = document.metadata.get("source_id")
            if self.exclusion.excludes(str(document.id), document.text, str(source_id) if source_id else None):
                self.stat_update("heldout_excluded")
                continue
            yield document


class RepeatCopies(PipelineStep):
    """Each sampled document as many times as it was drawn, for the tokenizer."""

    type = "⚖️ - MIX"
    name = "🔁 Repeat copies"

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for document in data or ():
            for _ in range(int(document.metadata.get(COPIES, 1))):
                yield document
