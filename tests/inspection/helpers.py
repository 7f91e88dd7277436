"""A small store of real C4 pages for inspection tests, written through the store's writer as the steps write.

``deduped[dump=c4]`` has two shards of 30 documents; document ``i`` is classified ``CATEGORIES[i % 8]`` and has
the edu score ``(i % 11) / 2``: in its metadata for the even documents of shard 1, else only in the aligned
``quality_scores[dump=c4]`` attributes (which hold a different, wrong value for the metadata-scored ones, so a
test can tell which source won). Shard 1 is written with 8-row row groups, so row reads cross row groups.
``synthetic[dump=c4/recipe=faq]`` rephrases three deduped documents; ``filtered[dump=c4/chunk=000]`` holds four.
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from factory.categories.taxonomy import CATEGORIES
from factory.documents import DOCUMENT_SCHEMA
from factory.store import Manifest, Store
from factory.store.writer import open_writer

C4_FILE = "web/olmo_c4/c4-sample.00000-of-00001.json.gz"
DUMP, RECIPE, MODEL = "c4", "faq", "SmolLM2-135M-Instruct"
SHARD_ROWS, SHARDS = 30, 2
SYNTHETIC_SCHEMA = pa.schema(list(DOCUMENT_SCHEMA) + [
    ("source_id", pa.string()), ("recipe", pa.string()), ("recipe_version", pa.int64()), ("model", pa.string()),
    ("sampling", pa.string()), ("seed", pa.int64())])
ATTRIBUTES_SCHEMA = pa.schema([("id", pa.string()), ("edu_score", pa.float32()), ("edu_int", pa.int8())])


@dataclass
class TinyStore:
    store: Store
    deduped: Manifest
    scores: Manifest
    synthetic: Manifest
    filtered: Manifest
    category: dict[str, str]  # document id -> classifier category
    edu_score: dict[str, float]  # document id -> the score a reader must see
    metadata_scored: set[str]  # ids whose score is in their metadata
    texts: dict[str, str]


def c4_records(shared_data: Path, n: int) -> list[dict]:
    with gzip.open(shared_data / C4_FILE, "rt") as handle:
        return [json.loads(line) for _, line in zip(range(n), handle, strict=False)]


def parquet_bytes(rows: list[dict], schema: pa.Schema, row_group_size: int | None = None) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), sink, row_group_size=row_group_size)
    return sink.getvalue()


def commit_shards(store: Store, asset: str, partition, table: str, shards: list[list[dict]], schema: pa.Schema,
                  config: dict, inputs=(), row_group_size: dict[int, int] | None = None) -> Manifest:
    writer = open_writer(store, asset, partition, code_version="1", config=config, inputs=[store.input_ref(m) for m in inputs])
    for index, rows in enumerate(shards):
        with writer.part(index) as part:
            data = parquet_bytes(rows, schema, (row_group_size or {}).get(index))
            part.files.append(writer.put_bytes(f"{table}/part-{index:05d}.parquet", data, rows=len(rows)))
            part.count(**{table: len(rows)})
    return writer.commit()


def build_store(root: Path, shared_data: Path) -> TinyStore:
    store = Store(str(root))
    records = c4_records(shared_data, SHARD_ROWS * SHARDS)
    category, score, metadata_scored, texts = {}, {}, set(), {}
    shards, attributes = [[] for _ in range(SHARDS)], [[] for _ in range(SHARDS)]
    for i, record in enumerate(records):
        shard, doc_id = i // SHARD_ROWS, record["url"]
        category[doc_id], score[doc_id], texts[doc_id] = CATEGORIES[i % len(CATEGORIES)], (i % 11) / 2, record["text"]
        metadata = {"language": "en", "category": category[doc_id]}
        if shard == 1 and i % 2 == 0:
            metadata["edu_score"] = score[doc_id]
            metadata_scored.add(doc_id)
        shards[shard].append({"id": doc_id, "text": record["text"], "url": record["url"], "dump": DUMP,
                              "source_file": str(shared_data / C4_FILE), "tokens": len(record["text"].split()),
                              "metadata": json.dumps(metadata)})
        stored = 9.0 if doc_id in metadata_scored else score[doc_id]  # metadata must win over a stale attribute
        attributes[shard].append({"id": doc_id, "edu_score": stored, "edu_int": int(round(stored))})
    deduped = commit_shards(store, "deduped", {"dump": DUMP}, "documents", shards, DOCUMENT_SCHEMA,
                            {"exact": True}, row_group_size={1: 8})
    scores = commit_shards(store, "quality_scores", {"dump": DUMP}, "attributes", attributes, ATTRIBUTES_SCHEMA,
                           {"model": "edu-classifier"}, inputs=[deduped])
    sources = [shards[0][2], shards[1][5], shards[1][29]]
    synthetic_rows = [{"id": f"syn-{k}", "text": f"Q: What does this page say?\nA: {row['text'][:150]}", "url": row["url"],
                       "dump": DUMP, "source_file": row["source_file"], "tokens": 40,
                       "metadata": json.dumps({"faithfulness": 0.61, "source_similarity": 0.72, "supported_share": 0.5}),
                       "source_id": row["id"], "recipe": RECIPE, "recipe_version": 2, "model": MODEL,
                       "sampling": json.dumps({"temperature": 0.7}), "seed": k} for k, row in enumerate(sources)]
    synthetic = commit_shards(store, "synthetic", {"dump": DUMP, "recipe": RECIPE}, "documents", [synthetic_rows],
                              SYNTHETIC_SCHEMA, {"source_asset": "deduped", "model": MODEL}, inputs=[deduped])
    filtered = commit_shards(store, "filtered", {"dump": DUMP, "chunk": "000"}, "documents", [shards[0][:4]],
                             DOCUMENT_SCHEMA, {"min_doc_words": 30})
    return TinyStore(store, deduped, scores, synthetic, filtered, category, score, metadata_scored, texts)
