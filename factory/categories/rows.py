"""Tagging rows a step writes itself (not through a datatrove pipeline), such as synthetic outputs: the
category goes into each row's metadata JSON, and the counts into the part's stats."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

ASSET = "category_classifier"


_taggers: dict[str, Any] = {}  # one loaded classifier per model folder and process


def tag_rows(rows: list[dict[str, Any]], inputs: Sequence[Any], storage=None) -> dict[str, dict[str, int]]:
    """Tag ``rows`` (with ``text``, ``tokens`` and a ``metadata`` JSON string) with the classifier among ``inputs``
    (the writer's input refs; ``storage``: the store's options, for a classifier in a bucket); returns documents
    and tokens per category."""
    from factory.categories.tagging import CategoryTagger

    counts: dict[str, dict[str, int]] = {"documents": {}, "tokens": {}}
    if not rows:
        return counts
    ref = next((i for i in inputs if i.asset == ASSET), None)
    if ref is None:
        raise ValueError(f"tagging needs a {ASSET} version among the step's inputs, got {[i.asset for i in inputs]}")
    folder = f"{ref.uri}/model"
    if folder not in _taggers:
        _taggers[folder] = CategoryTagger(folder, storage=storage)
    classifier = _taggers[folder].classifier()
    for row, category in zip(rows, classifier.predict([row["text"] for row in rows]), strict=True):
        row["metadata"] = json.dumps({**json.loads(row["metadata"] or "{}"), "category": category}, sort_keys=True)
        counts["documents"][category] = counts["documents"].get(category, 0) + 1
        counts["tokens"][category] = counts["tokens"].get(category, 0) + int(row.get("tokens") or 0)
    return counts


def summed_categories(parts: Iterable[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    total: dict[str, dict[str, int]] = {"documents": {}, "tokens": {}}
    for part in parts:
        for unit, counts in part.items():
            for category, value in counts.items():
                total.setdefault(unit, {})[category] = total.get(unit, {}).get(category, 0) + value
    return total
