"""Scaling of the CPU stages: wall time and the driver's peak memory as the input grows.

The data never passes through the driver: datatrove tasks read and write the store, the driver
plans, waits and commits from part markers. This benchmark checks it where it shows: `filtered`
and `deduped` on 1x, 2x and 4x the real crawl sample (the sample's files repeated under new names,
so each copy is one more file and one more task), and `mixed` at 1M and 8M tokens. Each run is a
fresh process whose peak RSS (``ru_maxrss`` of the driver alone: local executor tasks run in
worker processes, not counted) and wall time are reported; the 4x/1x ratios are the verdict:
time should grow linearly (<= 4.4x) and the driver's peak RSS by less than 20%.

Run: `nice .venv/bin/python bench/scaling.py [--factors 1,2,4] [--mix-tokens 1000000,8000000] [--workers 2]`;
it writes bench/results/scaling.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger("bench.scaling")
REPO = Path(__file__).resolve().parents[1]
WEB = REPO.parent / "shared" / "data" / "web"
SAMPLE = [  # real WARC and JSONL files: 37 wget pages, 697 CC pages, 1,000 C4 documents
    "dolma/sample-0000.warc.gz", "dolma/sample-0001.warc.gz",
    "dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz", "olmo_c4/c4-sample.00000-of-00001.json.gz",
]
DUMP = "scaling"


def make_crawl(folder: Path, factor: int) -> Path:
    """``factor`` copies of the sample (symlinks under new names) as one dump."""
    dump = folder / f"crawl-{factor}x" / DUMP
    dump.mkdir(parents=True, exist_ok=True)
    for copy in range(factor):
        for relpath in SAMPLE:
            name = Path(relpath).name
            target = dump / f"copy{copy}-{name}"
            if not target.exists():
                os.symlink(WEB / relpath, target)
    return dump.parent


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


# -- one measured step per process -----------------------------------------------------------
def step_filtered(store_root: str, crawl: str, workers: int) -> dict:
    from factory.crawl import parse_source
    from factory.crawl.index import index_chunk
    from factory.curation import CurationConfig, ExecutorSpec, filter_chunk
    from factory.store import Store

    store = Store(store_root)
    index_chunk(store, parse_source(crawl), DUMP, "000", 1)
    started = time.perf_counter()
    manifest = filter_chunk(store, DUMP, "000", CurationConfig(), ExecutorSpec(workers=workers, in_process_below_documents=0)).manifest
    return {"seconds": time.perf_counter() - started, "tasks": manifest.operational["tasks"],
            "documents_in": manifest.counts["documents_in"], "documents": manifest.counts["documents"]}


def step_deduped(store_root: str, crawl: str, workers: int) -> dict:
    from factory.curation import ExecutorSpec
    from factory.dedup import DedupConfig, dedup_dump
    from factory.store import Store

    started = time.perf_counter()
    manifest = dedup_dump(Store(store_root), DUMP, ["000"], DedupConfig(),
                          ExecutorSpec(workers=workers, in_process_below_documents=0)).manifest
    return {"seconds": time.perf_counter() - started, "documents_in": manifest.counts["documents_in"],
            "documents": manifest.counts["documents"], "removed_exact": manifest.counts["removed_exact"],
            "removed_minhash": manifest.counts["removed_minhash"]}


def step_mixed(store_root: str, tokens: str, workers: int) -> dict:
    from factory.curation import ExecutorSpec
    from factory.mixing import MixRecipe
    from factory.mixing.step import build_mix
    from factory.store import Store

    recipe = MixRecipe.from_dict({"name": f"scaling-{tokens}", "total_tokens": int(tokens), "max_repeats": 64,
                                  "sources": [{"asset": "deduped", "weight": 1.0}]})
    started = time.perf_counter()
    manifest = build_mix(Store(store_root), recipe, executor=ExecutorSpec(workers=workers, in_process_below_documents=0)).manifest
    return {"seconds": time.perf_counter() - started, "tokens": manifest.counts["tokens"], "shards": manifest.stats["shards"]}


STEPS = {"filtered": step_filtered, "deduped": step_deduped, "mixed": step_mixed}


def measure(step: str, store_root: Path, argument: str, workers: int) -> dict:
    """One step in a fresh Python process: its figures, and the driver's peak RSS."""
    output = subprocess.run([sys.executable, __file__, "--one", step, "--store", str(store_root), "--arg", argument,
                             "--workers", str(workers)], check=True, capture_output=True, text=True).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    log.info("%s %s: %s", step, argument, figures)
    return figures


def ratios(runs: dict[str, dict], small: str, large: str) -> dict:
    return {"time": round(runs[large]["seconds"] / runs[small]["seconds"], 3),
            "driver_peak_rss": round(runs[large]["driver_peak_rss_mb"] / runs[small]["driver_peak_rss_mb"], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", default="1,2,4")
    parser.add_argument("--mix-tokens", default="1000000,8000000")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "scaling.json"))
    parser.add_argument("--one", choices=sorted(STEPS), help=argparse.SUPPRESS)  # internal: one measured step
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--arg", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    os.environ.setdefault("FACTORY_HOME", str(REPO / ".factory"))
    from factory import settings

    settings.set_offline_defaults()
    if args.one:
        figures = STEPS[args.one](args.store, args.arg, args.workers)
        figures["driver_peak_rss_mb"] = round(peak_rss_mb(), 1)
        sys.stdout.write(json.dumps(figures) + "\n")
        return

    work = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    factors = [int(f) for f in args.factors.split(",")]
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_start": os.getloadavg()},
        "input": {"sample": SAMPLE, "workers": args.workers, "executor": "local (tasks in worker processes)"},
        "filtered": {}, "deduped": {}, "mixed": {},
    }
    for factor in factors:
        store, crawl = work / f"store-{factor}x", make_crawl(work, factor)
        results["filtered"][f"{factor}x"] = measure("filtered", store, str(crawl), args.workers)
        results["deduped"][f"{factor}x"] = measure("deduped", store, str(crawl), args.workers)
    largest = work / f"store-{factors[-1]}x"
    mix_tokens = args.mix_tokens.split(",")
    for tokens in mix_tokens:
        results["mixed"][tokens] = measure("mixed", largest, tokens, args.workers)
    small, large = f"{factors[0]}x", f"{factors[-1]}x"
    results["verdict"] = {
        f"filtered_{large}_over_{small}": ratios(results["filtered"], small, large),
        f"deduped_{large}_over_{small}": ratios(results["deduped"], small, large),
        f"mixed_{mix_tokens[-1]}_over_{mix_tokens[0]}": ratios(results["mixed"], mix_tokens[0], mix_tokens[-1]),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    log.info("verdict: %s (wrote %s)", results["verdict"], args.out)


if __name__ == "__main__":
    main()
