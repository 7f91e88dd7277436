"""Faithfulness of a rephrasing to its source page: does the output still say what the page says?

The output checks catch copies and loops; an output that left its source behind (a fluent invention about
something else) passes them. Two measures, each from the output and its own source only:

- ``source_similarity``: cosine of the all-MiniLM-L6-v2 embeddings of the output and of the source (the
  source embedded in windows of about the embedder's length, the best window counting: an FAQ on a page's
  second half is as faithful as one on its opening). It says whether the output is about what the page is about.
- ``supported_share``: the share of the output's distinct content words (stemmed; stop words and the words
  of the recipe's own prompt left out, since "question", "step" or "table" come from the prompt) that the
  source contains. It says whether what the output states comes from the page.

``faithfulness`` is their mean. The choice and its threshold come from ``bench/faithfulness.py``
(``bench/results/faithfulness.json``): each output against its own source and against another page of the same
recipe and source length, AUC per recipe and backend, where the mean separated the pairs better than the geometric
mean or either measure alone on most recipes; and a labelled set read by hand, which sets the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from factory.generation.recipes import Recipe

WORD = re.compile(r"[^\W_]+", re.UNICODE)
BINS = 20  # histogram bins of the score over [0, 1]
EXCERPT_CHARS = 400
LEAST_FAITHFUL = 3  # kept outputs per part (and per partition) shown beside their sources
SOURCE_WINDOWS = 4  # windows read per source (the rest of a long page is not read)
WINDOW_WORDS = 180  # about the 256 tokens MiniLM reads


@lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem import PorterStemmer  # rule-based: no data files

    return lru_cache(maxsize=100_000)(PorterStemmer().stem)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def content_terms(text: str) -> set[str]:
    """Distinct stemmed content words: no stop words, no one- or two-letter words (numbers are kept)."""
    stem, stop = _stemmer(), _stop_words()
    return {stem(w) for w in WORD.findall(text.lower()) if w not in stop and (len(w) > 2 or w.isdigit())}


def prompt_terms(recipe: Recipe) -> frozenset[str]:
    """The content words the recipe's prompt itself supplies (its format words: question, answer, step...)."""
    return frozenset(content_terms(recipe.system + "\n" + recipe.user.replace("{text}", "")))


def supported_share(output: str, source: str, prompt: frozenset[str] = frozenset()) -> float:
    """Share of the output's distinct content words, less the prompt's, that the source contains (0 for none)."""
    stated = content_terms(output) - prompt
    return len(stated & content_terms(source)) / len(stated) if stated else 0.0


def combine(similarity: float, supported: float) -> float:
    """The faithfulness score: the mean of the two (a negative cosine counts as 0)."""
    return (max(similarity, 0.0) + supported) / 2


class FaithfulnessScorer:
    """Scores outputs against their sources with a loaded embedder (``factory.models.embeddings.Embedder``)."""

    def __init__(self, embedder):
        self.embedder = embedder

    def identity(self) -> dict:
        """What decides the scores: the embedder by content and its length, the windows read, the measure."""
        return {"embedder": self.embedder.identity(), "source_windows": [SOURCE_WINDOWS, WINDOW_WORDS],
                "measure": "mean(similarity, supported)"}

    def similarities(self, outputs: Sequence[str], sources: Sequence[str]) -> list[float]:
        """Cosine of each output with the best of its source's first ``SOURCE_WINDOWS`` windows."""
        windows, owners = [], []
        for number, source in enumerate(sources):
            for window in source_windows(source):
                windows.append(window)
                owners.append(number)
        output_vectors = self.embedder.embed(list(outputs))
        window_vectors = self.embedder.embed(windows)
        cosines = np.einsum("ij,ij->i", window_vectors, output_vectors[owners])
        best = np.full(len(sources), -1.0)
        np.maximum.at(best, np.asarray(owners, dtype=np.int64), cosines)
        return [round(float(value), 4) for value in best]

    def score(self, outputs: Sequence[str], sources: Sequence[str], recipe: Recipe) -> list[dict[str, float]]:
        """Per output: source_similarity, supported_share and faithfulness."""
        if not outputs:
            return []
        prompt = prompt_terms(recipe)
        scores = []
        for output, source, similarity in zip(outputs, sources, self.similarities(outputs, sources)):
            supported = supported_share(output, source, prompt)
            scores.append({"source_similarity": similarity, "supported_share": round(supported, 4),
                           "faithfulness": round(combine(similarity, supported), 4)})
        return scores


def faithfulness_scorer() -> FaithfulnessScorer:
    """The scorer the synthetic step uses: the packaged all-MiniLM-L6-v2, loaded on first use."""
    from factory.models.embeddings import Embedder

    return FaithfulnessScorer(Embedder())


def source_windows(source: str, words: int = WINDOW_WORDS, count: int = SOURCE_WINDOWS) -> list[str]:
    """The source's first ``count`` windows of ``words`` words (the whole source if shorter)."""
    tokens = source.split()
    return [" ".join(tokens[start:start + words]) for start in range(0, len(tokens), words)][:count] or [source]


def histogram(values: Sequence[float]) -> list[int]:
    """Counts of ``values`` in ``BINS`` equal bins over [0, 1] (1.0 in the last)."""
    counts = [0] * BINS
    for value in values:
        counts[min(max(int(value * BINS), 0), BINS - 1)] += 1
    return counts


def part_summary(scores: Sequence[dict], kept: Sequence[bool], rows: Sequence[dict], sources: Sequence[str]) -> dict:
    """What one committed part records: histograms of every scored output and of the kept ones, and its least
    faithful kept outputs with excerpts of their sources (bounded: the UI shows them without reading the data)."""
    values = [s["faithfulness"] for s in scores]
    kept_values = [v for v, k in zip(values, kept) if k]
    least = sorted((i for i, k in enumerate(kept) if k), key=lambda i: values[i])[:LEAST_FAITHFUL]
    return {
        "histogram": histogram(values), "kept_histogram": histogram(kept_values),
        "sum": round(sum(values), 4), "kept_sum": round(sum(kept_values), 4),
        "least_faithful_kept": [{"id": rows[i]["id"], "source_id": rows[i]["source_id"], **scores[i],
                                 "output": rows[i]["text"][:EXCERPT_CHARS], "source": sources[i][:EXCERPT_CHARS]} for i in least],
    }


def summed(parts: Sequence[dict]) -> dict:
    """The partition's faithfulness over its parts' summaries: histograms, means, and its least faithful kept outputs."""
    parts = [p for p in parts if p]
    if not parts:
        return {}
    histogram_all = [sum(column) for column in zip(*(p["histogram"] for p in parts))]
    kept = [sum(column) for column in zip(*(p["kept_histogram"] for p in parts))]
    scored, kept_count = sum(histogram_all), sum(kept)
    least = sorted((row for p in parts for row in p["least_faithful_kept"]), key=lambda row: row["faithfulness"])
    return {
        "scored": scored, "mean": round(sum(p["sum"] for p in parts) / scored, 4) if scored else 0.0,
        "kept": kept_count, "kept_mean": round(sum(p["kept_sum"] for p in parts) / kept_count, 4) if kept_count else 0.0,
        "bins": BINS, "histogram": histogram_all, "kept_histogram": kept, "least_faithful_kept": least[:LEAST_FAITHFUL],
    }
