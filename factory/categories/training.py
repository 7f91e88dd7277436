"""Training either category classifier from labelled pages, by kind, with settings checked by name.

``fasttext`` is the default (it tags whole datasets); ``embedding`` is the slower second opinion.
Settings are a plain dict of overrides (from a config file or an asset's config), validated by the
kind's pydantic model, so a typo fails naming the field instead of training with a default.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from factory.categories.classifier import CategoryClassifier
from factory.categories.dataset import LabelledPage

log = logging.getLogger(__name__)
DEFAULT_KIND = "fasttext"
KINDS = ("fasttext", "embedding")


class CategoryTrainingError(ValueError):
    """An unknown kind, a bad setting, or no pages to learn from."""


def train_category_classifier(pages: Sequence[LabelledPage], kind: str = DEFAULT_KIND,
                              settings: dict[str, Any] | None = None) -> CategoryClassifier:
    if not pages:
        raise CategoryTrainingError("no labelled pages to train the category classifier on: check the path given "
                                    "to load_labelled_pages and the held-out fraction")
    started = time.time()
    if kind == "fasttext":
        from factory.categories.fasttext_classifier import FastTextSettings, train_fasttext

        classifier: CategoryClassifier = train_fasttext(pages, _settings(FastTextSettings, settings, kind))
    elif kind == "embedding":
        from factory.categories.embedding_classifier import EmbeddingSettings, train_embedding

        classifier = train_embedding(pages, _settings(EmbeddingSettings, settings, kind))
    else:
        raise CategoryTrainingError(f"unknown category classifier kind {kind!r}: expected one of {list(KINDS)}")
    seconds = time.time() - started
    log.info("trained the %s category classifier on %d pages in %.1f s (%.0f pages/s)", kind, len(pages), seconds,
             len(pages) / max(seconds, 1e-9))
    return classifier


def _settings(model, overrides: dict[str, Any] | None, kind: str):
    try:
        return model(**dict(overrides or {}))
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r})"
                             for e in error.errors())
        raise CategoryTrainingError(f"{kind} classifier settings: {problems}; known settings: "
                                    f"{sorted(model.model_fields)}") from None
