"""`make bench`: every benchmark of the factory on the local data, in one report.

Runs the parts below one after the other (each in this process unless it starts its own), and writes
``bench/results/<date>-<host>.json`` and ``.md``: the machine (cores, memory, CPU, GPU, package versions),
then per part its figures (median, min and max of ``--repeats`` runs), the ratios measured within the
same repeats, notes, and the part's own wall time. A part that fails is reported with its error and
the command exits 1 after writing the report. About 16 minutes on 2 cores (15.6 in
bench/results/2026-11-24-vm.json); ``--quick`` checks that
everything runs in a few minutes (figures then mean little).

    python bench/suite.py                        # everything
    python bench/suite.py --parts filters,dedup  # some parts
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(BENCH), str(REPO)]

import measure  # noqa: E402
import report  # noqa: E402

log = logging.getLogger("bench.suite")
# datatrove's published H100 figures for SmolLM2 generation (output tokens/s), quoted beside ours.
DATATROVE_H100 = {"SmolLM2-1.7B-Instruct": {"default": 5255, "tuned": 9220},
                  "SmolLM2-135M-Instruct": {"default": 28391, "tuned": 45540},
                  "source": "datatrove's inference benchmark (examples/inference, README), one H100"}


def parts(quick: bool) -> dict[str, Callable[[Path, int], dict]]:
    """Each part's measurement, ``(scratch folder, repeats) -> {"figures", "ratios", "notes"}``, in run order."""
    import curation
    import filters
    import generation
    import orchestration
    import training

    small = 0.25 if quick else 1.0
    size = lambda n: max(20, int(n * small))  # noqa: E731
    return {
        "filters": lambda work, repeats: filters.measure(size(1500), repeats),
        "extraction": lambda work, repeats: curation.measure_extraction(work, size(400), repeats),
        "filtered": lambda work, repeats: curation.measure_filtered(work, size(400), repeats),
        "chain": lambda work, repeats: curation.measure_chain(work, size(1000), repeats),
        "dedup": lambda work, repeats: curation.measure_dedup(work, size(1500), size(300), repeats),
        "orchestration": lambda work, repeats: orchestration.measure(work, repeats),
        "training": lambda work, repeats: training.measure_cpu(repeats, steps=size(20)),
        "generation": lambda work, repeats: generation.measure_backends(docs=size(12), repeats=repeats),
    }


def run(selected: list[str], repeats: int, quick: bool, work: Path) -> dict:
    available = parts(quick)
    unknown = sorted(set(selected) - set(available))
    if unknown:
        raise SystemExit(f"unknown part(s) {unknown}: choose from {list(available)}")
    results = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": measure.machine(),
               "repeats": repeats, "quick": quick, "parts": {}, "references": {"datatrove_h100_generation": DATATROVE_H100}}
    for name in selected:
        log.info("part %s ...", name)
        folder = work / name
        folder.mkdir(parents=True)
        started = time.perf_counter()
        try:
            part = available[name](folder, repeats)
        except Exception as error:  # noqa: BLE001 (reported with its traceback; the other parts still run)
            log.exception("part %s failed", name)
            part = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc(limit=8)}
        part["seconds"] = round(time.perf_counter() - started, 1)
        results["parts"][name] = part
        log.info("part %s: %.0f s", name, part["seconds"])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="", help="comma-separated; default all, in order")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes: checks that every part runs")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--keep-work", action="store_true", help="keep the scratch folder (stores, crawls)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    os.environ.setdefault("FACTORY_HOME", str(REPO / ".factory"))
    os.environ.pop("FACTORY_CURATION_MAX_DOCUMENTS_PER_FILE", None)
    from factory import settings

    settings.set_offline_defaults()
    selected = [p for p in args.parts.split(",") if p] or list(parts(args.quick))
    work = Path(tempfile.mkdtemp(prefix="factory-bench-"))
    started = time.perf_counter()
    try:
        results = run(selected, args.repeats, args.quick, work)
    finally:
        if not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    stem = f"{datetime.now().strftime('%Y-%m-%d')}-{results['machine']['host']}" + ("-quick" if args.quick else "")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / f"{stem}.md").write_text(report.markdown(results))
    log.info("wrote %s.json and .md in %.0f s", args.out / stem, results["seconds"])
    if failed := [name for name, part in results["parts"].items() if "error" in part]:
        raise SystemExit(f"bench parts failed: {failed} (see {args.out / stem}.md)")


if __name__ == "__main__":
    main()
