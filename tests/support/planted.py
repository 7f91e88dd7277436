"""Planted near-duplicates of known word 5-gram Jaccard similarity, made from real documents.

A copy of a real document is mutated one word at a time (a word replaced by one from a
different real document) until the Jaccard similarity of the two documents' word 5-gram sets
reaches the target. The measured similarity is recorded with the pair, so a test or the
benchmark can say which pairs a dedup step should merge (>= 0.85) and which it must not (< 0.5).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i: i + n]) for i in range(max(0, len(words) - n + 1))}


def jaccard(a: str, b: str, n: int = 5) -> float:
    sa, sb = shingles(a, n), shingles(b, n)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


@dataclass(frozen=True)
class PlantedPair:
    original_id: str
    copy_id: str
    target: float
    similarity: float
    copy_text: str


def plant(original: str, donor: str, target: float, seed: int, n: int = 5) -> tuple[str, float]:
    """A copy of ``original`` mutated with ``donor``'s words down to Jaccard <= ``target``."""
    rng = random.Random(seed)
    tokens = re.split(r"(\s+)", original)  # words and the whitespace between them, so layout survives
    word_positions = [i for i, token in enumerate(tokens) if token.strip()]
    donor_words = [w for w in donor.split() if w.strip()] or ["lorem"]
    similarity = 1.0
    untouched = list(word_positions)
    rng.shuffle(untouched)
    reference = shingles(original, n)
    limit = None  # the largest step known not to overshoot from here
    while untouched and similarity > target:
        # Big steps while far from the target, single words near it, so the result lands just below it.
        step = max(1, int(len(word_positions) * (similarity - target) / (2 * n)))
        step = min(step, limit) if limit else step
        candidate = list(tokens)
        for position in untouched[-step:]:
            candidate[position] = rng.choice(donor_words)
        mutated = shingles("".join(candidate), n)
        new_similarity = len(reference & mutated) / len(reference | mutated) if reference or mutated else 1.0
        if new_similarity < target - 0.01 and step > 1:
            limit = step // 2  # overshot: retry with half the step
            continue
        limit = None
        del untouched[-step:]
        tokens, similarity = candidate, new_similarity
    return "".join(tokens), similarity


def plant_pairs(documents: list[tuple[str, str]], targets: list[float], seed: int = 0) -> list[PlantedPair]:
    """One planted copy per (document, target), cycling through ``targets``; donors are other documents."""
    pairs = []
    for i, (doc_id, text) in enumerate(documents):
        target = targets[i % len(targets)]
        donor = documents[(i + len(documents) // 2) % len(documents)][1]
        copy, similarity = plant(text, donor, target, seed + i)
        pairs.append(PlantedPair(doc_id, f"{doc_id}-planted-{target:.2f}", target, similarity, copy))
    return pairs


def merged_pairs(store, manifest, pairs: list[PlantedPair]) -> set[str]:
    """Copy ids of the pairs a ``deduped`` version put together: same MinHash cluster, or the same exact-dedup
    content key. A document removed because of a third document does not count as its pair merged."""
    import json

    cluster, key = {}, {}
    for row in store.read_table(manifest, "documents").select(["id", "metadata"]).to_pylist():
        metadata = json.loads(row["metadata"])
        cluster[row["id"]], key[row["id"]] = int(metadata.get("minhash_cluster_id", -1)), metadata.get("content_key")
    for table in ("removed/minhash", "removed/exact"):
        removed = store.read_table(manifest, table)
        for row in (removed.select(["id", "cluster_id", "content_key"]).to_pylist() if removed.num_rows else []):
            cluster[row["id"]], key[row["id"]] = int(row["cluster_id"]), row["content_key"]
    merged = set()
    for pair in pairs:
        a, b = cluster.get(pair.original_id, -1), cluster.get(pair.copy_id, -1)
        same_key = key.get(pair.original_id) is not None and key.get(pair.original_id) == key.get(pair.copy_id)
        if (a >= 0 and a == b) or same_key:
            merged.add(pair.copy_id)
    return merged
