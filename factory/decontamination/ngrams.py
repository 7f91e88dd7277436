"""The normalisation and n-gram hashes shared by the index and the filter, so both see the same words.

Text is normalised with datatrove's ``simplify_text`` (lowercase, punctuation and diacritics removed, numbers to
0, whitespace collapsed: what its ``NGramsDecontFilter`` does) and split on spaces; n-grams are hashed with
xxhash64 as datatrove's ``HashConfig()`` does. datatrove's filter splits words with spaCy, which after
``simplify_text`` changes 0.14% of the words of the C4 sample and costs 20x the time of the rest of the
check (7.0 s against 0.3 s for its 1,000 pages), so the factory splits on whitespace on both sides.

Two departures, both found by looking at every real page the first index flagged (``bench/decontamination.py``):
a token with no letter or digit (a bullet "•", which ``simplify_text`` keeps) is dropped, and the index keeps
only *informative* n-grams, half of whose words or more hold a letter. Numbers all normalise to "0", so a
list of page numbers, a calendar or a table of scores became "0 0 0 ... 0" and matched every benchmark item
holding a list of numbers (most of the pages the first index flagged).
"""

from __future__ import annotations

import re

import numpy as np
import xxhash

from factory.curation.fast_filters.text import simplified

NGRAM_SIZE = 13  # GPT-3's, NeMo Curator's and Dolma's; datatrove's default is 12
_WORD = re.compile(r"\S*[^\W_]\S*")  # a token holding a letter or a digit


def words(text: str) -> list[str]:
    """``simplify_text``'s words (``simplified`` gives its string, faster), less those with no letter or digit."""
    return _WORD.findall(simplified(text))


def ngram_text(tokens: list[str], start: int, size: int) -> str:
    return " ".join(tokens[start:start + size])


def ngram_hashes(tokens: list[str], size: int) -> np.ndarray:
    """The hash of every ``size``-gram of ``tokens`` in order (none for a text shorter than ``size`` words)."""
    count = max(0, len(tokens) - size + 1)
    return np.fromiter((xxhash.xxh64_intdigest(" ".join(tokens[i:i + size])) for i in range(count)),
                       dtype=np.uint64, count=count)


def informative_hashes(tokens: list[str], size: int) -> np.ndarray:
    """The hashes of the ``size``-grams at least half of whose words hold a letter: what the index keeps."""
    hashes = ngram_hashes(tokens, size)
    if not len(hashes):
        return hashes
    lettered = np.cumsum([0] + [any(char.isalpha() for char in token) for token in tokens])
    per_window = lettered[size:] - lettered[:-size]
    return hashes[per_window * 2 >= size]
