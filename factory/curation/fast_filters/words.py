"""Words and sentences exactly as datatrove's filters split them, for a fraction of the cost.

datatrove splits with a blank spaCy pipeline (``split_into_words``): every call runs the whole
pipeline, sentencizer included, inside a spaCy memory zone, which also switches off the
tokenizer's cache. Most of a FineWeb filter's time goes there. Here the same spaCy tokenizer runs
alone, with its cache, and is rebuilt when its vocabulary passes ``MAX_STRINGS`` so a task's memory
stays bounded; words are read from token offsets instead of a Python object per token; the Gopher
filters share one split of the same text (as datatrove's small cache does); sentences are only split
where a sentence-ending character can make more than one; and counting words makes no strings.

Languages whose datatrove tokenizer is not a plain spaCy pipeline (Japanese, Chinese, Thai...)
use datatrove's own tokenizer: same words, no speed-up.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from datatrove.utils.text import split_into_sentences, split_into_words
from datatrove.utils.word_tokenizers import SpaCyTokenizer, load_word_tokenizer
from spacy.attrs import IDX, IS_SPACE, LENGTH

# Strings in the tokenizer's vocabulary before it is rebuilt, which bounds its cache and vocabulary.
MAX_STRINGS = 1_000_000
# spaCy's first symbol: once a memory zone has made it a token, spaCy fails on every later text where it is one,
# and datatrove's workaround deletes the string from the text and splits again. The fast filters always do what
# datatrove does from the second such text of a process on (its first keeps the token).
IS_ALPHA_TEXT = "IS_ALPHA"
_OTHER_THAN_SINGLE_SPACES = re.compile(r"[^\S ]|  |^ | $")  # any whitespace but a space, two spaces, an edge space


class SpacyWords:
    """One language's words and sentence counts, as ``split_into_words``/``split_into_sentences`` give them."""

    def __init__(self, language: str):
        self.language = language
        self._nlp = None
        self._last_text: str | None = None
        self._last_words: list[str] = []
        self._chunks: dict[str, tuple[str, ...]] = {}

    def _tokens(self, text: str):
        """spaCy's tokens of ``text`` and the text they index."""
        if self._nlp is None or len(self._nlp.vocab.strings) > MAX_STRINGS:
            import spacy

            self._nlp = spacy.blank(self.language)
            self._nlp.add_pipe("sentencizer")
        tokens = self._nlp.tokenizer(text)
        if IS_ALPHA_TEXT in text and any(token.text == IS_ALPHA_TEXT for token in tokens):
            text = text.replace(IS_ALPHA_TEXT, "")
            tokens = self._nlp.tokenizer(text)
        return tokens, text

    def words(self, text: str) -> list[str]:
        """The tokens that are not blank (a token is all blank or not blank at all), stripped. The last text's
        words are kept, since the next filter often asks again: the list is shared, not to be changed."""
        if text is not self._last_text and text != self._last_text:
            tokens, source = self._tokens(text)
            spans = tokens.to_array([IDX, LENGTH, IS_SPACE]).tolist()  # no Token object per word
            self._last_words = [source[start:start + length].strip() for start, length, space in spans if not space]
            self._last_text = text
        return self._last_words

    def spaced_words(self, text: str) -> list[str]:
        """``words(text)`` for a text whose only whitespace is single spaces, such as ``simplify_text``'s output (what
        MinHash shingles). spaCy's tokenizer splits each space-separated chunk on its own, whatever its neighbours,
        so each distinct chunk is tokenized once per process and remembered (up to ``MAX_STRINGS`` chunks)."""
        if _OTHER_THAN_SINGLE_SPACES.search(text) or IS_ALPHA_TEXT in text:
            return list(self.words(text))
        if len(self._chunks) > MAX_STRINGS:
            self._chunks.clear()
        words: list[str] = []
        special = self._special_cases()
        for chunk in text.split(" "):
            if chunk.isascii() and chunk.isalpha() and chunk not in special:
                words.append(chunk)  # no affix or infix rule splits ASCII letters: one token
            elif chunk:
                known = self._chunks.get(chunk)
                if known is None:
                    known = self._chunks[chunk] = tuple(token.text for token in self._tokens(chunk)[0])
                words += known
        return words

    def _special_cases(self):
        """The tokenizer's exceptions ("cannot" -> "can", "not"), the only way it splits a run of ASCII letters."""
        if self._nlp is None:
            self._tokens("")
        return self._nlp.tokenizer.rules

    def count_words(self, text: str) -> int:
        """``len(words(text))``: tokens are all blank or not blank at all, so the blank ones are subtracted."""
        if text is self._last_text or text == self._last_text:
            return len(self._last_words)
        tokens, _ = self._tokens(text)
        return len(tokens) - int(tokens.to_array(IS_SPACE).sum())

    def count_sentences(self, line: str) -> int:
        """``len(split_into_sentences(line))``: one unless the line holds a character that can end a sentence."""
        if _sentence_end_pattern().search(line) is None:
            return 1
        tokens, _ = self._tokens(line)
        sentences = sum(1 for _ in self._nlp.get_pipe("sentencizer")(tokens).sents)
        return sentences or 1  # datatrove's span arithmetic makes one piece of an empty split


class DatatroveWords:
    """datatrove's own splitting, for the languages without a fast path."""

    def __init__(self, language: str):
        self.language = language

    def words(self, text: str) -> list[str]:
        return split_into_words(text, self.language)

    def spaced_words(self, text: str) -> list[str]:
        return self.words(text)

    def count_words(self, text: str) -> int:
        return len(self.words(text))

    def count_sentences(self, line: str) -> int:
        return len(split_into_sentences(line, self.language))


@cache
def words_for(language: str) -> SpacyWords | DatatroveWords:
    """The one splitter of a language in this process, shared by every fast filter."""
    tokenizer = load_word_tokenizer(language)
    if isinstance(tokenizer, SpaCyTokenizer) and tokenizer.config is None and tokenizer.language != "ja":
        return SpacyWords(tokenizer.language)
    return DatatroveWords(language)


@lru_cache(maxsize=1)
def _sentence_end_pattern() -> re.Pattern:
    from spacy.pipeline import Sentencizer

    return re.compile("|".join(map(re.escape, sorted(Sentencizer.default_punct_chars, key=len, reverse=True))))
