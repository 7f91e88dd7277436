"""FineWeb's quality filter with datatrove's decisions and reasons, faster: the last rule needs only
the number of words, and only when a cheap lower bound on it does not already settle the rule."""

from __future__ import annotations

from datatrove.pipeline.filters import FineWebQualityFilter

from factory.curation.fast_filters.ngrams import duplicates
from factory.curation.fast_filters.words import words_for


class FastFineWebQualityFilter(FineWebQualityFilter):
    """datatrove's ``FineWebQualityFilter`` (same settings, stats and exclusion writer)."""

    def filter(self, doc) -> bool | tuple[bool, str]:
        text = doc.text
        lines = [line for line in text.split("\n") if line.strip()]
        if not lines:
            return False, "empty"
        ratio = self._ends_with_stop_char(lines) / len(lines)
        if ratio < self.line_punct_thr and not (ratio == 0 and self.line_punct_exclude_zero):
            return False, "line_punct_ratio"

        ratio = sum(1 for line in lines if len(line) <= self.short_line_length) / len(lines)
        if ratio > self.short_line_threshold:
            return False, "short_line_ratio"

        ratio = duplicates(lines)[1] / (len(text) - text.count("\n"))
        if ratio > self.char_duplicates_ratio:
            return False, "char_dup_ratio"

        new_lines = text.count("\n")
        # Every whitespace-separated chunk is at least one word: when the ratio holds over the chunks it holds
        # over the words, and the text need not be tokenized.
        if (new_lines / len(text.split()) > self.new_line_ratio
                and new_lines / words_for(self.language).count_words(text) > self.new_line_ratio):
            return False, "list_ratio"
        return True

    def _ends_with_stop_char(self, lines: list[str]) -> int:
        if all(len(char) == 1 for char in self.stop_chars):  # a set lookup of the last character (lines are never empty)
            stop = frozenset(self.stop_chars)
            return sum(1 for line in lines if line[-1] in stop)
        return sum(1 for line in lines if line.endswith(self.stop_chars))
