"""The ``filtered`` step: one (dump, chunk) of raw crawl through the FineWeb pipeline, into the store.

Its inputs are the chunk's current ``raw_crawl`` version (whose ``files`` table lists the crawl
files), so ``factory lineage filtered dump=X/chunk=Y`` walks down to the WARC files. The version
holds ``documents`` (kept), ``removed/<filter>`` for every filter, and in its manifest's stats
the per-filter removal table, the language mix and samples.

The driver only plans and commits: one datatrove task per crawl file reads the file and writes
its shards, its part marker and datatrove's logs straight into the version folder (local or
``s3://``), on the local, Ray or Slurm executor. The manifest is built from the part markers and a
bounded read of a few sample rows, so the driver's memory does not grow with the chunk. A rerun
after an interruption keeps the completed tasks (datatrove's completions) and runs the rest.
"""

from __future__ import annotations

import logging
import time

from factory.crawl.index import ASSET as RAW_CRAWL
from factory.curation import report
from factory.curation.config import CurationConfig
from factory.curation.executors import ExecutorSpec, run_to_completion
from factory.curation.outputs import removed_table
from factory.curation.pipeline import FILTER_ORDER, build_pipeline
from factory.curation.reader import CrawlInput
from factory.documents import DOCUMENTS
from factory.models import ensure_smollm2
from factory.steps import StepResult, reuse_committed
from factory.store import Manifest, StorageOptions, Store, VersionWriter

log = logging.getLogger(__name__)
ASSET = "filtered"
CODE_VERSION = "2"  # 2: one shard per crawl file, written by the tasks into the version


def filter_chunk(
    store: Store,
    dump: str,
    chunk: str,
    config: CurationConfig,
    executor: ExecutorSpec | None = None,
    run_id: str | None = None,
    storage: StorageOptions | None = None,
) -> StepResult:
    executor = executor or ExecutorSpec()
    partition = {"dump": dump, "chunk": chunk}
    raw = store.require_current(RAW_CRAWL, partition)
    files, records = crawl_inputs(store, raw)
    writer = store.writer(
        ASSET, partition, code_version=CODE_VERSION, config=config.to_dict(), inputs=[store.input_ref(raw)],
        operational={**executor.operational(), "tasks": len(files)}, run_id=run_id,
    )
    if reused := reuse_committed(store, writer):
        log.info("filtered %s/%s: reusing %s", dump, chunk, reused.manifest.version)
        return reused
    started = time.time()
    if files:
        if config.max_documents_per_file is not None and records is not None:
            records = min(records, config.max_documents_per_file * len(files))
        pipeline = build_pipeline(config, files, dump, writer.folder, tokenizer_path(), storage=storage)
        built = executor.build(pipeline, len(files), writer.logs_folder(), job_name=f"filtered-{dump}-{chunk}",
                               in_process=executor.runs_in_process(records))
        run_to_completion(built, f"filtered[{dump}/{chunk}]")
    manifest = _commit(store, writer, time.time() - started)
    log.info("filtered %s/%s: %d of %d documents kept in %.1f s (%d tasks)", dump, chunk, manifest.counts["documents"],
             manifest.counts["documents_in"], time.time() - started, len(files))
    return StepResult(manifest, reused=False)


def crawl_inputs(store: Store, raw: Manifest) -> tuple[list[CrawlInput], int | None]:
    """The chunk's crawl files in the raw_crawl index's order, and their records (None if the index did not count)."""
    listed = store.read_table(raw, "files").select(["url", "format", "records"]).to_pylist()
    files = [CrawlInput(row["url"], row["format"]) for row in listed]
    counts = [row["records"] for row in listed]
    return files, (None if any(c is None for c in counts) else sum(counts))


def tokenizer_path() -> str:
    """SmolLM2's tokenizer.json: token counts match every other step of the factory."""
    return str(ensure_smollm2() / "tokenizer.json")


def _commit(store: Store, writer: VersionWriter, seconds: float) -> Manifest:
    summaries = writer.table_summaries()
    kept = summaries.get(DOCUMENTS, {})
    removed = {name: summaries.get(removed_table(name), {}) for name in FILTER_ORDER}
    docs_out, tokens_out = kept.get("rows", 0), kept.get("tokens", 0)
    docs_in = docs_out + sum(s.get("rows", 0) for s in removed.values())
    tokens_in = tokens_out + sum(s.get("tokens", 0) for s in removed.values())
    stats = {
        "removals": report.removal_rows(docs_in, removed),
        "language_mix": report.language_mix([kept, *removed.values()]),
        "samples": report.samples(store, writer, [DOCUMENTS, *(removed_table(n) for n in FILTER_ORDER)]),
        "docs_per_second": round(docs_in / seconds, 2) if seconds > 0 else None,
    }
    counts = {"documents_in": docs_in, "documents": docs_out, "tokens_in": tokens_in, "tokens": tokens_out,
              "documents_removed": docs_in - docs_out}
    return writer.commit(counts=counts, stats=stats)
