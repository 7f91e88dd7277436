"""What orchestration costs around the steps: a no-op re-materialization, the crawl sensor's delay, and
`factory lineage` on a store of over a thousand versions.

1. Re-materialization. `raw_crawl` then `filtered` for one (dump, chunk) of real crawl files (a C4 JSONL and a
   WET file, symlinked from ../shared/data/web; both hash to the same chunk) through `dagster.materialize`,
   then again with unchanged inputs: both steps find their version committed (`reuse_committed`) and do
   nothing. Each repeat starts from a fresh store, copied from one that already holds the category
   classifier (an input of `filtered`, built once, untimed), so the first run is real; the ratio is no-op
   over first run of the same repeat. A round before the repeats pays the process's imports and model
   loads (reported apart), and each no-op is also timed without Dagster (the factory's reuse decision).
2. Sensor delay. A file is copied into a dump folder of a crawl source, then `crawl_sensor` is evaluated at
   once, as the daemon would (`evaluate_tick` with the instance, the resources and the last cursor), until a
   RunRequest names the file's chunk. Under the daemon a tick runs every `minimum_interval_seconds`, so a
   file waits interval/2 + evaluation on average and interval + evaluation at worst: computed from the two.
3. Lineage. A store of 400 chunks x (raw_crawl + a superseded and a current `filtered`) + deduped + 3 mixes
   (1,204 versions) written with the store's own writer, then `factory lineage mixed mix-a` (the upstream
   tree: 802 versions down to the crawl files) and `factory lineage raw_crawl big|007 --downstream` (a scan
   of every manifest), timed in process (the command through typer's CliRunner) and as a subprocess
   (`.venv/bin/factory`, which adds the interpreter's start and the imports: `factory --help` shows those).

    python bench/orchestration.py [--repeats 3] [--work EMPTY_DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import figure, ratio, timed  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACTORY_SHARED_DATA", REPO.parent / "shared" / "data"))
WEB = SHARED / "web"
DUMP = "bench"
CRAWL_FILES = ["olmo_c4/paloma_c4_100_domains_www.theguardian.com_val.jsonl.gz", "whirlwind/whirlwind.warc.wet.gz"]
NEW_CRAWL_FILE = "whirlwind/whirlwind.warc.gz"
LINEAGE_CHUNKS = 400
MIXES = ("mix-a", "mix-b", "mix-c")
MAX_TICKS = 5


def configure_environment(work: Path) -> None:
    """As tests/conftest.py: offline, the project's model cache, no factory.yaml. The Dagster instances here are
    ephemeral or `instance_for_test` ones (telemetry off in both); DAGSTER_HOME keeps the rest out of the repo's."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ.setdefault("FACTORY_CACHE", str(REPO / ".factory" / "cache"))
    os.environ.setdefault("DAGSTER_HOME", str(work / "dagster-home"))
    os.environ.setdefault("FACTORY_SETTINGS", "none")
    os.environ.setdefault("FACTORY_LABELLED_DATA", str(SHARED / "classification"))
    os.environ.pop("FACTORY_CURATION_MAX_DOCUMENTS_PER_FILE", None)  # the whole chunk, always
    from factory import settings

    settings.set_offline_defaults()


@contextmanager
def steady_heap():
    """A full collection first, and the objects so far frozen out of later ones: a collection of this long-lived
    process's heap (Dagster, torch, the earlier parts) would otherwise land in a random repeat and cost far more
    than in the process the measured command really runs in."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def steady_timed(function):
    with steady_heap():
        return timed(function)


def make_crawl(folder: Path, dumps: dict[str, list[str]]) -> Path:
    """Dump folders of symlinked real files (files, not folders: the source skips a symlinked dump folder)."""
    for dump, files in dumps.items():
        (folder / dump).mkdir(parents=True, exist_ok=True)
        for relpath in files:
            (folder / dump / Path(relpath).name).symlink_to(WEB / relpath)
    return folder


# -- 1. no-op re-materialization ---------------------------------------------------------------------------

def chunk_resources(store_root: Path, crawl: Path) -> dict:
    from resources import CrawlResource, StoreResource
    from resources.curation import CurationResource
    from resources.executor import ExecutorResource

    return {"store": StoreResource(root=str(store_root)), "crawl": CrawlResource(source=str(crawl)),
            "curation_settings": CurationResource(), "executor": ExecutorResource(kind="local", workers=1)}


def materialize_chunk(store_root: Path, crawl: Path, instance, partition) -> dict[str, bool]:
    """raw_crawl and filtered for one partition through Dagster; whether each reused its committed version."""
    from dagster import materialize

    from assets.crawl import raw_crawl
    from assets.curation import filtered

    result = materialize([raw_crawl, filtered], partition_key=partition, instance=instance,
                         resources=chunk_resources(store_root, crawl))
    assert result.success, "the Dagster run failed"
    events = result.get_asset_materialization_events()
    return {event.asset_key.to_user_string(): event.materialization.metadata["reused_committed_version"].value
            for event in events}


def reuse_without_dagster(store_root: Path, crawl: Path, dump: str, chunk: str) -> bool:
    """The same two steps' factory calls with the same resources: the reuse decision alone."""
    from factory.crawl.index import index_chunk
    from factory.curation import filter_chunk

    store, crawl_source, curation, executor = chunk_resources(store_root, crawl).values()
    raw = index_chunk(store.get(), crawl_source.get_source(), dump, chunk, crawl_source.chunks)
    kept = filter_chunk(store.get(), dump, chunk, curation.get_config(), executor.get_spec(),
                        storage=store.storage_options(), filters=curation.filters)
    return raw.reused and kept.reused


def first_then_noop(template: Path, store_root: Path, crawl: Path, partition) -> tuple[float, float, float]:
    """Seconds of a real first materialization into a fresh store, of the unchanged rerun through Dagster, and of
    the same rerun's factory calls alone."""
    from dagster import DagsterInstance

    shutil.copytree(template, store_root)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("dumps", [DUMP])
    first, reused = steady_timed(lambda: materialize_chunk(store_root, crawl, instance, partition))
    assert not any(reused.values()), f"the first run reused a version: {reused}"
    noop, reused = steady_timed(lambda: materialize_chunk(store_root, crawl, instance, partition))
    assert all(reused.values()), f"the unchanged rerun built a version: {reused}"
    dump, chunk = partition.keys_by_dimension["dump"], partition.keys_by_dimension["chunk"]
    factory_noop, reused = steady_timed(lambda: reuse_without_dagster(store_root, crawl, dump, chunk))
    assert reused, "the factory calls built a version Dagster had reused"
    return first, noop, factory_noop


def rematerialization(work: Path, repeats: int) -> dict:
    from assets.partitions import CrawlPartition
    from factory import settings
    from factory.categories.step import build_category_classifier
    from factory.crawl.sources import chunk_key, chunk_of
    from factory.store import Store

    crawl = make_crawl(work / "crawl", {DUMP: CRAWL_FILES})
    chunks = {chunk_key(chunk_of(Path(relpath).name, settings.chunk_count())) for relpath in CRAWL_FILES}
    assert len(chunks) == 1, f"the crawl files fall in chunks {chunks}: pick files of one chunk"
    partition = CrawlPartition(DUMP, chunks.pop()).dagster_key
    template = work / "store-with-classifier"
    build_category_classifier(Store(str(template)))  # untimed: from the machine's cache, or trained once
    # A first round pays this process's imports and model loads once; the repeats then measure warm runs.
    cold_first, cold_noop, _ = first_then_noop(template, work / "store-cold", crawl, partition)
    runs = [first_then_noop(template, work / f"store-{repeat}", crawl, partition) for repeat in range(repeats)]
    first, noop, factory_noop = (list(column) for column in zip(*runs))
    return {
        "figures": {"rematerialize_first_run_seconds": figure(first, "s"),
                    "rematerialize_noop_seconds": figure(noop, "s"),
                    "rematerialize_noop_factory_calls_only_seconds": figure(factory_noop, "s"),
                    "rematerialize_cold_process_first_run_seconds": figure([cold_first], "s"),
                    "rematerialize_cold_process_noop_seconds": figure([cold_noop], "s")},
        "ratios": {"rematerialize_noop_over_first": ratio(noop, first)},
        "notes": {"rematerialize": (
            f"raw_crawl + filtered for {DUMP}|{partition.keys_by_dimension['chunk']} (files: {', '.join(CRAWL_FILES)}) "
            "in one dagster.materialize on an ephemeral instance, in process, one worker. Each round copies a store "
            "holding only the category classifier (built once before the rounds, untimed), so its first run indexes "
            "and curates for real; the rerun reuses both committed versions. A round before the repeats (cold_process, "
            "not in the medians) pays this process's first imports and model loads, which a run the daemon launches "
            "pays every time (it starts a process of its own). noop_factory_calls_only: index_chunk + filter_chunk "
            "with the same resources, no Dagster run: the reuse decision itself; the rest of the no-op is Dagster's "
            "run and event handling and the asset's metadata (filtered renders its bar charts even when it reuses). "
            "Every timed call starts after a full garbage collection, with the heap so far frozen.")},
    }


# -- 2. sensor delay ---------------------------------------------------------------------------------------

def sensor_ticker(instance, crawl: Path):
    """``tick()``: one evaluation of crawl_sensor as the daemon makes it (the cursor carried over, new dumps
    added as partitions); returns its run requests."""
    from dagster import build_sensor_context

    from assets.definitions import defs
    from assets.sensors import crawl_sensor
    from resources import CrawlResource

    resources, cursor = {"crawl": CrawlResource(source=str(crawl))}, None

    def tick() -> list:
        nonlocal cursor
        context = build_sensor_context(instance=instance, instance_ref=instance.get_ref(), cursor=cursor,
                                       resources=resources, definitions=defs)
        data = crawl_sensor.evaluate_tick(context)
        for request in data.dynamic_partitions_requests or []:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        cursor = data.cursor or cursor
        return data.run_requests or []

    return tick


def seconds_to_request(tick, crawl: Path, name: str) -> float:
    """Write a new crawl file, tick until a run request names its (dump, chunk): seconds from written to requested."""
    from factory import settings
    from factory.crawl.sources import chunk_key, chunk_of

    wanted = {"dump": "whirlwind", "chunk": chunk_key(chunk_of(name, settings.chunk_count()))}
    shutil.copy(WEB / NEW_CRAWL_FILE, crawl / "whirlwind" / name)
    written = time.perf_counter()
    for _ in range(MAX_TICKS):
        if any(request.partition_key.keys_by_dimension == wanted for request in tick()):
            return time.perf_counter() - written
    raise AssertionError(f"{MAX_TICKS} ticks did not request {wanted} for {name}")


def sensor_delay(work: Path, repeats: int) -> dict:
    from dagster import instance_for_test

    from assets.sensors import crawl_sensor

    every_file = {folder.name: [f"{folder.name}/{f.name}" for f in sorted(folder.iterdir())]
                  for folder in sorted(WEB.iterdir()) if folder.is_dir()}
    crawl = make_crawl(work / "sensor-crawl", every_file)
    # Persistent, not ephemeral: the daemon hands sensors an instance ref, without which partitioned run requests
    # cannot be resolved. Telemetry off, DAGSTER_HOME left alone.
    (work / "dagster-sensor").mkdir()
    with instance_for_test(temp_dir=str(work / "dagster-sensor"), set_dagster_home=False) as instance:
        tick = sensor_ticker(instance, crawl)
        tick()  # the source as it stands: every dump and chunk requested once
        idle, found = [], []
        for repeat in range(repeats):
            idle.append(steady_timed(tick)[0])  # nothing new: what every tick costs the daemon
            with steady_heap():
                found.append(seconds_to_request(tick, crawl, f"new-{repeat:02d}.warc.gz"))
    interval = crawl_sensor.minimum_interval_seconds
    return {
        "figures": {
            "sensor_file_to_run_request_seconds": figure(found, "s", 4),
            "sensor_idle_tick_seconds": figure(idle, "s", 4),
            "sensor_minimum_interval_seconds": figure([interval], "s"),
            "sensor_expected_delay_mean_seconds_computed": figure([interval / 2 + s for s in found], "s", 4),
            "sensor_expected_delay_worst_seconds_computed": figure([interval + s for s in found], "s", 4),
        },
        "ratios": {},
        "notes": {"sensor": (
            f"crawl_sensor (assets/sensors.py) over a folder source of {sum(map(len, every_file.values()))} real files "
            f"in {len(every_file)} dumps; a copy of {NEW_CRAWL_FILE} is written into whirlwind/ and the tick evaluated "
            "at once (evaluate_tick, the instance and the cursor the daemon keeps), timed from the file written to the "
            "RunRequest for its (dump, chunk) returned; the first tick finds it every time. The *_computed figures are "
            "not measured: minimum_interval_seconds/2 (mean) and minimum_interval_seconds (worst) plus that evaluation "
            "time, the wait under dagster-daemon, which also evaluates each sensor at most every few seconds of its "
            "own loop. The sensor is STOPPED by default: under the daemon it must be turned on.")},
    }


# -- 3. lineage on a large store ---------------------------------------------------------------------------

def commit_version(store, asset: str, partition, config: dict, inputs=(), sources=()):
    """One committed version written as the steps write theirs (no data files: lineage reads manifests only)."""
    from factory.store.writer import open_writer

    writer = open_writer(store, asset, partition, code_version="1", config=config,
                         inputs=[store.input_ref(m) for m in inputs], sources=list(sources))
    return writer.commit(counts={"documents": 1})


def generate_store(root: Path) -> int:
    """Per chunk a raw_crawl with its WARC, a superseded and a current filtered; one deduped over the current ones;
    three mixes over deduped. Returns the number of committed versions."""
    from factory.curation.config import CurationConfig
    from factory.dedup.config import DedupConfig
    from factory.store import SourceFile, Store

    store = Store(str(root))
    stricter = CurationConfig.from_overrides({"gopher_quality": {"min_doc_words": 100}}).to_dict()
    current = []
    for chunk in range(LINEAGE_CHUNKS):
        partition = {"dump": "big", "chunk": f"{chunk:03d}"}
        warc = SourceFile(f"s3://crawl/big/{chunk:03d}.warc.gz", 1000, f"sha256:{chunk:064x}", 10, "warc")
        raw = commit_version(store, "raw_crawl", partition, {"chunks": LINEAGE_CHUNKS, "index_mode": "full"},
                             sources=[warc])
        commit_version(store, "filtered", partition, stricter, [raw])
        current.append(commit_version(store, "filtered", partition, CurationConfig().to_dict(), [raw]))  # last: current
    deduped = commit_version(store, "deduped", {"dump": "big"}, DedupConfig().to_dict(), current)
    for mix in MIXES:
        commit_version(store, "mixed", mix, {"seed": 0}, [deduped])
    return len(store.glob(f"{store.root}/**/_manifest.json"))


def lineage_in_process(args: list[str]) -> float:
    from typer.testing import CliRunner

    from assets.cli import app

    seconds, result = steady_timed(lambda: CliRunner().invoke(app, args))
    assert result.exit_code == 0, result.output
    return seconds


def lineage_subprocess(args: list[str]) -> float:
    command = [str(Path(sys.executable).with_name("factory")), *args]
    seconds, _ = steady_timed(lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=REPO))
    return seconds


def lineage(work: Path, repeats: int) -> dict:
    root = work / "lineage-store"
    generation_seconds, versions = steady_timed(lambda: generate_store(root))
    assert versions >= 1000, f"only {versions} versions"
    tree = ["lineage", "mixed", MIXES[0], "--json", "--store", str(root)]
    downstream = ["lineage", "raw_crawl", "big|007", "--downstream", "--json", "--store", str(root)]
    first_call = lineage_in_process(tree)  # also imports the audit modules: reported apart
    runs = {"tree_in_process": [], "downstream_in_process": [], "tree_subprocess": [], "cli_startup_subprocess": []}
    for _ in range(repeats):
        runs["tree_in_process"].append(lineage_in_process(tree))
        runs["downstream_in_process"].append(lineage_in_process(downstream))
        runs["tree_subprocess"].append(lineage_subprocess(tree))
        runs["cli_startup_subprocess"].append(lineage_subprocess(["--help"]))
    return {
        "figures": {"lineage_store_versions": figure([versions], "versions", 0),
                    "lineage_store_generation_seconds": figure([generation_seconds], "s"),
                    "lineage_tree_in_process_first_call_seconds": figure([first_call], "s"),
                    **{f"lineage_{name}_seconds": figure(values, "s") for name, values in runs.items()}},
        "ratios": {"lineage_tree_subprocess_over_in_process": ratio(runs["tree_subprocess"], runs["tree_in_process"])},
        "notes": {"lineage": (
            f"{versions} versions: {LINEAGE_CHUNKS} chunks x (raw_crawl + superseded filtered + current filtered) + "
            f"deduped + {len(MIXES)} mixes, committed through Store.writer (manifests only), generated once. tree: "
            f"`factory lineage mixed {MIXES[0]} --json` walks {2 * LINEAGE_CHUNKS + 2} versions; downstream: "
            "`factory lineage raw_crawl big|007 --downstream --json` reads every manifest. in_process: the command "
            "through CliRunner, after a first call (reported apart) that imports the audit modules; subprocess: "
            ".venv/bin/factory; cli_startup: `factory --help`, the interpreter's start and the CLI's imports alone "
            "(not the lazily imported audit modules).")},
    }


def measure(work: Path, repeats: int = 3) -> dict:
    configure_environment(work)
    parts = [rematerialization(work, repeats), sensor_delay(work, repeats), lineage(work, repeats)]
    return {key: {name: value for part in parts for name, value in part[key].items()}
            for key in ("figures", "ratios", "notes")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, removed after)")
    args = parser.parse_args()
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        print(json.dumps(measure(args.work.resolve(), args.repeats), indent=1))
        return
    with tempfile.TemporaryDirectory(prefix="bench-orchestration-") as work:
        print(json.dumps(measure(Path(work), args.repeats), indent=1))


if __name__ == "__main__":
    main()
