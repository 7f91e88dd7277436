"""Gopher's quality filter with datatrove's decisions and reasons, several times faster.

The words come from the shared splitter (usually already split by the repetition filter), and
each rule runs as one pass of C-level string methods instead of a generator per word.
"""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters import GopherQualityFilter
from datatrove.utils.text import PUNCTUATION_SET

from factory.curation.fast_filters.words import words_for

# ``word.strip(SYMBOLS)`` is empty exactly when every character of the word is in PUNCTUATION_SET.
SYMBOLS = "".join(PUNCTUATION_SET)
BULLETS = ("•", "-")
ELLIPSES = ("...", "…")


def _has_alpha(word: str) -> bool:
    return any(map(str.isalpha, word))


class FastGopherQualityFilter(GopherQualityFilter):
    """datatrove's ``GopherQualityFilter`` (same settings, stats and exclusion writer)."""

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        text = doc.text
        words = words_for(self.language).words(text)
        n_words = len(words)

        word_lengths = [len(word) for word in words if word.strip(SYMBOLS)]  # words that are not only symbols
        n_non_symbol_words = len(word_lengths)
        if self.min_doc_words and n_non_symbol_words < self.min_doc_words:
            return False, "gopher_short_doc"
        if self.max_doc_words and n_non_symbol_words > self.max_doc_words:
            return False, "gopher_long_doc"

        # numpy's mean of whole numbers is their exact sum over their count, correctly rounded; nan for none
        avg_word_length = sum(word_lengths) / n_non_symbol_words if n_non_symbol_words else float("nan")
        if self.min_avg_word_length and avg_word_length < self.min_avg_word_length:
            return False, "gopher_below_avg_threshold"
        if self.max_avg_word_length and avg_word_length > self.max_avg_word_length:
            return False, "gopher_above_avg_threshold"

        if self.max_symbol_word_ratio and text.count("#") / n_words > self.max_symbol_word_ratio:
            return False, "gopher_too_many_hashes"
        if self.max_symbol_word_ratio and (text.count("...") + text.count("…")) / n_words > self.max_symbol_word_ratio:
            return False, "gopher_too_many_ellipsis"

        lines = text.splitlines()
        if (self.max_bullet_lines_ratio
                and sum(1 for line in lines if line.lstrip().startswith(BULLETS)) / len(lines) > self.max_bullet_lines_ratio):
            return False, "gopher_too_many_bullets"
        if (self.max_ellipsis_lines_ratio
                and sum(1 for line in lines if line.rstrip().endswith(ELLIPSES)) / len(lines) > self.max_ellipsis_lines_ratio):
            return False, "gopher_too_many_end_ellipsis"

        if self.max_non_alpha_words_ratio and self._alpha_words(words) / n_words < self.max_non_alpha_words_ratio:
            return False, "gopher_below_alpha_threshold"

        if self.min_stop_words and len(self.stop_words.intersection(words)) < self.min_stop_words:
            return False, "gopher_enough_stop_words"
        return True

    @staticmethod
    def _alpha_words(words: list[str]) -> int:
        """How many words hold at least one letter. Most words are all letters: ``isalpha`` settles them in C."""
        return sum(1 for word in words if word.isalpha() or _has_alpha(word))
