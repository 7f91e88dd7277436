"""Checking MinHash's candidate pairs against their exact shingle Jaccard before they are merged.

LSH with 14 buckets x 8 hashes puts two documents in one bucket with probability
1-(1-J^8)^14: about 2% of pairs at J=0.45 still collide, and FineWeb merges every collision.
Here each candidate pair from the buckets stage is kept only if the Jaccard similarity of the two
documents' shingle sets (datatrove's own normalisation and 5-gram hashing) reaches
``min_jaccard``; pairs against an earlier dump's index (whose texts are not at hand) are kept.
"""

from __future__ import annotations

import gzip
import json
import logging
import struct
from pathlib import Path

log = logging.getLogger(__name__)
SENTINEL = (1 << 32) - 1
PAIR = struct.Struct("<4I")


def verify_pairs(buckets_dir: Path, verified_dir: Path, input_dir: Path, minhash_config, min_jaccard: float) -> dict[str, int]:
    """Copy the ``.dups`` files of ``buckets_dir`` to ``verified_dir`` without the pairs below ``min_jaccard``."""
    from datatrove.pipeline.dedup.minhash import MinhashDedupSignature

    signature = MinhashDedupSignature(output_folder=str(verified_dir / "_unused"), config=minhash_config)
    inputs = sorted(input_dir.glob("*.jsonl.gz"))
    texts: dict[int, list[str]] = {}
    shingles: dict[tuple[int, int], set] = {}

    def shingle_set(file_id: int, doc_id: int) -> set:
        if (file_id, doc_id) not in shingles:
            if file_id not in texts:
                with gzip.open(inputs[file_id], "rt", encoding="utf-8") as handle:
                    texts[file_id] = [json.loads(line).get("text", "") for line in handle if line.strip()]
            shingles[(file_id, doc_id)] = set(signature.get_shingles(texts[file_id][doc_id]).ravel().tolist())
        return shingles[(file_id, doc_id)]

    counts = {"candidates": 0, "rejected": 0, "index_matches": 0}
    verified_dir.mkdir(parents=True, exist_ok=True)
    for dups in sorted(buckets_dir.glob("*.dups")):
        data, kept = dups.read_bytes(), bytearray()
        for f1, d1, f2, d2 in PAIR.iter_unpack(data):
            counts["candidates"] += 1
            if f1 == SENTINEL:  # matched an earlier dump's index: nothing to compare with
                counts["index_matches"] += 1
                kept += PAIR.pack(f1, d1, f2, d2)
                continue
            a, b = shingle_set(f1, d1), shingle_set(f2, d2)
            similarity = len(a & b) / len(a | b) if a or b else 1.0
            if similarity >= min_jaccard:
                kept += PAIR.pack(f1, d1, f2, d2)
            else:
                counts["rejected"] += 1
        (verified_dir / dups.name).write_bytes(bytes(kept))
    log.info("MinHash candidate pairs: %(candidates)d, rejected below the Jaccard floor: %(rejected)d", counts)
    return counts
