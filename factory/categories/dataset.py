"""The labelled pages the category classifiers learn from: WebOrganizer's examples, mapped to categories.

The split into training and held-out pages is decided by a hash of each page's URL, not by its
position or a random draw, so it does not change when the file is reordered or grows, and a page
held out once is held out in every run: evaluation numbers never come from pages a model trained on.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from factory.categories.taxonomy import category_of

EXAMPLES_FILE = "weborganizer_examples.jsonl.gz"
HELD_OUT_FRACTION = 0.2
_REQUIRED = ("text", "url", "format_id", "topic_id")


class LabelledPagesError(ValueError):
    """A labelled-pages file that is missing or has rows without the fields the mapping needs."""


@dataclass(frozen=True)
class LabelledPage:
    text: str
    url: str
    category: str
    format_id: int
    topic_id: int
    format_confidence: float


def load_labelled_pages(path: str | Path) -> list[LabelledPage]:
    """Every page of a WebOrganizer examples file (or the folder holding ``weborganizer_examples.jsonl.gz``)."""
    path = Path(path)
    file = path / EXAMPLES_FILE if path.is_dir() else path
    if not file.exists():
        raise LabelledPagesError(
            f"labelled pages not found at {file}: give the weborganizer folder or its {EXAMPLES_FILE}")
    opener = gzip.open if file.suffix == ".gz" else open
    pages = []
    with opener(file, "rt", encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            if line.strip():
                pages.append(_page(json.loads(line), file, line_number))
    return pages


def is_held_out(url: str, fraction: float = HELD_OUT_FRACTION) -> bool:
    """Whether the page at ``url`` belongs to the held-out share: the URL's SHA-256 read as a number in [0, 1)."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"held-out fraction must be in [0, 1], got {fraction}")
    return int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:15], 16) / 16 ** 15 < fraction


def split_pages(pages: Iterable[LabelledPage],
                fraction: float = HELD_OUT_FRACTION) -> tuple[list[LabelledPage], list[LabelledPage]]:
    """``(train, held_out)``, in the input order; a URL decides its side, so duplicates never straddle it."""
    train, held_out = [], []
    for page in pages:
        (held_out if is_held_out(page.url, fraction) else train).append(page)
    return train, held_out


def _page(row: dict, file: Path, line_number: int) -> LabelledPage:
    missing = [key for key in _REQUIRED if key not in row]
    if missing:
        raise LabelledPagesError(f"{file}:{line_number}: row lacks {missing}; expected WebOrganizer example rows "
                                 f"with {list(_REQUIRED)}")
    format_id, topic_id = int(row["format_id"]), int(row["topic_id"])
    return LabelledPage(text=row["text"], url=row["url"], category=category_of(format_id, topic_id),
                        format_id=format_id, topic_id=topic_id,
                        format_confidence=float(row.get("format_confidence", 1.0)))
