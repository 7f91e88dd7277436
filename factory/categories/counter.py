"""Counting documents and tokens per category inside datatrove tasks, so a step's category distribution
comes from its tasks' stats (``stage_totals``) and the driver never reads the documents.

Place ``CategoryCounter`` just before the writer of the table to describe: it sees exactly what is written.
"""

from __future__ import annotations

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

DOCUMENTS_PREFIX, TOKENS_PREFIX = "category_documents/", "category_tokens/"
UNTAGGED = "untagged"  # a document that reached the counter without a category (a bug upstream, shown, not hidden)


class CategoryCounter(PipelineStep):
    type = "📊 - STATS"
    name = "🏷 Category counter"

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for document in data or ():
            category = document.metadata.get("category") or UNTAGGED
            self.stat_update(f"{DOCUMENTS_PREFIX}{category}")
            self.stat_update(f"{TOKENS_PREFIX}{category}", value=int(document.metadata.get("tokens") or 0))
            yield document


def counted(totals: dict[str, float]) -> tuple[dict[str, int], dict[str, int]]:
    """Documents and tokens per category out of a stage's summed stats (``stage_totals``)."""
    documents = {key[len(DOCUMENTS_PREFIX):]: int(value) for key, value in totals.items() if key.startswith(DOCUMENTS_PREFIX)}
    tokens = {key[len(TOKENS_PREFIX):]: int(value) for key, value in totals.items() if key.startswith(TOKENS_PREFIX)}
    return documents, tokens


def category_summary(table_summary: dict) -> dict[str, dict[str, int]]:
    """Documents and tokens per category of one table, from ``VersionWriter.table_summaries()`` (which sums
    what ``CommitPart(describe_metadata=True)`` counted in the tasks)."""
    return {"documents": dict(table_summary.get("categories", {})), "tokens": dict(table_summary.get("category_tokens", {}))}
