"""Exact-content dedup: the first document with a given (whitespace-normalised) text is kept."""

from __future__ import annotations

import hashlib


def content_key(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def exact_duplicates(rows: list[dict]) -> dict[int, int]:
    """``{index of a duplicate: index of the first document with the same content}``."""
    first: dict[str, int] = {}
    duplicates = {}
    for index, row in enumerate(rows):
        key = content_key(row["text"])
        if key in first:
            duplicates[index] = first[key]
        else:
            first[key] = index
    return duplicates
