"""Diversity of a partition's outputs: are they varied, or locked to one template?

- ``same_first_sentence_share``: share of outputs whose first sentence also opens another
  output (Qwen3's math rephrasings had 115 of 1,000 identical openings). Markdown headings are
  skipped, so a format header the recipe asks for ("## Frequently asked questions") is not an
  opening; the first sentence of the content is.
- ``distinct_2`` / ``distinct_3``: unique word n-grams over all n-grams (higher is more varied).
- ``compression_ratio``: raw bytes / gzip bytes of all outputs joined (higher is more repetitive).
- length distribution in SmolLM2 tokens.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from factory.generation.checks import ngrams, words

SENTENCE_END = re.compile(r"(?<=[.!?])\s|\n")


@dataclass(frozen=True)
class DiversityThresholds:
    max_same_first_sentence_share: float = 0.2
    min_distinct_2: float = 0.3
    max_compression_ratio: float = 6.0


def first_sentence(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines()]
    body = "\n".join(line for line in lines if line and not line.startswith("#") and set(line) - set("-|: "))
    sentence = SENTENCE_END.split(body, maxsplit=1)[0] if body else ""
    return " ".join(words(sentence))


def distinct_n(token_lists: Sequence[list[str]], n: int) -> float:
    grams = [g for tokens in token_lists for g in ngrams(tokens, n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def compression_ratio(texts: Sequence[str]) -> float:
    raw = "\n\n".join(texts).encode()
    return len(raw) / len(gzip.compress(raw, mtime=0)) if raw else 0.0


def _quantile(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def diversity_metrics(texts: Sequence[str], token_counts: Sequence[int]) -> dict:
    if not texts:
        return {"outputs": 0}
    openings = Counter(first_sentence(t) for t in texts)
    shared = sum(count for opening, count in openings.items() if count > 1)
    top_opening, top_count = openings.most_common(1)[0]
    token_lists = [words(t) for t in texts]
    lengths = list(token_counts)
    return {
        "outputs": len(texts),
        "same_first_sentence_share": round(shared / len(texts), 4),
        "most_common_first_sentence": top_opening[:200],
        "most_common_first_sentence_count": top_count,
        "distinct_2": round(distinct_n(token_lists, 2), 4),
        "distinct_3": round(distinct_n(token_lists, 3), 4),
        "compression_ratio": round(compression_ratio(texts), 3),
        "length_tokens": {
            "min": min(lengths), "p10": _quantile(lengths, 0.1), "p50": _quantile(lengths, 0.5),
            "p90": _quantile(lengths, 0.9), "max": max(lengths), "mean": round(sum(lengths) / len(lengths), 1),
        },
    }


def diversity_problems(metrics: dict, thresholds: DiversityThresholds) -> list[str]:
    """Human-readable reasons the partition looks template-locked; empty when it passes."""
    if not metrics.get("outputs"):
        return []
    problems = []
    if metrics["same_first_sentence_share"] > thresholds.max_same_first_sentence_share:
        problems.append(
            f"same_first_sentence_share {metrics['same_first_sentence_share']} > {thresholds.max_same_first_sentence_share} "
            f"(most common opening x{metrics['most_common_first_sentence_count']}: {metrics['most_common_first_sentence'][:80]!r})"
        )
    if metrics["distinct_2"] < thresholds.min_distinct_2:
        problems.append(f"distinct_2 {metrics['distinct_2']} < {thresholds.min_distinct_2}")
    if metrics["compression_ratio"] > thresholds.max_compression_ratio:
        problems.append(f"compression_ratio {metrics['compression_ratio']} > {thresholds.max_compression_ratio}")
    return problems


def thresholds_dict(thresholds: DiversityThresholds) -> dict:
    return asdict(thresholds)
