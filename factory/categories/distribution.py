"""What's in those tokens: documents and tokens per category, every category listed, shares of the tagged.

A documents table keeps the category inside its ``metadata`` JSON column (``{"category": "News", ...}``).
Rows without one (a dataset tagged before the tagger existed, or by nobody) are counted as ``untagged``,
apart from the 8 categories: folding them into Other would make an untagged dataset look like Other.
Shares are over the tagged documents (tokens) only.
"""

from __future__ import annotations

import json
from typing import Any

from factory.categories.taxonomy import CATEGORIES, CATEGORY_KEY

UNTAGGED = "untagged"


def category_distribution(counts_by_category: dict[str, int],
                          tokens_by_category: dict[str, int] | None = None) -> dict[str, Any]:
    """``{"documents", "untagged", "categories": {name: {"documents", "share"[, "tokens", "token_share"]}}}``,
    plus ``"tokens"`` and ``"untagged_tokens"`` when tokens are given."""
    _check_keys(counts_by_category, "counts_by_category")
    documents = sum(int(counts_by_category.get(name, 0)) for name in CATEGORIES)
    result: dict[str, Any] = {"documents": documents, UNTAGGED: int(counts_by_category.get(UNTAGGED, 0)),
                              "categories": {}}
    tokens = None
    if tokens_by_category is not None:
        _check_keys(tokens_by_category, "tokens_by_category")
        tokens = sum(int(tokens_by_category.get(name, 0)) for name in CATEGORIES)
        result["tokens"] = tokens
        result["untagged_tokens"] = int(tokens_by_category.get(UNTAGGED, 0))
    for name in CATEGORIES:
        count = int(counts_by_category.get(name, 0))
        entry: dict[str, Any] = {"documents": count, "share": round(count / documents, 4) if documents else 0.0}
        if tokens_by_category is not None:
            category_tokens = int(tokens_by_category.get(name, 0))
            entry.update(tokens=category_tokens, token_share=round(category_tokens / tokens, 4) if tokens else 0.0)
        result["categories"][name] = entry
    return result


def category_of_metadata(metadata: str | dict | None) -> str:
    """The category in a documents row's ``metadata`` (JSON text or a dict), or ``untagged``."""
    if isinstance(metadata, str):
        metadata = json.loads(metadata) if metadata else {}
    category = (metadata or {}).get(CATEGORY_KEY)
    return category if category in CATEGORIES else UNTAGGED


def table_category_counts(table) -> tuple[dict[str, int], dict[str, int]]:
    """``(documents, tokens)`` per category of a documents table (``metadata`` column; ``tokens`` if present)."""
    if "metadata" not in table.column_names:
        raise ValueError(f"a documents table has a 'metadata' column; this one has {table.column_names}")
    metadata = table.column("metadata").to_pylist()
    tokens = table.column("tokens").to_pylist() if "tokens" in table.column_names else [0] * len(metadata)
    counts: dict[str, int] = {}
    token_counts: dict[str, int] = {}
    for row_metadata, row_tokens in zip(metadata, tokens, strict=True):
        name = category_of_metadata(row_metadata)
        counts[name] = counts.get(name, 0) + 1
        token_counts[name] = token_counts.get(name, 0) + int(row_tokens or 0)
    return counts, token_counts


def _check_keys(values: dict[str, int], what: str) -> None:
    unknown = sorted(set(values) - set(CATEGORIES) - {UNTAGGED})
    if unknown:
        raise ValueError(
            f"{what} has unknown categories {unknown}: expected keys from {list(CATEGORIES)} or {UNTAGGED!r}")
