"""MinHash's candidate pairs, checked per bucket inside the tasks, before they are clustered.

LSH with 14 buckets x 8 hashes puts two documents in one bucket with probability 1-(1-J^8)^14:
about 2% of pairs at J=0.45 still collide, and FineWeb merges every collision. Task ``b`` reads
bucket ``b``'s ``.dups`` files and keeps a pair only if the Jaccard similarity of the two
documents' shingle sets (datatrove's normalisation and 5-gram hashing, computed as the signature stage does) reaches
``min_jaccard`` (``None`` keeps every pair, as FineWeb does). It reads only the documents that
appear in its pairs, one input shard at a time, through the same reader and exact filter as the
signature stage, so a pair's ``(file, doc)`` indices mean the same documents.

Pairs against an earlier dump's index (``file == SENTINEL``; their text is not at hand) are kept,
and their documents are listed in ``earlier/<file>_<bucket>.matches`` so the filter stage can
say why they were removed.
"""

from __future__ import annotations

import logging
from collections import defaultdict

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

log = logging.getLogger(__name__)
SENTINEL = (1 << 32) - 1
PAIR_DTYPE = np.dtype("<u4")


def matches_file(file_id: int, bucket: int) -> str:
    return f"{file_id:06d}_{bucket:03d}.matches"


class CandidatePairs(PipelineStep):
    type = "🫂 - DEDUP"
    name = "🔍 MinHash pair check"

    def __init__(self, buckets_folder: DataFolderLike, verified_folder: DataFolderLike, earlier_folder: DataFolderLike,
                 read_input, minhash_config, min_jaccard: float | None, input_files: int, signatures: str = "fast"):
        super().__init__()
        self.buckets = get_datafolder(buckets_folder)
        self.verified = get_datafolder(verified_folder)
        self.earlier = get_datafolder(earlier_folder)
        self.read_input = read_input  # read_input(file_id, world_size) -> the documents of input file ``file_id``
        self.minhash_config, self.min_jaccard, self.input_files = minhash_config, min_jaccard, input_files
        self.signatures = signatures  # the signature stage's implementation computes the shingles (the same sets)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for name in self.buckets.list_files(glob_pattern=f"{rank:05d}_*.dups"):
            with self.buckets.open(name, "rb") as handle:
                pairs = np.frombuffer(handle.read(), dtype=PAIR_DTYPE).reshape(-1, 4)
            self.stat_update("candidates", value=len(pairs))
            from_index = pairs[:, 0] == SENTINEL
            self._write_earlier_matches(pairs[from_index], rank)
            kept = pairs if self.min_jaccard is None else self._similar(pairs, from_index)
            self.stat_update("rejected", value=len(pairs) - len(kept))
            self.stat_update("index_matches", value=int(from_index.sum()))
            with self.verified.open(name, "wb") as handle:
                handle.write(kept.astype(PAIR_DTYPE).tobytes())
        yield from data or ()

    def _similar(self, pairs: np.ndarray, from_index: np.ndarray) -> np.ndarray:
        shingles = self._shingles({(int(f), int(d)) for f, d, _, _ in pairs[~from_index]} |
                                  {(int(f), int(d)) for _, _, f, d in pairs[~from_index]})
        keep = np.ones(len(pairs), dtype=bool)
        for i, (f1, d1, f2, d2) in enumerate(pairs):
            if from_index[i]:
                continue
            a, b = shingles[(int(f1), int(d1))], shingles[(int(f2), int(d2))]
            keep[i] = (len(a & b) / len(a | b) if a or b else 1.0) >= self.min_jaccard
        return pairs[keep]

    def _shingles(self, needed: set[tuple[int, int]]) -> dict[tuple[int, int], set[int]]:
        """Shingle sets of the documents in this bucket's pairs, reading each input shard once."""
        from factory.dedup.signatures import signature_stage

        hasher = signature_stage(self.signatures, self.verified.path, self.minhash_config)
        by_file: dict[int, set[int]] = defaultdict(set)
        for file_id, doc_id in needed:
            by_file[file_id].add(doc_id)
        found = {}
        for file_id, doc_ids in sorted(by_file.items()):
            last = max(doc_ids)
            for doc_id, document in enumerate(self.read_input(file_id, self.input_files)):
                if doc_id in doc_ids:
                    found[(file_id, doc_id)] = set(hasher.get_shingles(document.text).ravel().tolist())
                if doc_id >= last:
                    break
        return found

    def _write_earlier_matches(self, pairs: np.ndarray, bucket: int) -> None:
        by_file: dict[int, list[int]] = defaultdict(list)
        for _, _, file_id, doc_id in pairs:
            by_file[int(file_id)].append(int(doc_id))
        for file_id, doc_ids in by_file.items():
            with self.earlier.open(matches_file(file_id, bucket), "wb") as handle:
                handle.write(np.asarray(sorted(set(doc_ids)), dtype=PAIR_DTYPE).tobytes())


class MarkEarlierMatches(PipelineStep):
    """Placed right before MinhashDedupFilter: flags the documents whose signature matched an earlier dump."""

    type = "🫂 - DEDUP"
    name = "🏷 Earlier-dump matches"

    def __init__(self, earlier_folder: DataFolderLike):
        super().__init__()
        self.earlier = get_datafolder(earlier_folder)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from factory.dedup.outputs import EARLIER_MATCH

        matched: set[int] = set()
        for name in self.earlier.list_files(glob_pattern=f"{rank:06d}_*.matches"):
            with self.earlier.open(name, "rb") as handle:
                matched.update(np.frombuffer(handle.read(), dtype=PAIR_DTYPE).tolist())
        for doc_id, document in enumerate(data or ()):
            if doc_id in matched:
                document.metadata[EARLIER_MATCH] = True
                self.stat_update("earlier_dump_matches")
            yield document


class CompleteRemoveFiles(PipelineStep):
    """After clustering: an empty ``.remove`` file for every input whose documents head clusters but lose none.

    datatrove's MinhashDedupFilter loads cluster ids only for inputs that have a ``.remove`` file, so without
    this the kept head of a cluster in such an input would carry no cluster id."""

    type = "🫂 - DEDUP"
    name = "🧩 Complete remove files"

    def __init__(self, remove_ids_folder: DataFolderLike, input_files: int):
        super().__init__()
        self.folder = get_datafolder(remove_ids_folder)
        self.input_files = input_files

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        yield from data or ()
        for file_id in range(self.input_files):
            if self.folder.exists(f"{file_id:06d}.clusters") and not self.folder.exists(f"{file_id:06d}.remove"):
                with self.folder.open(f"{file_id:06d}.remove", "wb"):
                    self.stat_update("empty_remove_files")
