"""C4's quality filter with datatrove's decisions, reasons, line statistics and kept text, faster.

datatrove splits every kept line into sentences with a spaCy pipeline to count them, though only
"fewer than ``min_num_sentences``" decides. Here counting stops once that many are found, and a line
without a character that can end a sentence counts one without being split.
"""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter
from datatrove.pipeline.filters.c4_filters import CITATION_REGEX, ELLIPSIS, END_PUNCTUATION, POLICY_SUBSTRINGS

from factory.curation.fast_filters.words import words_for


class FastC4QualityFilter(C4QualityFilter):
    """datatrove's ``C4QualityFilter`` (same settings, stats, exclusion writer and shortened text)."""

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if not self.split_paragraph:  # sentence mode: rare, and datatrove's own splitting decides the lines
            return super().filter(doc)
        words_of = words_for(self.language)
        num_sentences = 0
        kept_lines = []
        for line in doc.text.splitlines():
            line = line.strip()
            words = line.split()
            self.stat_update("line-total")
            if (self.max_word_length != -1 and len(line) > self.max_word_length
                    and max(map(len, words)) > self.max_word_length):
                self.stat_update("line-filter-too_long_word")
                continue
            if self.remove_citations and "[" in line:
                line = CITATION_REGEX.sub("", line)
            if self.filter_no_terminal_punct and (not line.endswith(END_PUNCTUATION) or line.endswith(ELLIPSIS)):
                self.stat_update("line-filter-no_terminal_punc")
                continue
            if len(words) < self.min_words_per_line:
                self.stat_update("line-filter-too_few_words")
                continue
            line_l = line.lower()
            if self.filter_lorem_ipsum and "lorem ipsum" in line_l:
                return False, "lorem_ipsum"
            if self.filter_javascript and "javascript" in line_l:
                self.stat_update("line-filter-javascript")
                continue
            if self.filter_curly_bracket and "{" in line:
                return False, "curly_bracket"
            if self.filter_policy and any(p in line_l for p in POLICY_SUBSTRINGS):
                self.stat_update("line-filter-policy")
                continue
            if self.min_num_sentences != -1 and num_sentences < self.min_num_sentences:
                num_sentences += words_of.count_sentences(line)
            kept_lines.append(line)
            self.stat_update("line-kept")
        if num_sentences < self.min_num_sentences:
            return False, "too_few_sentences"

        doc.text = "\n".join(kept_lines).strip()
        return True
