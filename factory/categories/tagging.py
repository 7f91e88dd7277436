"""Tagging documents with their category: a datatrove step for pipelines, a function for plain lists.

``CategoryTagger`` holds only the model folder's address until its task runs: datatrove pickles steps
to ship them to workers, and a fastText model (a C++ object) does not pickle. Inside the task the
saved classifier is loaded once (a remote folder, ``s3://...``, is first copied to a local temporary
folder, since fastText reads a local file), then documents stream through in batches of
``batch_size``: never more than one batch is held. Each document gets ``metadata["category"]``, and
the step counts documents per category (stat ``<Category>``) and, where a document carries its token
count, tokens per category (stat ``<Category>_tokens``).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from factory.categories.classifier import CLASSIFIER_FILE, CategoryClassifier, ClassifierFolderError
from factory.categories.taxonomy import CATEGORY_KEY

log = logging.getLogger(__name__)
TOKEN_KEYS = ("tokens", "token_count")  # the factory's column, datatrove's TokensCounter
DEFAULT_BATCH_SIZE = 256


def tag_texts(classifier: CategoryClassifier, texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> list[str]:
    """The category of each text, predicted ``batch_size`` texts at a time."""
    categories: list[str] = []
    for start in range(0, len(texts), batch_size):
        categories.extend(classifier.predict(texts[start:start + batch_size]))
    return categories


class CategoryTagger(PipelineStep):
    type = "🏷️ - TAG"
    name = "🗂 Category tagger"

    def __init__(self, model_folder: str, batch_size: int = DEFAULT_BATCH_SIZE, storage=None):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model_folder, self.batch_size = str(model_folder), batch_size
        self.storage = storage  # factory.store.StorageOptions for a remote folder (endpoint, credentials)
        self._classifier: CategoryClassifier | None = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_classifier"] = None  # loaded again inside the task
        return state

    def classifier(self) -> CategoryClassifier:
        if self._classifier is None:
            self._classifier = self._load()
            log.info("category tagger: %s classifier from %s", self._classifier.kind, self.model_folder)
        return self._classifier

    def _load(self) -> CategoryClassifier:
        """Loaded into memory; a remote folder's local copy is deleted at once. No temporary folder may outlive
        the load: its finalizer, run by the garbage collector in a datatrove Ray pool worker, swallowed the
        SIGTERM that stops the worker, and the worker hung."""
        if _is_local(self.model_folder):
            return CategoryClassifier.load(local_model_folder(self.model_folder))
        with tempfile.TemporaryDirectory(prefix="category-model-") as scratch:
            return CategoryClassifier.load(local_model_folder(self.model_folder, Path(scratch), self.storage))

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        batch: list[Document] = []
        for document in data or ():
            batch.append(document)
            if len(batch) >= self.batch_size:
                yield from self._tag(batch)
                batch = []
        if batch:
            yield from self._tag(batch)

    def _tag(self, batch: list[Document]) -> Iterator[Document]:
        classifier = self.classifier()
        with self.track_time(unit="batch"):
            categories = classifier.predict([document.text for document in batch])
        for document, category in zip(batch, categories, strict=True):
            document.metadata[CATEGORY_KEY] = category
            self.stat_update(category)
            tokens = next((document.metadata[key] for key in TOKEN_KEYS if document.metadata.get(key)), None)
            if tokens:
                self.stat_update(f"{category}_tokens", value=int(tokens))
            yield document


def local_model_folder(model_folder: str, scratch: Path | None = None, storage=None) -> Path:
    """``model_folder`` itself when local; else its files copied into ``scratch`` (a local folder)."""
    if _is_local(model_folder):
        return Path(model_folder.removeprefix("file://"))
    from factory.store.filesystem import open_filesystem

    if scratch is None:
        raise ValueError(f"a local scratch folder is needed to copy the classifier from {model_folder}")
    fs, path = open_filesystem(model_folder, storage)
    try:
        files = [entry for entry in fs.ls(path, detail=True) if entry["type"] == "file"]
    except FileNotFoundError:
        files = []
    if not any(entry["name"].rsplit("/", 1)[-1] == CLASSIFIER_FILE for entry in files):
        raise ClassifierFolderError(f"{model_folder}/{CLASSIFIER_FILE} not found: not a saved category classifier "
                                    "(check the path and the storage endpoint/credentials)")
    scratch.mkdir(parents=True, exist_ok=True)
    for entry in files:
        fs.get_file(entry["name"], str(scratch / entry["name"].rsplit("/", 1)[-1]))
    return scratch


def _is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")
