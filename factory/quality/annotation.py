"""Educational-value annotations: an LLM grades documents on an additive 0-5 scale, in the manner of the
FineWeb-Edu annotation prompt (our own words, ``factory/configs/annotation/edu_score.yaml``, versioned like a
recipe), through any generation backend (vLLM here, a large model on GPU).

Small models do not always end with the score line they were asked for, so the score is parsed from the
last ``Educational score: N`` line, else from the last "N points" / "N/5" mention; an answer with neither is
kept as unparseable (``score`` None) and counted, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from factory.generation.backend import GenerationRequest, Generator
from factory.generation.recipes import Recipe, load_recipe

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "configs" / "annotation"
DEFAULT_PROMPT = "edu_score"
DEFAULT_MAX_CHARS = 3000  # FineWeb-Edu graded a page's start; 3,000 characters keep prompt + answer in 2k tokens
MAX_SCORE = 5
SCORE_LINE = re.compile(r"educational\s+(?:value\s+)?score\s*(?:is)?\s*[:=]?\s*\**\s*([0-5])(?!\d|\.\d)", re.IGNORECASE)
POINTS_MENTION = re.compile(r"(?<![\d.])([0-5])\s*(?:/\s*5\b|out\s+of\s+5\b|points?\b)", re.IGNORECASE)
SCORE_LINE_HOW, POINTS_HOW, UNPARSEABLE = "score_line", "points_mention", "unparseable"


@dataclass(frozen=True)
class ParsedScore:
    score: int | None
    how: str  # score_line, points_mention or unparseable


@dataclass(frozen=True)
class Annotation:
    id: str
    score: int | None
    how: str
    answer: str
    finish_reason: str


def load_prompt(name: str = DEFAULT_PROMPT, directory: Path | None = None) -> Recipe:
    return load_recipe(name, directory or PROMPTS_DIR)


def parse_score(answer: str) -> ParsedScore:
    """The grade in a model's answer: its last score line, else its last "N points" or "N/5", else unparseable."""
    if found := SCORE_LINE.findall(answer):
        return ParsedScore(int(found[-1]), SCORE_LINE_HOW)
    if found := POINTS_MENTION.findall(answer):
        return ParsedScore(int(found[-1]), POINTS_HOW)
    return ParsedScore(None, UNPARSEABLE)


def annotation_requests(prompt: Recipe, documents: Iterable[tuple[str, str]], max_chars: int = DEFAULT_MAX_CHARS
                        ) -> list[GenerationRequest]:
    """One request per (id, text), the text cut to its first ``max_chars`` characters."""
    return [GenerationRequest(prompt.render(text[:max_chars]), prompt.sampling, request_id=doc_id)
            for doc_id, text in documents]


def annotate(generator: Generator, prompt: Recipe, documents: Sequence[tuple[str, str]],
             max_chars: int = DEFAULT_MAX_CHARS) -> list[Annotation]:
    """Grade ``documents`` ((id, text) pairs) in order; every document gets an annotation, parsed or not."""
    requests = annotation_requests(prompt, documents, max_chars)
    outputs = generator.generate(requests)
    annotations = []
    for request, output in zip(requests, outputs, strict=True):
        parsed = parse_score(output.text)
        annotations.append(Annotation(request.request_id, parsed.score, parsed.how, output.text, output.finish_reason))
    return annotations
