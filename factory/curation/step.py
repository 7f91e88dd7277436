"""The ``filtered`` step: one (dump, chunk) of raw crawl through the FineWeb pipeline, into the store.

Its inputs are the chunk's current ``raw_crawl`` version (whose ``files`` table lists the crawl
files), so ``factory lineage filtered dump=X/chunk=Y`` walks down to the WARC files. The version
holds ``documents`` (kept), ``removed/<filter>`` for every filter, ``removed/input`` for the records
the reader could not use (by reason), and in its manifest's stats the per-filter removal table, the
bad input by reason, the language mix and samples; its counts include the emails and public IPs replaced in
the kept text (``pii_*``, summed from the tasks' datatrove stats).

The driver only plans and commits: one datatrove task per crawl file reads the file and writes
its shards, its part marker and datatrove's logs straight into the version folder (local or
``s3://``), on the local, Ray or Slurm executor. The manifest is built from the part markers and a
bounded read of a few sample rows, so the driver's memory does not grow with the chunk. A rerun
after an interruption keeps the completed tasks (datatrove's completions) and runs the rest.

A crawl file that cannot be read at all (not gzip, junk from its first byte) fails the partition
with an error naming the file: before anything runs when ``raw_crawl`` found it, else from its task.
"""

from __future__ import annotations

import logging
import time

from factory.categories.step import ASSET as CATEGORY_CLASSIFIER
from factory.categories.step import model_uri
from factory.crawl.gzip_members import UnreadableCrawlFile
from factory.crawl.index import ASSET as RAW_CRAWL
from factory.crawl.records import iter_records
from factory.curation import report
from factory.curation.config import CurationConfig
from factory.curation.executors import ExecutorError, ExecutorSpec, run_to_completion, stage_totals
from factory.categories.counter import category_summary
from factory.curation.outputs import removed_table
from factory.curation.pipeline import BAD_INPUT, REMOVAL_ORDER, build_pipeline
from factory.curation.reader import CrawlInput
from factory.documents import DOCUMENTS
from factory.models import ensure_smollm2
from factory.models.identity import tokenizer_identity
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Manifest, StorageOptions, Store, VersionWriter
from factory.store.writer import LOGS_DIR
from factory.store.filesystem import open_filesystem

log = logging.getLogger(__name__)
# code versions: 2: one shard per crawl file, written by the tasks into the version
# 3: bad input counted, not lost: removed/input by reason (truncated, corrupt_gzip, too_large, binary_payload...),
#    bad_records in the counts, max_page_bytes in the config, charsets decoded declared-first with UTF-8 sniffing
# 4: every document tagged with its category (the current category_classifier version is an input)
# 5: the kept text is anonymized as FineWeb's (emails and public IPs replaced: output text changes),
#    pii_emails / pii_ips / pii_documents in the counts
STEP = Step("filtered", code_version="5", libraries=("datatrove", "trafilatura", "resiliparse", "spacy", "tokenizers", "warcio"))
ASSET = STEP.asset
PII_COUNTS = ("pii_emails", "pii_ips", "pii_documents")  # CountingPIIFormatter's stats, summed over the tasks
FIX_UNREADABLE = "replace or remove the file, then materialize raw_crawl and filtered again for this partition"


def filter_chunk(
    store: Store,
    dump: str,
    chunk: str,
    config: CurationConfig,
    executor: ExecutorSpec | None = None,
    run_id: str | None = None,
    storage: StorageOptions | None = None,
    filters: str = "fast",
) -> StepResult:
    """``filters``: the Gopher/C4/FineWeb implementation, "fast" or "datatrove". Operational, like the
    executor: both make the same decisions, so it is recorded in the manifest but not in the version."""
    executor = executor or ExecutorSpec()
    plan = plan_chunk(store, dump, chunk, config)
    raw, categories = plan.inputs
    what = f"filtered[{dump}/{chunk}]"
    files, records = crawl_inputs(store, raw, what)

    def build(writer: VersionWriter) -> Manifest:
        started = time.time()
        if files:
            capped = records
            if config.max_documents_per_file is not None and records is not None:
                capped = min(records, config.max_documents_per_file * len(files))
            pipeline = build_pipeline(config, files, dump, writer.folder, tokenizer_path(), storage=storage,
                                      category_model=model_uri(store, categories), store_options=store.options.resolved(),
                                      filters=filters)
            built = executor.build(pipeline, len(files), writer.logs_folder(), job_name=f"filtered-{dump}-{chunk}",
                                   in_process=executor.runs_in_process(capped))
            _run(built, what, files, storage)
        manifest = _commit(store, writer, time.time() - started)
        log.info("filtered %s/%s: %d of %d documents kept in %.1f s (%d tasks)", dump, chunk, manifest.counts["documents"],
                 manifest.counts["documents_in"], time.time() - started, len(files))
        if bad := manifest.stats["bad_records"]:
            log.warning("filtered %s/%s: %d bad input records removed into removed/%s: %s", dump, chunk,
                        manifest.counts["bad_records"], BAD_INPUT, bad)
        return manifest

    return run_step(store, plan, build, run_id=run_id,
                    operational={**executor.operational(), "tasks": len(files), "filters": filters})


def plan_chunk(store: Store, dump: str, chunk: str, config: CurationConfig) -> StepPlan:
    """Inputs: the chunk's current raw_crawl version and the current category classifier (it tags every document)."""
    raw = store.require_current(RAW_CRAWL, {"dump": dump, "chunk": chunk})
    categories = store.require_current(CATEGORY_CLASSIFIER, None)
    config_dict = {**config.to_dict(), "tokenizer": tokenizer_identity(ensure_smollm2())}  # it counts every token
    return STEP.plan({"dump": dump, "chunk": chunk}, config_dict, inputs=[raw, categories])


def _run(built, what: str, files: list[CrawlInput], storage: StorageOptions | None) -> None:
    """Run the tasks; a failure names the crawl files of the failed tasks (task ``i`` reads file ``i``) and, for
    an unreadable one, why."""
    try:
        run_to_completion(built, what)
    except UnreadableCrawlFile as error:  # raised in a task (in process or a local worker), naming the file
        raise UnreadableCrawlFile(f"{what}: {error}; {FIX_UNREADABLE}") from error
    except ExecutorError as error:
        if getattr(built, "job_id", None) is not None:  # submitted to Slurm, not failed
            raise
        failed = [files[rank] for rank in built.get_incomplete_ranks(range(built.world_size)) if rank < len(files)]
        if not failed:
            raise
        causes = "; ".join(_why_unreadable(crawl_file, storage) or crawl_file.url for crawl_file in failed[:10])
        raise ExecutorError(f"{error}. The failed tasks read: {causes}") from error


def _why_unreadable(crawl_file: CrawlInput, storage: StorageOptions | None) -> str | None:
    """Why a file cannot be read at all (its first bytes suffice to tell), or None when it can be."""
    fs, path = open_filesystem(crawl_file.url, storage or StorageOptions())
    try:
        with fs.open(path, "rb") as stream:
            next(iter_records(stream, crawl_file.format, crawl_file.url, bad_records=True), None)
    except UnreadableCrawlFile as error:
        return str(error)
    return None


def crawl_inputs(store: Store, raw: Manifest, what: str = ASSET) -> tuple[list[CrawlInput], int | None]:
    """The chunk's crawl files in the raw_crawl index's order, and their records (None if the index did not count).

    Raises ``UnreadableCrawlFile`` when the index found a file with nothing readable in it."""
    table = store.read_table(raw, "files")
    listed = table.select([c for c in ("url", "format", "records", "error") if c in table.column_names]).to_pylist()
    if unreadable := [row["error"] for row in listed if row.get("error")]:  # each names its file
        raise UnreadableCrawlFile(f"{what}: raw_crawl found {len(unreadable)} crawl file(s) that cannot be read: "
                                  f"{'; '.join(unreadable[:5])}; {FIX_UNREADABLE}")
    files = [CrawlInput(row["url"], row["format"]) for row in listed]
    counts = [row["records"] for row in listed]
    return files, (None if any(c is None for c in counts) else sum(counts))


def tokenizer_path() -> str:
    """SmolLM2's tokenizer.json: token counts match every other step of the factory."""
    return str(ensure_smollm2() / "tokenizer.json")


def _commit(store: Store, writer: VersionWriter, seconds: float) -> Manifest:
    summaries = writer.table_summaries()
    kept = summaries.get(DOCUMENTS, {})
    removed = {name: summaries.get(removed_table(name), {}) for name in REMOVAL_ORDER}
    bad = removed[BAD_INPUT]
    docs_out, tokens_out = kept.get("rows", 0), kept.get("tokens", 0)
    docs_in = docs_out + sum(s.get("rows", 0) for s in removed.values())
    tokens_in = tokens_out + sum(s.get("tokens", 0) for s in removed.values())
    stats = {
        "removals": report.removal_rows(docs_in, removed),
        "bad_records": report.bad_records(bad),
        "language_mix": report.language_mix([kept, *removed.values()]),
        "categories": category_summary(kept),
        "removed_categories": {name: category_summary(s) for name, s in removed.items() if s.get("categories")},
        "samples": report.samples(store, writer, [DOCUMENTS, *(removed_table(n) for n in REMOVAL_ORDER)]),
        "docs_per_second": round(docs_in / seconds, 2) if seconds > 0 else None,
    }
    counts = {"documents_in": docs_in, "documents": docs_out, "tokens_in": tokens_in, "tokens": tokens_out,
              "documents_removed": docs_in - docs_out, "bad_records": bad.get("rows", 0)}
    pii = stage_totals(store, f"{writer.dir}/{LOGS_DIR}")  # {} when no task ran; no pii_* stats when it is disabled
    counts |= {name: int(pii.get(name, 0)) for name in PII_COUNTS}
    return writer.commit(counts=counts, stats=stats)
