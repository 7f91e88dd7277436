"""Soak test of the store on S3 under faults (issue "Reliability", part 8).

Many small partitions of ``raw_crawl`` then ``filtered`` are materialized concurrently on an S3 store
(moto on 127.0.0.1) reached through ``tests/support/s3_fault_proxy.py``: once fault-free (the proxy at
rate 0, so its requests are counted too), then with a share of requests failed (500 InternalError,
503 SlowDown, dropped connections). Every failure must be absorbed by the S3 retries
(``factory.store.filesystem.StorageOptions``) with botocore's real backoff: every partition must
commit, with the version and content hash of the fault-free run.

Writes bench/results/soak.json: per round the wall time, partitions/s, seconds per partition, the
proxy's requests and faults by kind, the retries observed (requests beyond the fault-free round's,
which made the same calls), failed partitions, and whether every partition's versions match.

Input: real C4 pages (../shared/data/web/olmo_c4), a few per partition, written at run time as one
dump of gzipped JSONL files under .factory/bench/soak/, named so that each file falls in its own
chunk: one file per (dump, chunk) partition. Nothing of it is committed.

Run: `nice .venv/bin/python bench/soak.py [--partitions 200] [--docs 3] [--concurrency 6] [--rates 0.1[,0.2]]`
(about 10 minutes here: see LIMITS).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import multiprocessing
import os
import platform
import statistics
import sys
import time
import traceback
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib import metadata
from pathlib import Path

log = logging.getLogger("bench.soak")
REPO = Path(__file__).resolve().parents[1]
sys.path.append(str(REPO / "tests"))  # test support, kept out of the library: support.s3_fault_proxy
C4 = REPO.parent / "shared" / "data" / "web" / "olmo_c4" / "c4-sample.00000-of-00001.json.gz"
WORK = REPO / ".factory" / "bench" / "soak"
DUMP = "soak"
# Why the defaults are what they are (written into the results).
LIMITS = ("Sized to stay near 10 minutes on a 2-core machine shared with other work: a partition costs about 1 s of "
          "CPU in its worker plus about half a second in the process serving S3 (moto and the proxy) for its ~100 "
          "requests, so one round of 200 takes 4-5 minutes here. Hence 6 workers, not 8 (each holds 1.1 GB of "
          "filter models), 3 pages per partition (the cost is per partition, not per page), and one faulty round at "
          "10%: the 20% rate is covered by tests/faults/test_s3_faults.py on the whole pipeline (raw_crawl to mixed). "
          "On a bigger machine: --concurrency 8 --docs 5 --rates 0.1,0.2.")
ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
               "FACTORY_HOME": str(WORK / "home"),
               "FACTORY_CACHE": str(REPO / ".factory" / "cache"),  # the project's converted model, not a new one
               "FACTORY_SETTINGS": "none", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def c4_pages(count: int) -> list[dict]:
    with gzip.open(C4, "rt") as handle:
        rows = [json.loads(line) for line in handle]
    if len(rows) < count:
        raise SystemExit(f"{C4} holds {len(rows)} pages, {count} asked: lower --partitions or --docs")
    return rows[:count]


def write_crawl(folder: Path, partitions: int, docs: int) -> None:
    """One dump of ``partitions`` JSONL files, each named so that it hashes into its own chunk."""
    from factory.crawl.sources import chunk_of

    dump = folder / DUMP
    dump.mkdir(parents=True, exist_ok=True)
    for stale in dump.glob("*.jsonl.gz"):
        stale.unlink()
    pages = c4_pages(partitions * docs)
    names: dict[int, str] = {}
    candidate = 0
    while len(names) < partitions:
        name = f"c4-{candidate:05d}.jsonl.gz"
        names.setdefault(chunk_of(name, partitions), name)
        candidate += 1
    for chunk, name in names.items():
        lines = "".join(json.dumps(row) + "\n" for row in pages[chunk * docs:(chunk + 1) * docs])
        (dump / name).write_bytes(gzip.compress(lines.encode(), mtime=0))  # the same bytes on every run


def quiet_logs() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("werkzeug", "datatrove", "factory"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from loguru import logger  # datatrove's per-task logs: files in the store, not thousands of lines here

    logger.remove()
    logger.add(sys.stderr, level="ERROR")


def start_worker() -> None:
    """A pool worker (its environment is the parent's): datatrove's task logs, which it sends to stderr
    whatever the log level, go to a file per worker under .factory/bench/soak/logs/."""
    from factory import settings

    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"worker-{os.getpid()}.log", "w") as handle:
        os.dup2(handle.fileno(), 2)
    quiet_logs()
    settings.set_offline_defaults()


def warm_up(crawl: Path, chunks: int, barrier) -> float:
    """One partition on a local store, so the filters' models are loaded before the timed rounds; the
    barrier holds each worker until all have one, so every worker is warmed exactly once."""
    from factory.store import Store

    started = time.perf_counter()
    materialize(Store(str(WORK / "warmup" / f"worker-{os.getpid()}")), crawl, "000", chunks)
    barrier.wait(timeout=600)
    return time.perf_counter() - started


def materialize_on(root: str, endpoint: str, crawl: Path, chunk: str, chunks: int) -> dict:
    from factory.store import StorageOptions, Store

    os.environ["FACTORY_S3_ENDPOINT"] = endpoint
    return materialize(Store(root, StorageOptions(endpoint_url=endpoint)), crawl, chunk, chunks)


def materialize(store, crawl: Path, chunk: str, chunks: int) -> dict:
    """raw_crawl then filtered for one chunk: what each committed, and how long it took."""
    from factory.crawl import parse_source
    from factory.crawl.index import index_chunk
    from factory.curation import CurationConfig, ExecutorSpec, filter_chunk

    started = time.perf_counter()
    raw = index_chunk(store, parse_source(str(crawl)), DUMP, chunk, chunks).manifest
    filtered = filter_chunk(store, DUMP, chunk, CurationConfig(), ExecutorSpec(workers=1)).manifest
    return {"raw_crawl": [raw.version, raw.content_hash], "filtered": [filtered.version, filtered.content_hash],
            "documents": filtered.counts.get("documents", 0), "seconds": time.perf_counter() - started}


def run_round(pool: ProcessPoolExecutor, endpoint: str, rate: float, seed: int, crawl: Path, chunks: list[str]) -> dict:
    """Every partition on a fresh bucket, as many at a time as ``pool`` has workers, through a proxy failing
    ``rate`` of requests."""
    import boto3

    from support.s3_fault_proxy import S3FaultProxy

    bucket = f"soak-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    results: dict[str, dict] = {}
    failures: dict[str, str] = {}
    with S3FaultProxy(endpoint, rate=rate, seed=seed) as proxy:
        started = time.perf_counter()
        futures = {pool.submit(materialize_on, f"s3://{bucket}/store", proxy.url, crawl, chunk, len(chunks)): chunk
                   for chunk in chunks}
        for done, future in enumerate(as_completed(futures), 1):
            chunk = futures[future]
            try:
                results[chunk] = future.result()
            except Exception as error:  # noqa: BLE001 (a failed partition is a finding, not a crash)
                failures[chunk] = "".join(traceback.format_exception_only(error)).strip()[-500:]
                log.error("rate %.2f: partition %s failed: %s", rate, chunk, failures[chunk])
            if done % 25 == 0:
                elapsed = time.perf_counter() - started
                log.info("rate %.2f: %d/%d partitions in %.0f s (%.2f/s), %s", rate, done, len(chunks), elapsed,
                         done / elapsed, proxy.counts())
        wall = time.perf_counter() - started
    seconds = sorted(r["seconds"] for r in results.values())
    return {
        "fault_rate": rate, "seed": seed, "partitions": len(chunks), "committed": len(results), "failed": len(failures),
        "failures": dict(list(sorted(failures.items()))[:5]),
        "wall_seconds": round(wall, 1), "partitions_per_second": round(len(results) / wall, 3),
        "seconds_per_partition": spread(seconds),
        "documents_kept": sum(r["documents"] for r in results.values()),
        "proxy": proxy.counts(),
        "_versions": {chunk: {"raw_crawl": r["raw_crawl"], "filtered": r["filtered"]} for chunk, r in results.items()},
    }


def spread(seconds: list[float]) -> dict[str, float]:
    if not seconds:
        return {}
    p95 = statistics.quantiles(seconds, n=20, method="inclusive")[-1] if len(seconds) > 1 else seconds[0]
    return {"mean": round(statistics.mean(seconds), 2), "p50": round(statistics.median(seconds), 2),
            "p95": round(p95, 2), "max": round(max(seconds), 2)}


def compare(round_: dict, clean: dict) -> None:
    """Add to ``round_`` whether each partition committed the fault-free run's versions, and the retries seen."""
    mine, reference = round_["_versions"], clean["_versions"]
    differing = sorted(chunk for chunk in reference if mine.get(chunk) != reference[chunk])
    round_["partitions_identical_to_clean"] = len(reference) - len(differing)
    round_["all_identical_to_clean"] = not differing and round_["failed"] == 0
    round_["differing_partitions"] = differing[:10]
    # The clean round made the same calls; each request beyond its count is a retry (of a fault, or of a call
    # whose response a fault cut short).
    round_["retries_observed"] = round_["proxy"]["requests"] - clean["proxy"]["requests"]
    round_["wall_overhead_vs_clean"] = round(round_["wall_seconds"] / clean["wall_seconds"] - 1, 3)


def versions_of(*packages: str) -> dict[str, str]:
    return {name: metadata.version(name) for name in packages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partitions", type=int, default=200)
    parser.add_argument("--docs", type=int, default=3, help="C4 pages per partition")
    parser.add_argument("--concurrency", type=int, default=6, help="partitions materialized at once (worker processes)")
    parser.add_argument("--rates", default="0.1", help="fault rates after the fault-free round, e.g. 0.1,0.2")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "soak.json"))
    args = parser.parse_args()
    for variable, value in ENVIRONMENT.items():
        os.environ.setdefault(variable, value)
    quiet_logs()
    from moto.server import ThreadedMotoServer

    from factory import settings
    from factory.crawl.sources import chunk_keys
    from factory.store.filesystem import S3_MAX_ATTEMPTS, S3_RETRY_MODE

    settings.set_offline_defaults()
    crawl = WORK / "crawl"
    write_crawl(crawl, args.partitions, args.docs)
    chunks = chunk_keys(args.partitions)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    rounds = []
    started = time.perf_counter()
    # Worker processes, not threads: datatrove pipelines share filter models and writers within a process.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=args.concurrency, mp_context=context, initializer=start_worker)
    manager = context.Manager()
    try:
        barrier = manager.Barrier(args.concurrency)
        warming = [pool.submit(warm_up, crawl, len(chunks), barrier) for _ in range(args.concurrency)]
        warm_up_seconds = [future.result() for future in warming]
        log.info("%d workers warmed up in %.0f s", args.concurrency, time.perf_counter() - started)
        for rate in [0.0] + [float(r) for r in args.rates.split(",") if r]:
            log.info("round at fault rate %.2f: %d partitions, %d at a time", rate, len(chunks), args.concurrency)
            rounds.append(run_round(pool, endpoint, rate, args.seed, crawl, chunks))
            log.info("round at fault rate %.2f: %d committed, %d failed in %.0f s", rate, rounds[-1]["committed"],
                     rounds[-1]["failed"], rounds[-1]["wall_seconds"])
        total_seconds = time.perf_counter() - started
    finally:
        pool.shutdown(cancel_futures=True)
        manager.shutdown()
        server.stop()
        log.info("workers and S3 endpoint stopped")
    clean = rounds[0]
    for round_ in rounds[1:]:
        compare(round_, clean)
    for round_ in rounds:
        round_.pop("_versions")
    results = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_start": os.getloadavg()},
        "libraries": versions_of("botocore", "aiobotocore", "s3fs", "fsspec", "moto", "datatrove"),
        "setup": {
            "partitions": args.partitions, "documents_per_partition": args.docs, "concurrency": args.concurrency,
            "workers": f"{args.concurrency} worker processes (spawned, each warmed up on one local partition first); "
                       "each partition runs raw_crawl then filtered, datatrove in the worker's process",
            "input": f"{args.partitions * args.docs} real C4 pages from {C4.name}, "
                     "one JSONL file per (dump, chunk) partition",
            "store": "s3:// on moto (ThreadedMotoServer, 127.0.0.1) behind tests/support/s3_fault_proxy.py",
            "faults": "500 InternalError, 503 SlowDown, dropped connection, chosen uniformly; seeded",
            "retries": {"mode": S3_RETRY_MODE, "total_max_attempts": S3_MAX_ATTEMPTS,
                        "backoff": "botocore's, not compressed"},
            "clean_round": "the proxy at rate 0: fault-free, its requests counted",
        },
        "limits": LIMITS,
        "total_seconds": round(total_seconds, 1),
        "warm_up_seconds_per_worker": round(statistics.mean(warm_up_seconds), 1),
        "rounds": rounds,
        "all_identical_to_clean": all(r.get("all_identical_to_clean", r["failed"] == 0) for r in rounds),
    }
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    log.info("wrote %s", args.out)


if __name__ == "__main__":
    main()
