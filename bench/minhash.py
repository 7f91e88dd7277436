"""MinHash: the factory's signature stage against datatrove's, on the same input, in one run.

1. ``signatures``: shingles + signature of every real document under ../shared/data, both implementations, on one
   core: CPU milliseconds per document and whether every value is identical.
2. ``deduped``: the whole MinHash dedup (signatures, buckets, the pair check, clusters, filter; exact dedup off) of
   4,000 real WebOrganizer pages plus 400 planted near-duplicates at Jaccard 0.3-0.95, ``signatures: fast`` against
   ``signatures: datatrove`` (the stock stage; the other stages are the same code), interleaved repeats, tasks in
   this process one after another: CPU seconds, documents per CPU second, and the removed sets (must be equal).

Writes ``bench/results/minhash.json`` (a part not run keeps its last figures). Run: ``nice .venv/bin/python bench/minhash.py [--pages 4000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import resource
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from measure import figure, machine, ratio  # noqa: E402

DATA = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "results" / "minhash.json"
WEBORGANIZER = DATA / "classification" / "weborganizer" / "weborganizer_examples.jsonl.gz"
IMPLEMENTATIONS = ("datatrove", "fast")
log = logging.getLogger("bench.minhash")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def compare_signatures() -> dict:
    """Every real document through both implementations: CPU time per document, and the values compared."""
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature

    from factory.dedup.signatures import FastMinhashSignature
    from support.real_documents import real_documents

    texts = [document.text for document in real_documents(DATA)]
    config = MinhashConfig()
    seconds, values = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for name, stage in (("datatrove", MinhashDedupSignature(folder, config=config)),
                            ("fast", FastMinhashSignature(folder, config=config))):
            started, out = cpu_seconds(), []
            for text in texts:
                shingles = stage.get_shingles(text)
                out.append(stage.get_signature(shingles) if shingles.size else None)
            seconds[name], values[name] = cpu_seconds() - started, out
    differ = sum(a != b for a, b in zip(values["datatrove"], values["fast"]))
    return {"documents": len(texts), "identical_signatures": differ == 0, "documents_differing": differ,
            "ms_per_document": {name: round(1000 * s / len(texts), 3) for name, s in seconds.items()},
            "speedup": round(seconds["datatrove"] / seconds["fast"], 2)}


def planted_crawl(folder: Path, pages: int, copies: int) -> int:
    from support.planted import plant_pairs

    with gzip.open(WEBORGANIZER, "rt") as handle:
        rows = [json.loads(line) for _, line in zip(range(pages), handle)]
    docs = [(f"page-{i}", row["text"]) for i, row in enumerate(rows)]
    long_enough = [doc for doc in docs if len(doc[1].split()) >= 100]
    pairs = plant_pairs(long_enough[:copies], [0.95, 0.9, 0.85, 0.8, 0.7, 0.5, 0.3], seed=5)
    crawl = folder / "crawl" / "planted"
    crawl.mkdir(parents=True)
    for name, batch in (("originals", docs), ("copies", [(p.copy_id, p.copy_text) for p in pairs])):
        with gzip.open(crawl / f"{name}.jsonl.gz", "wt") as handle:
            for doc_id, text in batch:
                handle.write(json.dumps({"id": doc_id, "url": f"https://example.org/{doc_id}", "text": text}) + "\n")
    return len(docs) + len(pairs)


def filtered_store(folder: Path):
    """``filtered`` with every filter off, once: each dedup run copies this store."""
    from factory.crawl import parse_source
    from factory.crawl.index import index_chunk
    from factory.curation import FILTER_ORDER, CurationConfig, filter_chunk
    from factory.store import Store
    from support.categories import classifier_in

    store = Store(str(folder / "store"))
    classifier_in(store)
    no_filters = CurationConfig.from_overrides({name: {"enabled": False} for name in FILTER_ORDER if name != "extraction"})
    index_chunk(store, parse_source(str(folder / "crawl")), "planted", "000", 1)
    filter_chunk(store, "planted", "000", no_filters)
    return folder / "store"


def dedup_once(store_root: Path, scratch: Path, implementation: str) -> tuple[float, list]:
    import shutil

    from factory.curation.executors import ExecutorSpec
    from factory.dedup import DedupConfig, dedup_dump
    from factory.store import Store

    copy = scratch / f"store-{implementation}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store_root, copy)
    store = Store(str(copy))
    executor = ExecutorSpec(workers=1, in_process_below_documents=10**9)  # one core, tasks in this process
    config = DedupConfig(exact=False, signatures=implementation)
    started = cpu_seconds()
    manifest = dedup_dump(store, "planted", ["000"], config, executor).manifest
    spent = cpu_seconds() - started
    removed = sorted(row["id"] for row in store.read_table(manifest, "removed/minhash").to_pylist())
    return spent, removed


def compare_dedup(pages: int, copies: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-minhash-") as scratch:
        folder = Path(scratch)
        documents = planted_crawl(folder, pages, copies)
        store_root = filtered_store(folder)
        seconds: dict[str, list[float]] = {name: [] for name in IMPLEMENTATIONS}
        removed: dict[str, list] = {}
        for repeat in range(repeats):
            for name in IMPLEMENTATIONS if repeat % 2 == 0 else reversed(IMPLEMENTATIONS):
                spent, removed[name] = dedup_once(store_root, folder, name)
                seconds[name].append(spent)
                log.info("repeat %d %s: %.1f CPU s", repeat, name, spent)
    return {
        "documents": documents, "planted_copies": copies, "removed": len(removed["fast"]),
        "identical_removed_sets": removed["fast"] == removed["datatrove"],
        "cpu_seconds": {name: figure(values, "CPU s", 2) for name, values in seconds.items()},
        "docs_per_cpu_second": {name: figure([documents / s for s in values], "docs/CPU s", 1) for name, values in seconds.items()},
        "speedup": ratio(seconds["datatrove"], seconds["fast"]),
        "stages": "signatures, buckets, pair check (J >= 0.7), clusters, filter; exact dedup off; 14 x 8 64-bit hashes",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=4000)
    parser.add_argument("--copies", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parts", default="signatures,deduped")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from factory import settings

    settings.set_offline_defaults()
    report = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}  # a part not run keeps its last figures
    stamp = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine()}
    if "signatures" in args.parts:
        report["signatures"] = {**stamp, **compare_signatures()}
        log.info("signatures: %s", report["signatures"])
    if "deduped" in args.parts:
        report["deduped"] = {**stamp, **compare_dedup(args.pages, args.copies, args.repeats)}
        log.info("deduped: %s", {k: v for k, v in report["deduped"].items() if k not in ("stages", "machine")})
    RESULTS.write_text(json.dumps(report, indent=1))
    log.info("wrote %s", RESULTS)


if __name__ == "__main__":
    main()
