"""Stage 1: task ``i`` embeds input shard ``i`` into ``_work/embeddings/part-<i>.npy`` (+ its ids).

The documents stream through in batches, so a task holds its shard's vectors (1.5 KB a document),
never its texts. The model is loaded once per process and kept for the next task that process runs
(datatrove copies the pipeline per task, which would otherwise reload it every time).
"""

from __future__ import annotations

import functools

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

from factory.semantic_dedup.arrays import save_array, save_ids
from factory.semantic_dedup.scratch import Scratch

BATCH = 256


@functools.cache
def embedder(max_tokens: int):
    from factory.models.embeddings import Embedder

    return Embedder(max_tokens=max_tokens)


class EmbedShard(PipelineStep):
    type = "🫂 - DEDUP"
    name = "🧭 Embed"

    def __init__(self, work_folder: DataFolderLike, max_tokens: int):
        super().__init__()
        self.work = get_datafolder(work_folder)
        self.max_tokens = max_tokens

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        vectors, ids, texts = [], [], []
        for document in data or ():
            ids.append(str(document.id))
            texts.append(document.text)
            if len(texts) >= BATCH:
                vectors.append(self._embed(texts))
                texts = []
        vectors.append(self._embed(texts))  # an empty batch embeds to (0, dim) without loading the model
        save_ids(self.work, Scratch.ids(rank), ids)
        save_array(self.work, Scratch.embeddings(rank), np.concatenate(vectors).astype(np.float32))
        self.stat_update("embedded", value=len(ids))
        yield from ()

    def _embed(self, texts: list[str]) -> np.ndarray:
        with self.track_time("batch"):
            return embedder(self.max_tokens).embed(texts)
