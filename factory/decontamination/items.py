"""What no mix may be trained on, as texts: every benchmark item the evaluator runs and every held-out document.

A benchmark item is indexed by its content, not by the evaluator's prompt scaffolding ("Question:",
"Answer:", MMLU's subject line), which a web page holding the item would not carry: the question (the
context), each answer option, and the question followed by the gold answer, so that n-grams spanning the
two are found too (datatrove's ``find_overlap_ngrams``). WinoGrande's items are the sentence with each
option filled in. Item ids are ``<task>/<row>``, the row being lm-eval's ``doc_id`` in the evaluator's
converted task file, so a contaminated id names the item the proxy is scored on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from factory.evaluation.heldout import DOMAINS, read_domain
from factory.evaluation.tasks import TASKS

BENCHMARK, HELDOUT = "benchmark", "heldout"
_SUBJECT_LINE = re.compile(r"^The following are questions \(with answers\) about [^\n]*\.\n\n")
_QUESTION = re.compile(r"^(?:Question|Q):\s*")
_ANSWER = re.compile(r"\n(?:Answer|A):\s*$")


@dataclass(frozen=True)
class IndexedText:
    """One item's texts: the n-grams of each are indexed under the item."""

    kind: str  # BENCHMARK or HELDOUT
    source: str  # the benchmark or held-out domain
    item: str  # <source>/<row or document id>
    texts: tuple[str, ...]
    preview: str  # what the report shows

    @property
    def id(self) -> str:
        return f"{self.source}/{self.item}"


def question_text(query: str) -> str:
    """The content of a rendered query, without the evaluator's scaffolding."""
    return _ANSWER.sub("", _QUESTION.sub("", _SUBJECT_LINE.sub("", query.strip()))).strip()


def benchmark_items(data: Path, tasks: list[str]) -> Iterator[IndexedText]:
    for task in tasks:
        for row_number, row in enumerate(TASKS[task].convert(data)):
            yield _item(task, row_number, row)


def _item(task: str, row_number: int, row: dict) -> IndexedText:
    gold = row["choices"][row["gold"]]
    if "continuation" in row:  # WinoGrande: each option completes the sentence
        texts = tuple(f"{start} {row['continuation']}" for start in row["choices"])
        return IndexedText(BENCHMARK, task, str(row_number), texts, texts[row["gold"]][:300])
    question = question_text(row["query"])
    texts = (question, *row["choices"], f"{question} {gold}")
    return IndexedText(BENCHMARK, task, str(row_number), texts, f"{question} -> {gold}"[:300])


def heldout_documents(domains: list[str], data: Path | None = None) -> Iterator[IndexedText]:
    """Every document of every held-out domain (not only the ones an evaluation scores)."""
    for domain in domains:
        for doc in read_domain(domain, data):
            yield IndexedText(HELDOUT, domain, doc.id, (doc.text,), doc.text[:300])


def all_domains() -> list[str]:
    return sorted(DOMAINS)
