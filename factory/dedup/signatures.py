"""MinHash signatures: datatrove's stage, bit for bit, with its shingles computed several times faster.

datatrove hashes the 5-grams of ``word_tokenize(simplify_text(text))``; its word tokenizer runs a whole blank spaCy
pipeline (sentencizer included) in a memory zone, which switches off the tokenizer's cache: about four fifths of a
signature's time (measured: 5.3 of 6.4 ms a page). Here the words come from ``spaced_words``
(``factory.curation.fast_filters.words``): the same spaCy tokenizer, each distinct space-separated chunk of the
simplified text tokenized once per process; and ``simplified`` (``fast_filters.text``) is ``simplify_text`` with
its diacritics step walking only non-ASCII runs; the permutation's modulo by the Mersenne prime is a fold. The
n-gram hashing, the signature files and their sorting are datatrove's own. ``tests/dedup/test_signatures.py``
checks identical shingles and signatures on every 16th real document here and the same version and removed set on
planted near-duplicates; ``bench/minhash.py`` compares every real document and times both.

The implementation is operational (``DedupConfig.signatures``): recorded in the manifest, never part of the version.
"""

from __future__ import annotations

import numpy as np
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature, _mersenne_prime
from datatrove.utils.typeshelper import Languages

from factory.curation.fast_filters.text import simplified
from factory.curation.fast_filters.words import words_for
from factory.dedup.config import IMPLEMENTATIONS

PRIME = np.uint64(_mersenne_prime)  # 2**61 - 1


class FastMinhashSignature(MinhashDedupSignature):
    """``MinhashDedupSignature`` with faster ``get_shingles`` and ``get_signature``, the same values."""

    name = "🎯 MinHash stage 1 (fast shingles)"

    def __init__(self, output_folder, config: MinhashConfig | None = None, language: str = Languages.english):
        super().__init__(output_folder, config=config, language=language)
        self.words = words_for(language)

    def get_shingles(self, text: str) -> np.ndarray:
        words = self.words.spaced_words(simplified(text, self.config.norm_config))
        n, hash_text = self.config.n_grams, self._hash_func
        count = max(0, len(words) - n + 1)
        return np.fromiter((hash_text(" ".join(words[i:i + n])) for i in range(count)), dtype=np.uint64,
                           count=count).reshape((-1, 1))

    def get_signature(self, shingles: np.ndarray) -> list[list[int]]:
        """datatrove's ``(shingles * a + b) % p`` (wrapping at 2**64, as its uint64 arithmetic does) without a
        division: for the Mersenne prime p = 2**61 - 1, x = hi * 2**61 + lo is hi + lo modulo p."""
        a, b = self.parameters
        values = shingles * a
        values += b
        folded = values & PRIME
        values >>= np.uint64(61)
        folded += values
        np.subtract(folded, PRIME, out=folded, where=folded >= PRIME)
        if self.config.hash_config.precision == 32:
            folded &= np.uint64(self.config.hash_config.max)
        minimum = folded.min(axis=0).astype(self.config.hash_config.np_dtype)
        return [bucket.tolist() for bucket in np.split(minimum, self.config.num_buckets)]


def signature_stage(implementation: str, output_folder, config: MinhashConfig) -> MinhashDedupSignature:
    """The signature step of ``implementation`` (``IMPLEMENTATIONS``): the same files either way."""
    if implementation == "fast":
        return FastMinhashSignature(output_folder, config=config)
    if implementation == "datatrove":
        return MinhashDedupSignature(output_folder, config=config)
    raise ValueError(f"MinHash signatures {implementation!r} is unknown: expected one of {IMPLEMENTATIONS}")
