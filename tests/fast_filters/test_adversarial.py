"""The fast filters against datatrove's on texts made to reach every rule and edge: empty, one word, only
punctuation, very long lines and words, non-Latin scripts, bullets, ellipses, repeated lines and n-grams,
the join-without-spaces quirk of datatrove's duplicate n-grams, citations, and thresholds switched off."""

from __future__ import annotations

import pytest

from factory.curation.config import CurationConfig
from tests.fast_filters.equivalence import SideBySide, all_differences

PROSE = ("The committee met on Tuesday to review the budget. It was agreed that the funds would be spent on "
         "the new library, and that the work should start before the end of the year. ")
ADVERSARIAL = {
    "empty": "",
    "one word": "hello",
    "only spaces": "   \n\n \t ",
    "only newlines": "\n\n\n",
    "only punctuation": "!!! ... ??? ,,, ;;; --- ### ***",
    "symbols and words": "# # # the and of to be that have with " * 20,
    "one very long line": "word " * 30_000,
    "one very long word": "x" * 5000 + " and the of to that " * 20,
    "long word in a long line": ("the " * 400) + "y" * 1200 + ". " + PROSE * 3,
    "cyrillic": "Москва — столица России. Это крупнейший город страны. " * 30,
    "chinese": "北京是中国的首都。它是一个历史悠久的城市。" * 40,
    "arabic": "القاهرة هي عاصمة مصر. إنها مدينة كبيرة جدا. " * 30,
    "devanagari danda": "यह एक वाक्य है। यह दूसरा वाक्य है। " * 30,
    "emoji": "I love this 😀😀 so much!!! Best day ever 🎉. " * 30,
    "bullet list": "\n".join(f"- item number {i} of the list" for i in range(60)),
    "bullet dots": "\n".join(f"• the point {i} and the next" for i in range(60)),
    "indented bullets": "\n".join(f"   - the {i} that be to of" for i in range(40)) + "\n" + PROSE,
    "ellipsis lines": "\n".join(f"and then the story went on {i}..." for i in range(40)),
    "unicode ellipsis": "\n".join(f"to be continued with the {i}…" for i in range(40)),
    "repeated lines": "\n".join(["Click here to subscribe to the newsletter."] * 50),
    "repeated paragraphs": "\n\n".join([PROSE] * 8),
    "repeated with one change": "\n".join([PROSE] * 3 + [PROSE.replace("Tuesday", "Monday")]),
    "top 2-gram": "of the " * 200 + PROSE,
    "duplicated 5-grams": " ".join(["the quick brown fox jumps"] * 30) + " " + PROSE,
    "joined-without-spaces quirk": " ".join(["ab c d e f g h i j", "a bc d e f g h i j"] * 40),
    "near the thresholds": PROSE * 2 + "\n".join(["Home", "About", "Contact"] * 3),
    "short lines": "\n".join(["Menu", "Login", "Search", "News", "Sport"] * 20) + "\n" + PROSE,
    "no terminal punctuation": "\n".join(f"the value of item {i} is to be set with care" for i in range(30)),
    "lorem ipsum": PROSE + "\nLorem ipsum dolor sit amet, consectetur adipiscing elit.\n" + PROSE,
    "javascript": PROSE + "\nPlease enable JavaScript in your browser to see this page.\n" + PROSE,
    "curly bracket": PROSE + "\nfunction f() { return the value of x; }\n" + PROSE,
    "policy": PROSE + "\nBy using this site you accept our privacy policy and terms of use.\n" + PROSE,
    "citations": "The river is long.[1] It flows north.[edit] Many fish live in it.[citation needed] " * 10,
    "sentences without spaces": "First one.Second one!Third one?Fourth one.Fifth one." * 5,
    "abbreviations": "Dr. Smith met Mr. Jones at 5 p.m. on Jan. 3rd, e.g. at the U.S. embassy. " * 20,
    "urls and emails": "See https://example.com/a.b?c=d&e=f or mail me@example.org for the details. " * 20,
    "numbers": "1 2 3 4 5 6 7 8 9 10 3.14 2,000 $5 10% 1e10 " * 30,
    "windows newlines": "\r\n".join([PROSE] * 5),
    "form feeds and tabs": "\f".join([PROSE] * 3) + "\t\t" + PROSE,
    "non-breaking spaces": PROSE.replace(" ", "\u00a0") * 3,
    "zero-width spaces": PROSE.replace(" ", " \u200b") * 3,
    "mixed scripts": "The word Москва means Moscow, and 北京 means Beijing, as the map shows. " * 15,
    "IS_ALPHA": "IS_ALPHA is a string that once broke the tokenizer. " * 20,
    "hashes": "#tag #the #and #of " * 40,
    "only digits": "12345 67890 " * 100,
    "underscores": "_the_ __and__ of_to that_be " * 40,
    "superscripts": "x² y³ the and of to be that ² ³ ¹ " * 30,
    "a thousand short lines": "\n".join(f"line {i}." for i in range(1000)),
    "trailing spaces on lines": "\n".join(PROSE + "   " for _ in range(5)),
    "lines of one sentence end": "\n".join([".", "!", "?"] * 20) + PROSE,
}
CONFIGS = {
    "fineweb": CurationConfig(),
    "datatrove defaults": CurationConfig.from_overrides({"c4_quality": {"filter_no_terminal_punct": True}}),
    "checks off": CurationConfig.from_overrides({
        "gopher_repetition": {"dup_line_frac": None, "dup_para_frac": None, "top_n_grams": [[2, 0.5]], "dup_n_grams": [[3, 0.05]]},
        "gopher_quality": {"min_doc_words": 1, "max_avg_word_length": None, "min_stop_words": None},
        "c4_quality": {"min_num_sentences": -1, "remove_citations": False, "max_word_length": -1},
        "fineweb_quality": {"line_punct_thr": 0.0, "line_punct_exclude_zero": True, "short_line_length": 5},
    }),
    "strict": CurationConfig.from_overrides({
        "gopher_repetition": {"dup_line_frac": 0.01, "top_n_grams": [[1, 0.01], [2, 0.01]], "dup_n_grams": [[2, 0.01]]},
        "gopher_quality": {"min_doc_words": 5, "max_doc_words": 200, "min_avg_word_length": 4},
        "c4_quality": {"min_num_sentences": 50, "min_words_per_line": 10, "max_word_length": 12},
        "fineweb_quality": {"char_duplicates_ratio": 0.0, "new_line_ratio": 0.01},
    }),
}


@pytest.mark.parametrize("config_name", CONFIGS)
def test_adversarial_texts_get_datatrove_decisions_reasons_and_text(config_name):
    assert all_differences(ADVERSARIAL.items(), CONFIGS[config_name]) == []


def test_the_adversarial_texts_reach_every_reason():
    """The set is only as good as the rules it reaches: most of each filter's reasons must occur."""
    reasons: dict[str, set] = {}
    for config in CONFIGS.values():
        side_by_side = SideBySide(config)
        for text in ADVERSARIAL.values():
            for name, (reference, _) in side_by_side.pairs.items():
                from datatrove.data import Document

                result = reference.filter(Document(text=text, id="x"))
                reasons.setdefault(name, set()).add(result[1] if isinstance(result, tuple) else "kept")
    assert len(reasons["gopher_repetition"]) >= 8, reasons
    assert len(reasons["gopher_quality"]) >= 7, reasons
    assert reasons["c4_quality"] >= {"kept", "lorem_ipsum", "curly_bracket", "too_few_sentences"}, reasons
    assert reasons["fineweb_quality"] >= {"kept", "empty", "line_punct_ratio", "short_line_ratio", "char_dup_ratio", "list_ratio"}, reasons


def test_a_document_split_by_a_spacy_rebuild_keeps_its_words(monkeypatch):
    """The tokenizer is rebuilt when its vocabulary passes MAX_STRINGS: the words stay the same."""
    from factory.curation.fast_filters import words as words_module

    monkeypatch.setattr(words_module, "MAX_STRINGS", 10)
    splitter = words_module.SpacyWords("en")
    first = splitter.words(PROSE)
    rebuilt_nlp = splitter._nlp
    splitter._last_text = None
    assert splitter.words(PROSE) == first
    assert splitter._nlp is not rebuilt_nlp  # the vocabulary was over the bound: a new pipeline
    assert all_differences([("rebuilt", PROSE * 3)]) == []


def test_the_is_alpha_token_is_split_as_datatrove_splits_it_from_its_second_text_on():
    """datatrove keeps the token IS_ALPHA in the first text of a process and deletes it from every later one
    (a spaCy memory-zone failure and datatrove's workaround); the fast splitter always deletes it."""
    from datatrove.utils.text import split_into_words

    from factory.curation.fast_filters.words import SpacyWords

    text = "IS_ALPHA (IS_ALPHA) xIS_ALPHA is a string."
    split_into_words("IS_ALPHA")
    assert SpacyWords("en").words(text) == split_into_words(text) == ["(", ")", "x", "is", "a", "string", "."]
