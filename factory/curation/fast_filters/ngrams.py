"""Gopher's repetition measures over a document's words, as datatrove computes them, in bulk.

datatrove joins every n-gram into a string in a Python loop. Here the most frequent n-grams are
counted as tuples in C (``Counter`` over ``zip``), and duplicate n-grams are found by a vectorised
polynomial hash of every n-gram: different hashes prove different n-grams, equal ones are compared
as strings, so a hash collision costs time, never a decision.
One quirk is kept on purpose: datatrove's duplicate n-grams are the words joined *without*
spaces, so ("ab", "c") repeats ("a", "bc"); hashing and slicing the joined words reproduce it.
"""

from __future__ import annotations

from collections import Counter
from itertools import accumulate
from operator import itemgetter

import numpy as np

_BASE = np.uint64(0x100000001B3)  # odd, so invertible modulo 2**64
_BASE_INVERSE = np.uint64(pow(int(_BASE), -1, 2**64))


def duplicates(elements: list[str]) -> tuple[int, int]:
    """datatrove's ``find_duplicates``: how many elements repeat an earlier one, and their characters."""
    unique = set(elements)
    return len(elements) - len(unique), sum(map(len, elements)) - sum(map(len, unique))


class NGrams:
    """The n-gram measures of one word list."""

    def __init__(self, words: list[str]):
        self.words = words
        self._joined = ""
        self._offsets: np.ndarray | None = None
        self._prefix_hashes: np.ndarray | None = None
        self._inverse_powers: np.ndarray | None = None

    def top_chars(self, n: int) -> int:
        """``find_top_duplicate(get_n_grams(words, n))``: characters of the most frequent n-gram (spaces
        included) times its count, the first one seen on ties, as ``Counter.most_common(1)``; 0 without n-grams."""
        if len(self.words) < n:
            return 0
        counts = Counter(zip(*(self.words[i:] for i in range(n))))
        gram, count = max(counts.items(), key=itemgetter(1))
        return (sum(map(len, gram)) + n - 1) * count

    def repeated_chars(self, n: int) -> int:
        """``find_all_duplicate(words, n)``: characters of the n-grams (joined without spaces) seen before,
        walking left to right and jumping over each repeated one.

        Only n-grams whose hash occurs twice can repeat, so the walk visits just those: every other step of
        datatrove's walk adds an n-gram nobody meets again. Each group of equal hashes is checked to hold
        one string; a collision falls back to walking the strings themselves."""
        if len(self.words) < n:
            return 0
        starts, ends, hashes = self._ngram_hashes(n)
        _, group, counts = np.unique(hashes, return_inverse=True, return_counts=True)
        repeating = np.flatnonzero(counts[group] > 1)
        if repeating.size == 0:
            return 0
        starts, ends, group = starts.tolist(), ends.tolist(), group.tolist()
        text_of_group: dict[int, str] = {}
        for position in repeating.tolist():
            gram = self._joined[starts[position]:ends[position]]
            if text_of_group.setdefault(group[position], gram) != gram:  # two n-grams share a hash
                return self._walk_strings(n, starts, ends)
        seen: set[int] = set()
        repeated = walked_to = 0
        for position in repeating.tolist():
            if position < walked_to:  # jumped over
                continue
            if group[position] in seen:
                repeated += ends[position] - starts[position]
                walked_to = position + n
            else:
                seen.add(group[position])
                walked_to = position + 1
        return repeated

    def _walk_strings(self, n: int, starts: list[int], ends: list[int]) -> int:
        """datatrove's walk itself, over the n-gram strings."""
        grams = [self._joined[start:end] for start, end in zip(starts, ends)]
        seen: set[str] = set()
        repeated = i = 0
        while i < len(grams):
            gram = grams[i]
            if gram in seen:
                repeated += len(gram)
                i += n
            else:
                seen.add(gram)
                i += 1
        return repeated

    def _ngram_hashes(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each n-gram's start and end in the joined words and its polynomial hash modulo 2**64."""
        if self._offsets is None:
            self._hash_prefixes()
        starts, ends = self._offsets[:-n], self._offsets[n:]
        with np.errstate(over="ignore"):
            hashes = (self._prefix_hashes[ends] - self._prefix_hashes[starts]) * self._inverse_powers[starts]
        return starts, ends, hashes

    def _hash_prefixes(self) -> None:
        """prefix[k] = sum of code[j] * BASE**j for j < k, so an n-gram's hash is a difference times BASE**-start."""
        self._joined = "".join(self.words)
        self._offsets = np.fromiter(accumulate(map(len, self.words), initial=0), dtype=np.int64, count=len(self.words) + 1)
        codes = np.frombuffer(self._joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        with np.errstate(over="ignore"):
            powers = np.cumprod(np.full(codes.size + 1, _BASE, dtype=np.uint64)) * _BASE_INVERSE  # BASE**0, BASE**1...
            self._inverse_powers = np.cumprod(np.full(codes.size + 1, _BASE_INVERSE, dtype=np.uint64)) * _BASE
            self._prefix_hashes = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(codes * powers[:-1], dtype=np.uint64)))
