"""Gopher's repetition filter with datatrove's decisions and reasons, several times faster."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters import GopherRepetitionFilter

from factory.curation.fast_filters.ngrams import NGrams, duplicates
from factory.curation.fast_filters.words import words_for


class FastGopherRepetitionFilter(GopherRepetitionFilter):
    """datatrove's ``GopherRepetitionFilter`` (same settings, stats and exclusion writer); see ``ngrams``."""

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        text = doc.text
        if not text:
            return False, "empty"

        paragraphs = self.paragraph_exp.split(text.strip())
        repeated, repeated_chars = duplicates(paragraphs)
        if self.dup_para_frac and repeated / len(paragraphs) > self.dup_para_frac:
            return False, "dup_para_frac"
        if self.dup_para_char_frac and repeated_chars / len(text) > self.dup_para_char_frac:
            return False, "dup_para_char_frac"

        lines = self._line_splitter.split(text)
        repeated, repeated_chars = duplicates(lines)
        if self.dup_line_frac and repeated / len(lines) > self.dup_line_frac:
            return False, "dup_line_frac"
        if self.dup_line_char_frac and repeated_chars / len(text) > self.dup_line_char_frac:
            return False, "dup_line_char_frac"

        ngrams = NGrams(words_for(self.language).words(text))
        for n, n_frac in self.top_n_grams:
            if len(ngrams.words) >= n and ngrams.top_chars(n) / len(text) > n_frac:
                return False, f"top_{n}_gram"
        for n, n_frac in self.dup_n_grams:
            if ngrams.repeated_chars(n) / len(text) > n_frac:
                return False, f"duplicated_{n}_n_grams"
        return True
