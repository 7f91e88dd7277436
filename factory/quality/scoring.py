"""Scoring documents for educational value inside a datatrove pipeline, and the attribute table it feeds.

``QualityScorer`` is a pipeline step: it loads a saved classifier inside the task (never in the driver,
and never pickled with the step: only the folder's path travels), scores documents a batch at a time,
sets ``metadata["edu_score"]`` and passes each document on, so a task's memory holds one batch whatever
the shard's size. A classifier in object storage (``s3://...``) is copied to a temporary folder first.
It counts the documents per integer score (``edu_int/0`` .. ``edu_int/5``) and sums the scores
(``edu_score_sum``), for the asset's metadata.

The attribute table (``ATTRIBUTE_SCHEMA``, one row per document, written with ``attribute_row`` as a
datatrove writer adapter) holds the score beside the document id, so a filter or a mix can select by
score without rewriting the documents.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from factory.quality.metrics import score_buckets
from factory.store.filesystem import StorageOptions, is_local, open_filesystem

EDU_SCORE = "edu_score"
SCORE_STAT = "edu_int/"  # documents per integer score: edu_int/0 .. edu_int/5
SCORE_SUM = "edu_score_sum"
ATTRIBUTE_SCHEMA = pa.schema([
    ("id", pa.string()),  # the document's id in the table that was scored
    ("edu_score", pa.float32()),  # the classifier's score in [0, 5]
    ("edu_int", pa.int8()),  # the score rounded half up and clipped to 0..5: filter on edu_int >= 3
])


def attribute_row(_writer: Any, document: Document) -> dict[str, Any]:
    """A scored document as a row of ``ATTRIBUTE_SCHEMA`` (a writer adapter: datatrove passes the writer first)."""
    score = document.metadata.get(EDU_SCORE)
    if score is None:
        raise KeyError(f"document {document.id!r} has no {EDU_SCORE!r} in its metadata: put QualityScorer before "
                       "the attribute table's writer in the pipeline")
    return {"id": str(document.id), "edu_score": float(score), "edu_int": int(score_buckets([score])[0])}


class QualityScorer(PipelineStep):
    type = "🎓 - QUALITY"
    name = "🎓 Educational score"

    def __init__(self, model_folder: str, batch_size: int = 64, storage: StorageOptions | None = None):
        """``model_folder``: where a classifier was saved (a local path or an fsspec URI such as ``s3://...``)."""
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model_folder, self.batch_size, self.storage = str(model_folder), batch_size, storage

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        classifier, batch = None, []
        for document in data or ():
            batch.append(document)
            if len(batch) == self.batch_size:
                classifier = classifier or self.load()
                yield from self._score(classifier, batch)
                batch = []
        if batch:
            yield from self._score(classifier or self.load(), batch)

    def load(self):
        """The classifier, copied to a temporary folder first when it is not on a local disk."""
        from factory.quality.classifier import load_classifier

        fs, path = open_filesystem(self.model_folder, self.storage)
        if is_local(fs):
            return load_classifier(path)
        with tempfile.TemporaryDirectory(prefix="quality-classifier-") as local:
            names = [entry.rsplit("/", 1)[-1] for entry in fs.ls(path, detail=False)]
            if not names:
                raise FileNotFoundError(f"no classifier files under {self.model_folder}: "
                                        "train and save one there first")
            for name in names:
                fs.get(f"{path}/{name}", str(Path(local) / name))
            return load_classifier(local)  # every weight is read into memory, so the copies can go

    def _score(self, classifier, batch: list[Document]) -> Iterator[Document]:
        with self.track_time(unit="batch"):
            scores = classifier.predict([document.text for document in batch])
        rounded = [round(float(score), 4) for score in scores]  # counted as attribute_row will bucket them
        for document, score, bucket in zip(batch, rounded, score_buckets(rounded), strict=True):
            document.metadata[EDU_SCORE] = score
            self.stat_update(f"{SCORE_STAT}{bucket}", "scored")
            self.stat_update(SCORE_SUM, value=score)  # type: ignore[arg-type]  # summed as a float, for the mean
            yield document
