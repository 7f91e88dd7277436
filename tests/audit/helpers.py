"""A small but complete store for audit tests: one C4 chunk from crawl file to leaderboard, written as the steps write.

Documents are real C4 pages (ids are their URLs, as the crawl reader makes them); configs are the
steps' real config objects with one override each, so the audit's default comparison has something to find.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from factory.curation.config import CurationConfig
from factory.dedup.config import DedupConfig
from factory.documents import DOCUMENT_SCHEMA
from factory.store import Manifest, SourceFile, Store
from factory.store.writer import open_writer

C4_FILE = "web/olmo_c4/c4-sample.00000-of-00001.json.gz"
DUMP, CHUNK, RECIPE, MIX = "c4", "000", "finephrase_faq", "web-synthetic"
SAMPLING = {"max_tokens": 192, "repetition_penalty": 1.05, "temperature": 0.7, "top_k": -1, "top_p": 0.95}


@dataclass
class Chain:
    raw: Manifest
    filtered: Manifest
    deduped: Manifest
    synthetic: Manifest
    mixed: Manifest
    model: Manifest
    evaluation: Manifest
    leaderboard: Manifest
    kept_ids: list[str]  # deduped documents, in order
    removed_id: str  # an exact duplicate deduped removed (of kept_ids[0])
    synthetic_id: str  # a synthetic document the mix selected (rephrasing kept_ids[1])


def c4_records(shared_data: Path, n: int) -> list[dict]:
    with gzip.open(shared_data / C4_FILE, "rt") as handle:
        return [json.loads(line) for _, line in zip(range(n), handle, strict=False)]


def crawl_file(shared_data: Path) -> SourceFile:
    data = (shared_data / C4_FILE).read_bytes()
    return SourceFile(str(shared_data / C4_FILE), len(data), "sha256:" + hashlib.sha256(data).hexdigest(), 1000, "jsonl")


def doc_row(record: dict, index: int, source_file: str, **metadata) -> dict:
    return {"id": record["url"], "text": record["text"], "url": record["url"], "dump": DUMP, "source_file": source_file,
            "tokens": len(record["text"].split()), "metadata": json.dumps({"format": "jsonl", "record_index": index, **metadata})}


def commit(store: Store, asset: str, partition, tables: dict[str, list[dict]], *, config: dict, inputs=(), sources=(),
           code_version: str = "1", schema: pa.Schema | None = None) -> Manifest:
    writer = open_writer(store, asset, partition, code_version=code_version, config=config,
                          inputs=[store.input_ref(m) for m in inputs], sources=sources)
    with writer.part(0) as part:
        for name, rows in tables.items():
            part.write_table(name, pa.Table.from_pylist(rows, schema=schema if name == "documents" else None))
            part.count(**{name.replace("/", "_"): len(rows)})
    return writer.commit()


def filtered_version(store: Store, raw: Manifest, records: list[dict], min_doc_words: int = 30) -> Manifest:
    source = raw.sources[0].url
    config = CurationConfig.from_overrides({"gopher_quality": {"min_doc_words": min_doc_words}}).to_dict()
    removed = {**doc_row(records[-1], len(records) - 1, source), "filter": "language", "reason": "wrong_language"}
    return commit(store, "filtered", {"dump": DUMP, "chunk": CHUNK},
                  {"documents": [doc_row(r, i, source) for i, r in enumerate(records[:-1])], "removed/language": [removed]},
                  config=config, inputs=[raw], code_version="2")


def build_chain(store: Store, shared_data: Path) -> Chain:
    records = c4_records(shared_data, 6)
    source = crawl_file(shared_data)
    raw = commit(store, "raw_crawl", {"dump": DUMP, "chunk": CHUNK}, {"files": [vars(source)]},
                 config={"chunks": 4, "source_kind": "prefix", "index_mode": "full"}, sources=[source], code_version="2")
    filtered = filtered_version(store, raw, records)
    kept = [doc_row(r, i, source.url, content_key=f"key{i}") for i, r in enumerate(records[:4])]
    duplicate = {**doc_row(records[4], 4, source.url, content_key="key0"), "reason": "exact_duplicate", "cluster_id": -1,
                 "content_key": "key0"}
    deduped = commit(store, "deduped", {"dump": DUMP}, {"documents": kept, "removed/exact": [duplicate]},
                     config=DedupConfig().to_dict(), inputs=[filtered], code_version="2", schema=DOCUMENT_SCHEMA)
    rephrased = {"id": "syn-0001", "text": "Q: What is this page about?\nA: " + records[1]["text"][:200], "url": records[1]["url"],
                 "dump": DUMP, "source_file": source.url, "tokens": 40, "metadata": "{}", "source_id": records[1]["url"],
                 "recipe": RECIPE, "recipe_version": 1, "model": "SmolLM2-135M-Instruct", "sampling": json.dumps(SAMPLING),
                 "seed": 3}
    synthetic = commit(store, "synthetic", {"dump": DUMP, "recipe": RECIPE}, {"documents": [rephrased]},
                       config={"source_asset": "deduped", "seed": 3, "model": "SmolLM2-135M-Instruct", "chunk_size": 32},
                       inputs=[deduped])
    recipe = {"name": MIX, "sources": [{"asset": "deduped", "partitions": ["*"], "table": "documents", "weight": 0.9},
                                        {"asset": "synthetic", "partitions": ["*"], "table": "documents", "weight": 0.1}],
              "total_tokens": 1000, "max_repeats": 2.0, "seed": 0}
    selected = [{"doc_id": r["id"], "source": 0, "version": deduped.version, "copies": 1, "tokens": r["tokens"]} for r in kept]
    selected.append({"doc_id": "syn-0001", "source": 1, "version": synthetic.version, "copies": 2, "tokens": 40})
    mixed = commit(store, "mixed", MIX, {"selected": selected}, config={"recipe": recipe, "eos": "<|endoftext|>"},
                   inputs=[deduped, synthetic], code_version="2")
    model = commit(store, "proxy_model", MIX, {"loss_curve": [{"step": 1, "loss": 7.5}]}, config={"proxy": {"name": "tiny"}},
                   inputs=[mixed])
    evaluation = commit(store, "proxy_eval", MIX, {"scores": [{"task": "hellaswag", "value": 0.3}]},
                        config={"eval": {"limit": 10}}, inputs=[model])
    leaderboard = commit(store, "leaderboard", None, {"leaderboard": [{"mix": MIX, "aggregate": 0.01}]},
                         config={"roles": {MIX: "candidate"}}, inputs=[evaluation])
    return Chain(raw, filtered, deduped, synthetic, mixed, model, evaluation, leaderboard,
                 [r["id"] for r in kept], records[4]["url"], "syn-0001")


def flat(output: str) -> str:
    """Printed output without rich's tree guides and line wrapping (CliRunner's terminal is 80 columns wide)."""
    return " ".join(output.translate({ord(c): " " for c in "│├└─"}).split())
