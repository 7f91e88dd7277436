"""Helpers of the planning tests: a store of hand-made committed manifests with round numbers, and a
tiny warc.paths.gz (imported by name: pytest puts this folder on the path, with or without ``python -m``).

The numbers are chosen so every planned figure can be checked by hand:
- raw_crawl: 4 counted WARCs of 1,000,000 B with 100 HTML responses each -> 10,000 B/record
  (a JSONL file and a listing-only index beside them must be ignored);
- filtered: 2 WARC-input chunks, each 200 documents in, 100 kept, 50,000 tokens, 40 s wall on
  min(2 workers, 2 tasks) -> 0.4 CPU-s/doc, keep 0.5, 500 tokens/doc, 1,000 B per kept and 500 B
  per removed document; a JSONL-input chunk with other costs must be left out;
- deduped: 200 in, 150 kept, 60,000 tokens, 20 s on 1 worker -> 0.1 CPU-s/doc, keep 0.75,
  400 tokens/doc, 800 B per kept, 500 B per removed, 100 B of index per input document;
- synthetic: on an H100 5,000 tokens out in 1 s; on CPU 100 tokens in 10 s (not a GPU rate);
  10,200 prompt tokens in all -> 5,000 tok/s/GPU, output ratio 0.5;
- proxy_model: test-micro at 1,000,000 tokens/s on an H100; mixed: 1,000,000 tokens in 2 s.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from factory.store import FileEntry, InputRef, Manifest, SourceFile, Store, parse_partition, partition_label

DUMP = "CC-TEST"
FILES = 1000


def commit(store: Store, asset: str, partition: str, *, counts=None, files=(), inputs=(), sources=(), operational=None,
           stats=None, config=None, wall_s: float | None = None) -> Manifest:
    label = partition_label(parse_partition(partition))
    version = hashlib.sha256(f"{asset}/{label}".encode()).hexdigest()[:16]
    manifest = Manifest(
        asset=asset, partition=label, version=version, content_hash="0" * 16, code_version="1", config=config or {},
        inputs=list(inputs), files=[FileEntry(path, size, "0" * 64) for path, size in files], counts=counts or {},
        sources=list(sources), operational=operational or {}, stats=stats or {},
        timings={"wall_s": wall_s} if wall_s is not None else {},
    )
    store.commit_manifest(manifest)
    return manifest


def ref(manifest: Manifest) -> InputRef:
    return InputRef(manifest.asset, manifest.partition, manifest.version, manifest.uri)


def warc(name: str, size: int = 1_000_000, records: int | None = 100) -> SourceFile:
    return SourceFile(f"https://data.commoncrawl.org/{name}.warc.gz", size, f"sha256:{name}", records, "warc")


def build_measured_store(store: Store) -> Store:
    filtered = []
    for chunk in ("000", "001"):
        raw = commit(store, "raw_crawl", f"dump={DUMP}/chunk={chunk}",
                     counts={"files": 2, "records": 200, "bytes": 2_000_000},
                     sources=[warc(f"a{chunk}"), warc(f"b{chunk}")])
        filtered.append(commit(
            store, "filtered", f"dump={DUMP}/chunk={chunk}", inputs=[ref(raw)], wall_s=40.0,
            counts={"documents_in": 200, "documents": 100, "tokens_in": 90_000, "tokens": 50_000},
            operational={"executor_kind": "local", "executor_workers": 2, "executor_in_process_below_documents": 100,
                         "tasks": 2},
            files=[("documents/part-00000.parquet", 100_000), ("removed/url_filter/part-00000.parquet", 20_000),
                   ("removed/language/part-00000.parquet", 30_000)],
        ))
    # A text dump (no HTML extraction) with far cheaper documents, and a listing-only index: both must not count.
    text_raw = commit(store, "raw_crawl", "dump=olmo/chunk=000", counts={"files": 1, "records": 10, "bytes": 5_000_000},
                      sources=[SourceFile("/data/c4.json.gz", 5_000_000, "sha256:c4", 10, "jsonl"),
                               warc("listed-only", records=None)])
    commit(store, "filtered", "dump=olmo/chunk=000", inputs=[ref(text_raw)], wall_s=1.0,
           counts={"documents_in": 1000, "documents": 900, "tokens": 900_000},
           operational={"executor_kind": "local", "executor_workers": 1, "tasks": 1},
           files=[("documents/part-00000.parquet", 9_000_000)])
    commit(store, "deduped", f"dump={DUMP}", inputs=[ref(m) for m in filtered], wall_s=20.0, config={"num_buckets": 14},
           counts={"documents_in": 200, "documents": 150, "tokens_in": 100_000, "tokens": 60_000},
           operational={"executor_kind": "local", "executor_workers": 1},
           files=[("documents/part-00000.parquet", 120_000), ("removed/exact/part-00000.parquet", 10_000),
                  ("removed/minhash/part-00000.parquet", 15_000), ("clusters/part-00000.parquet", 5_000),
                  ("minhash_index/bucket_000/index_0.minhash.index", 15_000)])
    commit(store, "synthetic", f"dump={DUMP}/recipe=finephrase_faq", config={"model": "SmolLM2-1.7B-Instruct"},
           stats={"tokens_in": 10_000, "tokens_out": 5_000, "generation_s": 1.0,
                  "accelerator_hours": {"cuda:NVIDIA H100 80GB HBM3": 1 / 3600}})
    commit(store, "synthetic", f"dump={DUMP}/recipe=wrap_qa", config={"model": "SmolLM2-135M-Instruct"},
           stats={"tokens_in": 200, "tokens_out": 100, "generation_s": 10.0, "accelerator_hours": {"cpu": 10 / 3600}})
    commit(store, "mixed", "web-only", counts={"tokens": 1_000_000}, wall_s=2.0)
    commit(store, "proxy_model", "web-only", counts={"tokens_trained": 10_240},
           stats={"config_name": "test-micro", "tokens_per_s": 1_000_000.0, "mfu": 0.1,
                  "device": "NVIDIA H100 80GB HBM3"})
    return store


def write_paths(path: Path, files: int = FILES, extra: tuple[str, ...] = (), compress: bool = True) -> Path:
    """A warc.paths.gz in Common Crawl's format: gzipped, one relative WARC path per line."""
    lines = [f"crawl-data/{DUMP}/segments/1712296815919.{i // 100:02d}/warc/CC-MAIN-20240412-{i:05d}.warc.gz"
             for i in range(files)]
    data = ("\n".join([*lines, *extra]) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path

