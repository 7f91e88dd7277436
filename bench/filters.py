"""The FineWeb filter stack, the factory's fast filters against datatrove's, on real WebOrganizer pages.

Gopher repetition -> Gopher quality -> C4 quality -> FineWeb quality with FineWeb's settings, chained as in
``filtered`` (a page dropped by one filter meets no later one; C4 shortens what it keeps). Each repeat runs
both stacks over the same pages, one after the other in this process, on one core, timing CPU seconds
(``time.process_time``), so other load on the machine distorts little; the first pass of each warms its
tokenizer and is not counted. Reports documents/s/core of each, the speed-up per repeat, each filter's
share of the time, and the decisions that differ (must be 0).

    python bench/filters.py [--docs 1500] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import figure, ratio

REPO = Path(__file__).resolve().parents[1]
WEBORGANIZER = REPO.parent / "shared" / "data" / "classification" / "weborganizer" / "weborganizer_examples.jsonl.gz"
NAMES = ("gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality")


def load_texts(count: int) -> list[str]:
    texts = []
    with gzip.open(WEBORGANIZER, "rt") as lines:
        for line in lines:
            texts.append(json.loads(line)["text"])
            if len(texts) == count:
                break
    return texts


def build_stack(implementation: str) -> list:
    from factory.curation.config import CurationConfig
    from factory.curation.fast_filters import filter_classes
    from factory.curation.pipeline import _settings

    config = CurationConfig()
    return [(name, cls(**_settings(getattr(config, name)))) for name, cls in filter_classes(implementation).items()]


def run_stack(stack: list, texts: list[str]) -> tuple[float, dict[str, float], list]:
    """CPU seconds for the whole stack, per filter, and each page's outcome (first reason, or the kept text)."""
    from datatrove.data import Document

    per_filter = dict.fromkeys(NAMES, 0.0)
    outcomes = []
    for index, text in enumerate(texts):
        doc, outcome = Document(text=text, id=str(index)), None
        for name, step in stack:
            started = time.process_time()
            result = step.filter(doc)
            per_filter[name] += time.process_time() - started
            if result is not True:
                outcome = (name, result[1] if isinstance(result, tuple) else None)
                break
        outcomes.append(outcome or doc.text)
    return sum(per_filter.values()), per_filter, outcomes


def measure(docs: int = 1500, repeats: int = 3) -> dict:
    texts = load_texts(docs)
    stacks = {implementation: build_stack(implementation) for implementation in ("datatrove", "fast")}
    for stack in stacks.values():
        run_stack(stack, texts[:50])  # loads spaCy and fills its caches
    seconds = {implementation: [] for implementation in stacks}
    per_run = {implementation: {name: [] for name in NAMES} for implementation in stacks}  # each repeat's seconds
    differences = 0
    for _ in range(repeats):
        outcomes = {}
        for implementation, stack in stacks.items():
            total, per_filter, outcomes[implementation] = run_stack(stack, texts)
            seconds[implementation].append(total)
            for name in NAMES:
                per_run[implementation][name].append(per_filter[name])
        differences += sum(a != b for a, b in zip(outcomes["datatrove"], outcomes["fast"]))
    rates = {implementation: [docs / s for s in runs] for implementation, runs in seconds.items()}
    kept = sum(isinstance(outcome, str) for outcome in outcomes["fast"])
    return {
        "figures": {
            "datatrove_docs_per_second_per_core": figure(rates["datatrove"], "docs/s/core", 1),
            "fast_docs_per_second_per_core": figure(rates["fast"], "docs/s/core", 1),
            **{f"{implementation}_ms_per_doc_{name}": figure([1000 * s / docs for s in per_run[implementation][name]], "ms/doc", 3)
               for implementation in stacks for name in NAMES},
        },
        "ratios": {"fast_over_datatrove_docs_per_second": ratio(rates["fast"], rates["datatrove"])},
        "notes": {"documents": docs, "kept": kept, "decision_differences": differences, "repeats": repeats,
                  "input": "the first WebOrganizer pages (real DCLM-pool Common Crawl text), FineWeb's settings, "
                           "filters chained as in `filtered`, CPU time of one process"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.docs, args.repeats), indent=1))


if __name__ == "__main__":
    main()
