"""Output checks: keep a generated text, or drop it for one named reason.

Like datatrove's filters: one early return per reason, each threshold named after its reason,
``None`` switches that check off. The order matters only for which reason an output is counted
under: empty, refused, looping, copied_source, unfaithful, truncated (a looping output usually also
hits max tokens; looping is the cause worth counting). ``unfaithful`` reads the output's faithfulness to
its source (``factory.generation.faithfulness``), scored for the whole chunk before the checks run.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from factory.generation.backend import FINISH_LENGTH, Generation

REASONS = ("empty", "refused", "looping", "copied_source", "unfaithful", "truncated")
WORD = re.compile(r"\w+", re.UNICODE)
# bench/results/faithfulness.json: under the least faithful output of the labelled set that its reader judged faithful
# (0.43), above nearly every output scored against another page
UNFAITHFUL_MIN_SCORE = 0.4
DEFAULT_REFUSALS = (
    "i'm sorry", "i am sorry", "i cannot", "i can't", "i can not", "i'm unable", "i am unable", "as an ai",
    "i apologize", "i won't be able", "i'm not able", "i am not able",
    # non-answers: the model asks for the document instead of rewriting it
    "i'm ready to help", "please provide", "could you provide", "what do you mean",
)


@dataclass(frozen=True)
class OutputChecks:
    """Thresholds of the checks; part of the step's version (they decide what is kept)."""

    empty_min_words: int | None = 10  # fewer words than this: empty
    refused_prefixes: tuple[str, ...] = DEFAULT_REFUSALS  # looked for in the first refused_window chars
    refused_window: int = 80
    looping_ngram: int = 4
    looping_max_repeat_share: float | None = 0.5  # share of word n-grams that repeat an earlier one
    copied_ngram: int = 8
    copied_max_share: float | None = 0.7  # share of output word n-grams found in the source
    unfaithful_min_score: float | None = UNFAITHFUL_MIN_SCORE  # faithfulness below this: the output left its source
    truncated: str = "reject"  # an output that stopped at max_tokens: "reject", "trim" to its last full sentence, or "keep"

    def __post_init__(self) -> None:
        for name in ("looping_max_repeat_share", "copied_max_share", "unfaithful_min_score"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value <= 1.0:
                raise ValueError(f"checks.{name} must be in (0, 1] or None (off), got {value}")
        if self.truncated not in ("reject", "trim", "keep"):
            raise ValueError(f"checks.truncated must be 'reject', 'trim' or 'keep', got {self.truncated!r}")
        if self.looping_ngram < 1 or self.copied_ngram < 1:
            raise ValueError(f"checks n-gram sizes must be >= 1, got {self.looping_ngram} and {self.copied_ngram}")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["refused_prefixes"] = list(self.refused_prefixes)
        return data

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> OutputChecks:
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown output check settings {sorted(unknown)}; expected {sorted(cls.__dataclass_fields__)}")
        if "refused_prefixes" in raw:
            raw = {**raw, "refused_prefixes": tuple(raw["refused_prefixes"])}
        return cls(**raw)


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def repeat_share(tokens: list[str], n: int) -> float:
    """Share of n-gram occurrences that repeat an earlier one (0 for no repeats)."""
    grams = ngrams(tokens, n)
    if not grams:
        return 0.0
    counts = Counter(grams)
    return sum(c - 1 for c in counts.values()) / len(grams)


def copied_share(output: list[str], source: list[str], n: int) -> float:
    """Share of the output's n-grams that occur in the source."""
    grams = ngrams(output, n)
    if not grams:
        return 0.0
    source_grams = set(ngrams(source, n))
    return sum(g in source_grams for g in grams) / len(grams)


@dataclass
class CheckResult:
    keep: bool
    reason: str = ""
    measures: dict[str, float] = field(default_factory=dict)
    text: str | None = None  # the text to keep when it differs from the output (trimmed)


SENTENCE_END = re.compile(r"[.!?](?=[\s\"')\]]|$)")


def trim_to_sentence(text: str) -> str:
    """The text up to its last complete sentence ('' if it has none)."""
    ends = [m.end() for m in SENTENCE_END.finditer(text)]
    return text[: ends[-1]].rstrip() if ends else ""


def check_output(generation: Generation, source_text: str, checks: OutputChecks,
                 faithfulness: dict[str, float] | None = None) -> CheckResult:
    """Keep or drop one output; ``faithfulness`` is its score against its source (recorded, and gated when the
    threshold is set)."""
    text = generation.text.strip()
    tokens = words(text)
    if checks.empty_min_words is not None and len(tokens) < checks.empty_min_words:
        return CheckResult(False, "empty", {"words": len(tokens)})
    head = text[: checks.refused_window].lower().replace("\u2019", "'")
    if any(prefix in head for prefix in checks.refused_prefixes):
        return CheckResult(False, "refused")
    loop = repeat_share(tokens, checks.looping_ngram)
    copy = copied_share(tokens, words(source_text), checks.copied_ngram)
    measures = {"repeat_share": round(loop, 4), "copied_share": round(copy, 4), **(faithfulness or {})}
    if checks.looping_max_repeat_share is not None and loop > checks.looping_max_repeat_share:
        return CheckResult(False, "looping", measures)
    if checks.copied_max_share is not None and copy > checks.copied_max_share:
        return CheckResult(False, "copied_source", measures)
    if checks.unfaithful_min_score is not None:
        if faithfulness is None:
            raise ValueError("the unfaithful check is on (checks.unfaithful_min_score) but no faithfulness score was given: "
                             "score the outputs with factory.generation.faithfulness first, or set the threshold to None")
        if faithfulness["faithfulness"] < checks.unfaithful_min_score:
            return CheckResult(False, "unfaithful", measures)
    if generation.finish_reason == FINISH_LENGTH and checks.truncated != "keep":
        trimmed = trim_to_sentence(text) if checks.truncated == "trim" else ""
        if not trimmed or len(words(trimmed)) < (checks.empty_min_words or 1):
            return CheckResult(False, "truncated", measures)
        return CheckResult(True, "", {**measures, "trimmed": 1.0}, text=trimmed)
    return CheckResult(True, "", measures)
