"""The datatrove steps of ``edu_filtered``: join a shard's scores back onto its documents, then keep those at
or above the threshold.

``JoinScores`` reads ``attributes/part-<rank>.parquet`` of the ``quality_scores`` version in record batches,
beside the documents of source shard ``rank``: the attribute table was written from that shard in the same
order, so the join is by position, and every id is checked; a mismatch fails the task naming the shard.
"""

from __future__ import annotations

from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter

from factory.store.commit_part import shard_path

SCORE_KEY, INT_KEY = "edu_score", "edu_int"
BATCH_ROWS = 4096


class ScoresMisalignedError(RuntimeError):
    """An attribute shard that does not list its source shard's documents in order."""


class JoinScores(PipelineStep):
    type = "🔗 - JOIN"
    name = "🔗 Join quality scores"

    def __init__(self, scores_version: DataFolderLike, table: str = "attributes"):
        super().__init__()
        self.scores_version, self.table = get_datafolder(scores_version), table

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        path = shard_path(self.table, rank)
        rows = self._rows(path)
        for document in data or ():
            row = next(rows, None)
            if row is None or row["id"] != str(document.id):
                raise ScoresMisalignedError(
                    f"{self.scores_version.path}/{path}: expected the score of document {document.id!r}, found "
                    f"{None if row is None else row['id']!r}; the quality_scores version does not match its source: "
                    "materialize quality_scores for this dump again")
            document.metadata[SCORE_KEY], document.metadata[INT_KEY] = float(row[SCORE_KEY]), int(row[INT_KEY])
            yield document
        if next(rows, None) is not None:
            raise ScoresMisalignedError(f"{self.scores_version.path}/{path} has more rows than its source shard")

    def _rows(self, path: str):
        import pyarrow.parquet as pq

        if not self.scores_version.exists(path):
            return
        with self.scores_version.open(path, "rb") as handle:
            for batch in pq.ParquetFile(handle).iter_batches(batch_size=BATCH_ROWS, columns=["id", SCORE_KEY, INT_KEY]):
                yield from batch.to_pylist()


class EduScoreFilter(BaseFilter):
    """Keep documents whose rounded educational score is at least ``threshold`` (FineWeb-Edu keeps int_score >= 3;
    the classifier's F1 "at 3" counts the same rounded decision)."""

    name = "🎓 Educational score"

    def __init__(self, threshold: float, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.threshold = threshold

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if doc.metadata[INT_KEY] >= self.threshold:
            return True
        return False, "below_edu_threshold"
