"""One interface for every category classifier, and loading a saved one by the kind written beside it.

A saved classifier is a folder: ``classifier.json`` (its kind, the categories in column order, its
settings, how it was trained, a content hash of its weights) plus the weights in a format that cannot
run code (fastText's ``.bin``; ``.safetensors`` arrays). Nothing is pickled, so a model folder read
from a shared store is data, never code.
"""

from __future__ import annotations

import importlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from factory.categories.taxonomy import CATEGORIES

CLASSIFIER_FILE = "classifier.json"
FORMAT_VERSION = 1
# kind -> "module:class"; imported only when a folder of that kind is loaded (fastText, torch are heavy).
KINDS = {
    "fasttext": "factory.categories.fasttext_classifier:FastTextClassifier",
    "embedding": "factory.categories.embedding_classifier:EmbeddingClassifier",
}


class ClassifierFolderError(RuntimeError):
    """A classifier folder that is missing, incomplete, or written by an incompatible version."""


class CategoryClassifier(ABC):
    """Texts in, categories out; probability columns follow ``CATEGORIES``."""

    kind: ClassVar[str]

    @abstractmethod
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), len(CATEGORIES))`` float32, rows summing to 1."""

    def predict(self, texts: Sequence[str]) -> list[str]:
        if not len(texts):
            return []
        return [CATEGORIES[i] for i in np.argmax(self.predict_proba(texts), axis=1)]

    @abstractmethod
    def metadata(self) -> dict[str, Any]:
        """What ``classifier.json`` holds besides the kind: settings, training summary, weights' hash."""

    @abstractmethod
    def _save_weights(self, folder: Path) -> None: ...

    @classmethod
    @abstractmethod
    def _load(cls, folder: Path, metadata: dict[str, Any]) -> CategoryClassifier: ...

    def identity(self) -> dict[str, Any]:
        """What decides the tags it writes: kind, categories, settings and the weights by content."""
        meta = self.metadata()
        return {"kind": self.kind, "categories": list(CATEGORIES), "settings": meta["settings"],
                "sha256": meta["sha256"]}

    def save(self, folder: str | Path) -> Path:
        """Writes the weights, then ``classifier.json`` last: a folder with the JSON is complete."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self._save_weights(folder)
        document = {"kind": self.kind, "format_version": FORMAT_VERSION, "categories": list(CATEGORIES),
                    **self.metadata()}
        (folder / CLASSIFIER_FILE).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        return folder

    @staticmethod
    def load(folder: str | Path) -> CategoryClassifier:
        """The classifier saved in local ``folder`` (see ``tagging.local_model_folder`` for s3:// and other URIs)."""
        folder = Path(folder)
        file = folder / CLASSIFIER_FILE
        if not file.exists():
            raise ClassifierFolderError(f"{file} not found: {folder} is not a saved category classifier "
                                        "(train one with train_category_classifier(...).save(folder))")
        metadata = json.loads(file.read_text())
        if metadata.get("format_version") != FORMAT_VERSION or metadata.get("kind") not in KINDS:
            raise ClassifierFolderError(
                f"{file}: kind {metadata.get('kind')!r}, format_version {metadata.get('format_version')!r}; this code "
                f"reads kinds {sorted(KINDS)} at format_version {FORMAT_VERSION}: retrain the classifier")
        if metadata.get("categories") != list(CATEGORIES):
            raise ClassifierFolderError(
                f"{file}: categories {metadata.get('categories')} differ from {list(CATEGORIES)}: "
                "the taxonomy changed since it was trained; retrain the classifier")
        module, name = KINDS[metadata["kind"]].split(":")
        return getattr(importlib.import_module(module), name)._load(folder, metadata)


def load_classifier(folder: str | Path) -> CategoryClassifier:
    return CategoryClassifier.load(folder)
