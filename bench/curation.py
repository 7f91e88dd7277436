"""Benchmark of the curation stage (issue 3), on real WebOrganizer pages wrapped as WARC.

Measures, and writes to bench/results/curation.json:
1. the `filtered` asset through Dagster (`materialize`) against the same datatrove pipeline run
   as a plain script on the same WARC, in documents per second per core: wall clock with every
   core (interleaved repeats, best of each), and CPU time with one in-process worker, which
   other load on a shared machine does not distort;
2. HTML extraction alone, trafilatura against resiliparse, on one core;
3. the `deduped` step (exact + 4-stage MinHash) on real pages with planted near-duplicates of
   known word 5-gram Jaccard: throughput, recall at J >= 0.85, merges below 0.5, precision.

Run: `nice .venv/bin/python bench/curation.py [--docs 5000] [--workers 2] [--repeats 2] [--parts cpu,dedup]`.
"""

from __future__ import annotations

import argparse
import gzip
import html
import io
import json
import logging
import os
import platform
import resource
import sys
import statistics
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))  # test support (support.planted)
from measure import figure, ratio  # noqa: E402

log = logging.getLogger("bench.curation")
REPO = Path(__file__).resolve().parents[1]
WEBORGANIZER = REPO.parent / "shared" / "data" / "classification" / "weborganizer" / "weborganizer_examples.jsonl.gz"
DUMP = "bench"
WARC_FILES = 4


def cpu_seconds() -> float:
    """CPU time of this process and its reaped children: with one worker, every task runs in process and
    each extraction sandbox is our child, so this is the run's whole CPU cost, whatever else loads the machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def load_pages(count: int, skip: int = 0) -> list[dict]:
    pages = []
    with gzip.open(WEBORGANIZER, "rt") as handle:
        for index, line in enumerate(handle):
            if index < skip:
                continue
            row = json.loads(line)
            if row.get("url") and row.get("text"):
                pages.append(row)
            if len(pages) == count:
                break
    if len(pages) < count:
        raise SystemExit(f"{WEBORGANIZER} holds only {len(pages)} pages after {skip}; ask for fewer with --docs")
    return pages


def page_html(row: dict) -> bytes:
    """The page's text as HTML with the navigation and footer boilerplate extraction must drop."""
    lines = [line.strip() for line in row["text"].splitlines() if line.strip()]
    title = html.escape(lines[0][:120]) if lines else "page"
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])  # the first line is the heading
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/about'>About us</a> | <a href='/contact'>Contact</a></nav>"
        f"<main><article><h1>{title}</h1>\n{body}</article></main>"
        "<footer>Copyright 2024. All rights reserved. <a href='/privacy'>Privacy</a></footer></body></html>"
    ).encode()


def write_warc(pages: list[dict], path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for row in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(row["url"], "response", payload=io.BytesIO(page_html(row)),
                                                          http_headers=headers))


def write_warcs(pages: list[dict], folder: Path, files: int) -> None:
    """The pages as ``files`` WARC files (the factory gives each file its own task, as at Common Crawl scale)."""
    for index in range(files):
        write_warc(pages[index::files], folder / f"weborganizer-{index:02d}.warc.gz")


def index_bench_chunk(store_root: Path, crawl: Path) -> tuple[object, str]:
    from factory import settings
    from factory.crawl import parse_source
    from factory.crawl.index import index_chunk
    from factory.store import Store

    source = parse_source(str(crawl))
    chunks = settings.chunk_count()
    chunk = source.list_files(DUMP)[0].chunk(chunks)
    store = Store(str(store_root))
    index_chunk(store, source, DUMP, chunk, chunks)
    return store, chunk


def run_dagster(work: Path, crawl: Path, workers: int) -> dict:
    """`filtered` materialized through Dagster into a fresh store (raw_crawl indexed beforehand, untimed)."""
    from dagster import DagsterInstance, MultiPartitionKey, materialize

    from assets.curation import filtered
    from resources import StoreResource
    from resources.curation import CurationResource
    from resources.executor import ExecutorResource

    store_root = Path(tempfile.mkdtemp(dir=work, prefix="dagster-store-"))
    store, chunk = index_bench_chunk(store_root, crawl)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("dumps", [DUMP])
    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = materialize([filtered], partition_key=MultiPartitionKey({"dump": DUMP, "chunk": chunk}), instance=instance,
                         resources={"store": StoreResource(root=str(store_root)), "curation_settings": CurationResource(),
                                    "executor": ExecutorResource(workers=workers, in_process_below_documents=0)})
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    assert result.success, "the Dagster run failed"
    manifest = store.require_current("filtered", {"dump": DUMP, "chunk": chunk})
    return {"seconds": seconds, "cpu_seconds": cpu, "documents_in": manifest.counts["documents_in"], "documents": manifest.counts["documents"],
            "tasks": manifest.operational["tasks"], "removals": {r["filter"]: r["docs_removed"] for r in manifest.stats["removals"]}}


def run_plain(work: Path, crawl: Path, workers: int, tasks: int) -> dict:
    """The same datatrove pipeline (reader, extraction, filters, token counts, writers) as a plain script."""
    import pyarrow.parquet as pq
    from datatrove.executor import LocalPipelineExecutor

    from factory.curation import CurationConfig
    from factory.curation.pipeline import build_pipeline
    from factory.curation.reader import CrawlInput
    from factory.curation.step import tokenizer_path

    out = Path(tempfile.mkdtemp(dir=work, prefix="plain-"))
    files = [CrawlInput(str(path), "warc") for path in sorted((crawl / DUMP).glob("*.warc.gz"))]
    started, cpu_started = time.perf_counter(), cpu_seconds()
    pipeline = build_pipeline(CurationConfig(), files, DUMP, str(out), tokenizer_path(), category_model=category_model(work))
    executor = LocalPipelineExecutor(pipeline, tasks=tasks, workers=workers, logging_dir=str(out / "logs"))
    executor.run()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    kept = sum(pq.ParquetFile(path).metadata.num_rows for path in (out / "documents").glob("*.parquet"))
    return {"seconds": seconds, "cpu_seconds": cpu, "documents": kept}


def category_model(work: Path) -> str:
    """The default category classifier's folder, as `filtered` tags with it (trained once, then from the cache)."""
    from factory.categories.step import build_category_classifier, model_uri
    from factory.store import Store

    store = Store(str(work / "category-store"))
    return model_uri(store, build_category_classifier(store).manifest)


def run_in_subprocess(kind: str, work: Path, crawl: Path) -> dict:
    """One run with one worker in a fresh process (each pays its own imports and model loads); its CPU
    time is the child's, read from RUSAGE_CHILDREN once it has exited."""
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    output = subprocess.run([sys.executable, __file__, "--one", kind, "--crawl", str(crawl), "--work", str(work)],
                            check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = json.loads(output.strip().splitlines()[-1])
    figures.update(seconds=seconds, cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime))
    return figures


def run_extraction(crawl: Path, work: Path, extractor: str) -> dict:
    """Reader + extraction only, one task on one core."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter

    from factory.curation.extraction import HtmlExtractor
    from factory.curation.reader import CrawlInput, CrawlRecordReader

    out = Path(tempfile.mkdtemp(dir=work, prefix=f"extract-{extractor}-"))
    files = [CrawlInput(str(path), "warc") for path in sorted((crawl / DUMP).glob("*.warc.gz"))]
    started = time.perf_counter()
    LocalPipelineExecutor([CrawlRecordReader(files, DUMP), HtmlExtractor(extractor), JsonlWriter(str(out / "text"))],
                          tasks=1, workers=1, logging_dir=str(out / "logs")).run()
    seconds = time.perf_counter() - started
    texts = [json.loads(line).get("text", "") for path in (out / "text").glob("*.jsonl.gz") for line in gzip.open(path, "rt")]
    return {"seconds": seconds, "documents": len(texts), "chars_per_doc": round(statistics.mean(map(len, texts)), 1) if texts else 0}


def run_dedup_benchmark(work: Path, originals: int, copies: int) -> dict:
    from factory.crawl import parse_source
    from factory.crawl.index import index_chunk
    from factory.curation import FILTER_ORDER, CurationConfig, filter_chunk
    from factory.dedup import DedupConfig, dedup_dump
    from support.planted import jaccard, merged_pairs, plant_pairs
    from factory.store import Store

    pages = load_pages(originals, skip=6000)
    docs = [(f"page-{i}", row["text"]) for i, row in enumerate(pages) if len(row["text"].split()) >= 100]
    targets = [0.95, 0.92, 0.9, 0.87, 0.8, 0.7, 0.6, 0.45, 0.3]
    pairs = plant_pairs(docs[:copies], targets, seed=11)
    crawl = work / "dedup-crawl" / "planted"
    crawl.mkdir(parents=True)
    for name, rows in (("originals", docs), ("copies", [(p.copy_id, p.copy_text) for p in pairs])):
        with gzip.open(crawl / f"{name}.jsonl.gz", "wt") as handle:
            for doc_id, text in rows:
                handle.write(json.dumps({"id": doc_id, "url": f"https://example.org/{doc_id}", "text": text}) + "\n")
    store = Store(str(work / "dedup-store"))
    source = parse_source(str(crawl.parent))
    no_filters = CurationConfig.from_overrides({name: {"enabled": False} for name in FILTER_ORDER if name != "extraction"})
    chunks = ["000", "001"]
    for chunk in chunks:
        index_chunk(store, source, "planted", chunk, len(chunks))
        filter_chunk(store, "planted", chunk, no_filters)
    started = time.perf_counter()
    manifest = dedup_dump(store, "planted", chunks, DedupConfig()).manifest
    seconds = time.perf_counter() - started
    texts = {doc_id: text for doc_id, text in docs} | {p.copy_id: p.copy_text for p in pairs}
    together = merged_pairs(store, manifest, pairs)
    merged = {p.copy_id: p.copy_id in together for p in pairs}
    bands = {"J>=0.85": [p for p in pairs if p.similarity >= 0.85], "0.5<=J<0.85": [p for p in pairs if 0.5 <= p.similarity < 0.85],
             "J<0.5": [p for p in pairs if p.similarity < 0.5]}
    removed = store.read_table(manifest, "removed/minhash").to_pylist() + store.read_table(manifest, "removed/exact").to_pylist()
    duplicate_of = kept_duplicates(store, manifest, removed)
    true_similarity = [jaccard(texts[row["id"]], texts[duplicate_of[row["id"]]]) for row in removed if row["id"] in duplicate_of]
    return {
        "documents": manifest.counts["documents_in"], "seconds": round(seconds, 2),
        "docs_per_second": round(manifest.counts["documents_in"] / seconds, 1),
        "pairs": {band: len(items) for band, items in bands.items()},
        "merged_fraction": {band: round(sum(merged[p.copy_id] for p in items) / len(items), 4) if items else None
                            for band, items in bands.items()},
        "recall_at_0.85": round(sum(merged[p.copy_id] for p in bands["J>=0.85"]) / len(bands["J>=0.85"]), 4),
        "merged_below_0.5": sum(merged[p.copy_id] for p in bands["J<0.5"]),
        "removed": len(removed),
        "precision_removed_with_jaccard_0.5": round(sum(s >= 0.5 for s in true_similarity) / len(true_similarity), 4) if true_similarity else None,
        "precision_removed_with_jaccard_0.85": round(sum(s >= 0.85 for s in true_similarity) / len(true_similarity), 4) if true_similarity else None,
        "settings": "5-grams, 14 buckets x 8 hashes, 64-bit (FineWeb)",
    }


def kept_duplicates(store, manifest, removed: list[dict]) -> dict[str, str]:
    """For each removed row, the document it duplicates: the kept head of its MinHash cluster, or the
    document with its exact-dedup content key."""
    kept = [(row["id"], json.loads(row["metadata"])) for row in store.read_table(manifest, "documents").to_pylist()]
    by_cluster = {meta["minhash_cluster_id"]: doc_id for doc_id, meta in kept if meta.get("minhash_cluster_id", -1) >= 0}
    by_key = {meta["content_key"]: doc_id for doc_id, meta in kept} | {row["content_key"]: row["id"] for row in removed
                                                                       if row["reason"] != "exact_duplicate"}
    found = {}
    for row in removed:
        other = by_key.get(row["content_key"]) if row["reason"] == "exact_duplicate" else by_cluster.get(row["cluster_id"])
        if other and other != row["id"]:
            found[row["id"]] = other
    return found


# -- the parts of `make bench` (bench/suite.py): repeated runs, medians, ratios from the same repeat ---------------
def measure_filtered(work: Path, docs: int = 400, repeats: int = 3, workers: int = 2) -> dict:
    """`filtered` through Dagster against the same pipeline as a plain script, interleaved, in docs/s/core."""
    crawl = work / "filtered-crawl"
    write_warcs(load_pages(docs), crawl / DUMP, workers)
    dagster, plain = [], []
    for _ in range(repeats):
        dagster_run = run_dagster(work, crawl, workers)
        plain_run = run_plain(work, crawl, workers, dagster_run["tasks"])
        dagster.append(docs / dagster_run["seconds"] / workers)
        plain.append(docs / plain_run["seconds"] / workers)
    return {"figures": {"dagster_docs_per_second_per_core": figure(dagster, "docs/s/core", 1),
                        "script_docs_per_second_per_core": figure(plain, "docs/s/core", 1)},
            "ratios": {"dagster_over_script_docs_per_second": ratio(dagster, plain)},
            "notes": {"documents": docs, "workers": workers, "tasks": workers,
                      "input": "WebOrganizer pages wrapped as HTML in WARC files; wall clock with every core"}}


def measure_extraction(work: Path, docs: int = 400, repeats: int = 3) -> dict:
    """trafilatura against resiliparse: reader + extraction only, one task on one core."""
    crawl = work / "extraction-crawl"
    write_warcs(load_pages(docs), crawl / DUMP, 1)
    rates: dict[str, list[float]] = {"trafilatura": [], "resiliparse": []}
    for _ in range(repeats):
        for extractor in rates:
            run = run_extraction(crawl, work, extractor)
            rates[extractor].append(docs / run["seconds"])
    return {"figures": {f"{name}_docs_per_second_per_core": figure(values, "docs/s/core", 1) for name, values in rates.items()},
            "ratios": {"resiliparse_over_trafilatura_docs_per_second": ratio(rates["resiliparse"], rates["trafilatura"])},
            "notes": {"documents": docs}}


def measure_chain(work: Path, docs: int = 1000, repeats: int = 3, workers: int = 2) -> dict:
    """raw_crawl -> filtered -> deduped on WARC files, in MB of WARC per second per core (wall clock, every core)."""
    from factory.curation import CurationConfig, ExecutorSpec, filter_chunk
    from factory.dedup import DedupConfig, dedup_dump

    crawl = work / "chain-crawl"
    write_warcs(load_pages(docs, skip=2000), crawl / DUMP, workers)
    megabytes = sum(path.stat().st_size for path in (crawl / DUMP).glob("*.warc.gz")) / 1e6
    executor = ExecutorSpec(workers=workers, in_process_below_documents=0)
    seconds, kept = [], []
    for repeat in range(repeats):
        started = time.perf_counter()
        store, chunk = index_bench_chunk(work / f"chain-store-{repeat}", crawl)
        filter_chunk(store, DUMP, chunk, CurationConfig(), executor)
        manifest = dedup_dump(store, DUMP, [chunk], DedupConfig(), executor).manifest
        seconds.append(time.perf_counter() - started)
        kept.append(manifest.counts["documents"])
    return {"figures": {"raw_to_deduped_mb_per_second_per_core": figure([megabytes / s / workers for s in seconds], "MB WARC/s/core"),
                        "raw_to_deduped_docs_per_second_per_core": figure([docs / s / workers for s in seconds], "docs/s/core", 1)},
            "notes": {"documents": docs, "warc_megabytes": round(megabytes, 2), "workers": workers, "kept_after_dedup": kept,
                      "steps": "raw_crawl (index) + filtered (extraction, category tag, all filters, token counts) + deduped",
                      "pages": "WebOrganizer text wrapped in minimal HTML (about 2 KB gzipped each; a Common Crawl "
                               "response record is several times larger, so MB/s here understates a real WARC's)"}}


STRENGTHS = {"light": 0.9, "medium": 0.75, "heavy": 0.55}  # target word 5-gram Jaccard of each planted copy


def measure_dedup(work: Path, originals: int = 1500, copies: int = 300, repeats: int = 3) -> dict:
    """MinHash dedup on real pages plus planted near-duplicates at three edit strengths: docs/s, recall (planted
    pairs merged), precision (removals merged with a true near-duplicate) and the peak memory of the dedup."""
    pages = load_pages(originals, skip=6000)
    docs = [(f"page-{i}", row["text"]) for i, row in enumerate(pages) if len(row["text"].split()) >= 100]
    figures: dict = {}
    for strength, target in STRENGTHS.items():
        rates, recalls, precisions, memories = [], [], [], []
        for repeat in range(repeats):
            run = _planted_dedup_run(work / f"dedup-{strength}-{repeat}", docs, docs[:copies], target, seed=repeat)
            rates.append(run["docs_per_second"])
            recalls.append(run["recall"])
            precisions.append(run["precision"])
            memories.append(run["peak_memory_mb"])
        figures[f"{strength}_docs_per_second"] = figure(rates, "docs/s", 1)
        figures[f"{strength}_recall"] = figure(recalls, "fraction", 4)
        figures[f"{strength}_precision"] = figure(precisions, "fraction", 4)
        figures[f"{strength}_peak_memory_mb"] = figure(memories, "MB", 1)
    return {"figures": figures, "notes": {"originals": len(docs), "copies_per_strength": copies,
                                          "target_jaccard": STRENGTHS, "settings": "5-grams, 14 buckets x 8 hashes (FineWeb)",
                                          "peak_memory": "largest resident set of the dedup's own process or its workers",
                                          "precision": "removed documents whose kept duplicate shares >= 50% of their word 5-grams"}}


def _planted_dedup_run(folder: Path, docs: list, originals: list, target: float, seed: int) -> dict:
    """Plant one copy of each of ``originals`` at ``target``, pass all through `filtered` with no filter, then dedup
    in a fresh process (so its peak memory is the dedup's own) and score what it removed."""
    import subprocess

    from factory.crawl import parse_source
    from factory.crawl.index import index_chunk
    from factory.curation import FILTER_ORDER, CurationConfig, filter_chunk
    from support.planted import jaccard, plant_pairs
    from factory.store import Store

    pairs = plant_pairs(originals, [target], seed=seed)
    crawl = folder / "crawl" / "planted"
    crawl.mkdir(parents=True)
    texts = dict(docs) | {p.copy_id: p.copy_text for p in pairs}
    with gzip.open(crawl / "pages.jsonl.gz", "wt") as handle:
        for doc_id, text in texts.items():
            handle.write(json.dumps({"id": doc_id, "url": f"https://example.org/{doc_id}", "text": text}) + "\n")
    store = Store(str(folder / "store"))
    index_chunk(store, parse_source(str(folder / "crawl")), "planted", "000", 1)
    filter_chunk(store, "planted", "000", CurationConfig.from_overrides({n: {"enabled": False} for n in FILTER_ORDER if n != "extraction"}))
    output = subprocess.run([sys.executable, __file__, "--dedup-run", str(folder / "store")], check=True, capture_output=True, text=True)
    run = json.loads(output.stdout.strip().splitlines()[-1])
    manifest = store.require_current("deduped", {"dump": "planted"})
    kept = {row["id"] for row in store.read_table(manifest, "documents").select(["id"]).to_pylist()}
    removed = store.read_table(manifest, "removed/minhash").to_pylist() + store.read_table(manifest, "removed/exact").to_pylist()
    duplicate_of = kept_duplicates(store, manifest, removed)
    # A planted pair is found when exactly one of the two survives; a removal is right when the document it was
    # merged with shares at least half its word 5-grams (real near-duplicates among the pages count as right).
    found = sum((p.copy_id in kept) != (p.original_id in kept) for p in pairs)
    right = sum(jaccard(texts[row["id"]], texts[duplicate_of[row["id"]]]) >= 0.5 for row in removed if row["id"] in duplicate_of)
    return {"docs_per_second": run["docs_per_second"], "peak_memory_mb": run["peak_memory_mb"], "recall": found / len(pairs),
            "precision": right / len(removed) if removed else 1.0}


def dedup_run(store_root: Path) -> dict:
    """`deduped` of the planted dump, alone in this process: its documents/s and peak memory (this process and the
    datatrove workers it waited for)."""
    from factory.dedup import DedupConfig, dedup_dump
    from factory.store import Store

    started = time.perf_counter()
    manifest = dedup_dump(Store(str(store_root)), "planted", ["000"], DedupConfig()).manifest
    seconds = time.perf_counter() - started
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {"docs_per_second": manifest.counts["documents_in"] / seconds, "peak_memory_mb": peak / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--dedup-docs", type=int, default=3000)
    parser.add_argument("--dedup-copies", type=int, default=900)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "curation.json"))
    parser.add_argument("--parts", default="filtered,extraction,dedup,cpu",
                        help="which figures to (re)measure; the others are kept from an existing results file")
    parser.add_argument("--one", choices=("dagster", "plain"), help=argparse.SUPPRESS)  # internal: one run, JSON out
    parser.add_argument("--dedup-run", help=argparse.SUPPRESS)  # internal: one planted dedup, JSON out
    parser.add_argument("--crawl", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.dedup_run:
        from factory import settings

        settings.set_offline_defaults()
        sys.stdout.write(json.dumps(dedup_run(Path(args.dedup_run))) + "\n")
        return
    if args.one:
        from factory import settings

        os.environ.setdefault("FACTORY_HOME", str(REPO / ".factory"))
        os.environ.pop("FACTORY_CURATION_MAX_DOCUMENTS_PER_FILE", None)
        settings.set_offline_defaults()
        run = run_dagster if args.one == "dagster" else lambda w, c, n: run_plain(w, c, n, 1)
        figures = run(Path(args.work), Path(args.crawl), 1)
        sys.stdout.write(json.dumps({"documents": figures["documents"]}) + "\n")
        return

    from factory import settings

    work = Path(tempfile.mkdtemp(prefix="bench-curation-"))
    os.environ.setdefault("FACTORY_HOME", str(REPO / ".factory"))
    os.environ.pop("FACTORY_CURATION_MAX_DOCUMENTS_PER_FILE", None)
    settings.set_offline_defaults()
    crawl = work / "crawl"
    write_warcs(load_pages(args.docs), crawl / DUMP, WARC_FILES)
    log.info("wrote %d WebOrganizer pages as WARC under %s", args.docs, crawl)

    parts = set(args.parts.split(","))
    results: dict = json.loads(Path(args.out).read_text()) if Path(args.out).exists() and parts != {"filtered", "extraction", "dedup", "cpu"} else {}
    results.update({"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                                "load_average_at_start": os.getloadavg()},
                    "input": {"documents": args.docs, "source": f"WebOrganizer pages (DCLM pool) wrapped as HTML in {WARC_FILES} WARC files"}})
    per_core = lambda seconds, workers: round(args.docs / seconds / workers, 2)  # noqa: E731
    if "filtered" in parts:  # wall clock with every core: what a user waits for
        dagster_runs, plain_runs = [], []
        for repeat in range(args.repeats):
            dagster_runs.append(run_dagster(work, crawl, args.workers))
            log.info("dagster run %d: %.1f s", repeat, dagster_runs[-1]["seconds"])
            plain_runs.append(run_plain(work, crawl, args.workers, dagster_runs[-1]["tasks"]))
            log.info("plain run %d: %.1f s", repeat, plain_runs[-1]["seconds"])
        best_dagster, best_plain = min(r["seconds"] for r in dagster_runs), min(r["seconds"] for r in plain_runs)
        results["filtered"] = {
            "workers": args.workers,
            "dagster_seconds": [round(r["seconds"], 2) for r in dagster_runs],
            "plain_seconds": [round(r["seconds"], 2) for r in plain_runs],
            "dagster_docs_per_second_per_core": per_core(best_dagster, args.workers),
            "plain_docs_per_second_per_core": per_core(best_plain, args.workers),
            "overhead_best": round(best_dagster / best_plain - 1, 4),
            "overhead_mean": round(statistics.mean(r["seconds"] for r in dagster_runs) / statistics.mean(r["seconds"] for r in plain_runs) - 1, 4),
            # Equal unless an extraction timed out under load (a timeout drops the page, as in FineWeb).
            "documents_kept": {"dagster": [r["documents"] for r in dagster_runs], "plain": [r["documents"] for r in plain_runs]},
            "removals": dagster_runs[0]["removals"],
            "tasks": dagster_runs[0]["tasks"],
        }
    if "cpu" in parts:  # CPU time with one in-process worker: robust to other load on a shared machine
        dagster_run, plain_run = run_in_subprocess("dagster", work, crawl), run_in_subprocess("plain", work, crawl)
        results["filtered_cpu_time"] = {
            "workers": 1,
            "dagster_cpu_seconds": round(dagster_run["cpu_seconds"], 2), "plain_cpu_seconds": round(plain_run["cpu_seconds"], 2),
            "dagster_wall_seconds": round(dagster_run["seconds"], 2), "plain_wall_seconds": round(plain_run["seconds"], 2),
            "dagster_docs_per_cpu_second": per_core(dagster_run["cpu_seconds"], 1),
            "plain_docs_per_cpu_second": per_core(plain_run["cpu_seconds"], 1),
            "overhead": round(dagster_run["cpu_seconds"] / plain_run["cpu_seconds"] - 1, 4),
            "documents_kept": {"dagster": dagster_run["documents"], "plain": plain_run["documents"]},
        }
        log.info("cpu: dagster %.1f s, plain %.1f s", dagster_run["cpu_seconds"], plain_run["cpu_seconds"])
    if "extraction" in parts:
        extraction = {name: run_extraction(crawl, work, name) for name in ("trafilatura", "resiliparse")}
        for figures in extraction.values():
            figures["docs_per_second_one_core"] = round(figures["documents"] / figures["seconds"], 1)
        extraction["resiliparse_speedup"] = round(extraction["trafilatura"]["seconds"] / extraction["resiliparse"]["seconds"], 2)
        results["extraction"] = extraction
    if "dedup" in parts:
        results["dedup"] = run_dedup_benchmark(work, args.dedup_docs, args.dedup_copies)

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    log.info("results in %s:\n%s", args.out, json.dumps({key: results.get(key) for key in
                                                         ("filtered", "filtered_cpu_time", "extraction", "dedup")}, indent=1))


if __name__ == "__main__":
    main()
