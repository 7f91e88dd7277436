"""The ``filtered`` step: one (dump, chunk) of raw crawl through the FineWeb pipeline, into the store.

Its inputs are the chunk's current ``raw_crawl`` version (whose ``files`` table lists the crawl
files), so ``factory lineage filtered dump=X/chunk=Y`` walks down to the WARC files. The version
holds ``documents`` (kept), ``removed/<filter>`` for every filter, and in its manifest's stats
the per-filter removal table, the language mix and samples.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import pyarrow as pa

from factory import settings
from factory.crawl.index import ASSET as RAW_CRAWL
from factory.curation.config import CurationConfig
from factory.curation.executors import ExecutorSpec, run_to_completion
from factory.curation.outputs import read_jsonl_folder, to_documents, to_removed, REMOVED_SCHEMA
from factory.curation.pipeline import FILTER_ORDER, KEPT_DIR, REMOVED_DIR, build_pipeline
from factory.curation.reader import CrawlInput
from factory.curation import report
from factory.documents import DOCUMENTS, empty_documents
from factory.models import ensure_smollm2
from factory.steps import StepResult, reuse_committed
from factory.store import Store, StorageOptions

log = logging.getLogger(__name__)
ASSET = "filtered"
CODE_VERSION = "1"


def filter_chunk(
    store: Store,
    dump: str,
    chunk: str,
    config: CurationConfig,
    executor: ExecutorSpec | None = None,
    run_id: str | None = None,
    storage: StorageOptions | None = None,
    work_root: Path | None = None,
) -> StepResult:
    executor = executor or ExecutorSpec()
    partition = {"dump": dump, "chunk": chunk}
    raw = store.require_current(RAW_CRAWL, partition)
    listed = store.read_table(raw, "files").to_pylist()
    files = [CrawlInput(row["url"], row["format"]) for row in listed]
    records = sum(int(row["records"] or 0) for row in listed)
    if config.max_documents_per_chunk is not None:
        records = min(records, config.max_documents_per_chunk)
    tasks = executor.tasks_for(records)
    writer = store.writer(
        ASSET, partition, code_version=CODE_VERSION, config=config.to_dict(), inputs=[store.input_ref(raw)],
        operational={**executor.operational(), "tasks": tasks}, run_id=run_id,
    )
    if reused := reuse_committed(store, writer):
        log.info("filtered %s/%s: reusing %s", dump, chunk, reused.manifest.version)
        return reused
    work = (work_root or settings.home() / "work") / ASSET / writer.partition / writer.version
    shutil.rmtree(work, ignore_errors=True)  # leftovers of an interrupted run would be read as output
    started = time.time()
    if files:
        pipeline = build_pipeline(config, files, dump, work, tokenizer_path(), storage=storage)
        run_to_completion(executor.build(pipeline, tasks, str(work / "logs"), job_name=f"filtered-{dump}-{chunk}"),
                          f"filtered[{dump}/{chunk}]")
    kept_rows = read_jsonl_folder(work / KEPT_DIR) if files else []
    removed_rows = {name: read_jsonl_folder(work / REMOVED_DIR / name) if files else [] for name in FILTER_ORDER}
    kept = to_documents(kept_rows, dump) if kept_rows else empty_documents()
    removed = {name: to_removed(removed_rows[name], dump, name) if removed_rows[name] else REMOVED_SCHEMA.empty_table()
               for name in FILTER_ORDER}
    seconds = time.time() - started
    manifest = _commit(writer, kept, removed, seconds)
    log.info("filtered %s/%s: %d of %d documents kept in %.1f s (%d tasks)", dump, chunk, kept.num_rows,
             manifest.counts["documents_in"], seconds, tasks)
    shutil.rmtree(work, ignore_errors=True)
    return StepResult(manifest, reused=False)


def tokenizer_path() -> str:
    """SmolLM2's tokenizer.json: token counts match every other step of the factory."""
    return str(ensure_smollm2() / "tokenizer.json")


def _commit(writer, kept: pa.Table, removed: dict[str, pa.Table], seconds: float):
    docs_in = kept.num_rows + sum(t.num_rows for t in removed.values())
    tokens_out = sum(kept.column("tokens").to_pylist())
    tokens_in = tokens_out + sum(sum(t.column("tokens").to_pylist()) for t in removed.values())
    with writer.part(0) as part:
        part.write_table(DOCUMENTS, kept)
        for name, table in removed.items():
            part.write_table(f"removed/{name}", table)
        part.count(documents_in=docs_in, documents=kept.num_rows, tokens_in=tokens_in, tokens=tokens_out,
                   documents_removed=docs_in - kept.num_rows)
    stats = {
        "removals": report.removal_rows(docs_in, tokens_in, removed),
        "language_mix": report.language_mix(kept, removed),
        "samples": report.samples(kept, removed),
        "docs_per_second": round(docs_in / seconds, 2) if seconds > 0 else None,
    }
    return writer.commit(stats=stats)
