"""SIGKILL a step anywhere: no partial version is ever visible, and the rerun commits the same content as a run
that was never interrupted, redoing at most the part that was in flight.

Each case copies a store holding the chain up to the step, runs the step in a child process that
``FACTORY_CRASH_AT`` kills at one crash point (``factory.faults``), checks what a reader sees, then
reruns the step here and compares with the uninterrupted reference run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from factory.audit import StoreIndex
from factory.audit.verify import verify_store
from factory.faults import CRASH_ENV
from factory.store import Store
from faults.chain import PARTITIONS, STEPS, WordListGenerator, make_crawl, run_step

DRIVER = Path(__file__).with_name("crash_driver.py")
CASES = [
    ("filtered", "document_written@30"),  # task 1 is writing its shards
    ("filtered", "part_committed@1"),  # task 1's part marker is written, datatrove has not marked the task complete
    ("filtered", "document_written@first_part+5"),  # task 1 complete, task 2 writing: task 1 must not be redone
    ("filtered", "manifest_written"),  # the manifest's temporary file is written, not renamed
    ("filtered", "manifest_committed"),  # the version is committed, the current pointer is not updated
    ("filtered", "current_written"),  # the pointer's temporary file is written, not renamed
    ("deduped", "document_written@20"),
    ("deduped", "part_committed@1"),
    ("deduped", "manifest_written"),
    ("synthetic", "file_written@3"),  # chunk 2's documents are written, its rejected table and marker are not
    ("synthetic", "part_committed@2"),
    ("synthetic", "current_written"),
    ("mixed", "part_written@2"),  # a task's shards are written, its part marker is not
    ("mixed", "part_committed@1"),
    ("mixed", "manifest_committed"),
    ("proxy_model", "file_written@2"),  # seed 0's checkpoint files are being written (tests/training/test_resume.py
    ("proxy_model", "manifest_written"),  # kills it after a resume checkpoint and between seeds)
    ("proxy_model", "current_written"),
]


@pytest.fixture(scope="module")
def reference(web_data: Path, tmp_path_factory) -> tuple[Path, Path, dict]:
    """The uninterrupted run: the crawl folder, the store and each step's committed manifest."""
    crawl = make_crawl(web_data, tmp_path_factory.mktemp("crawl"))
    root = tmp_path_factory.mktemp("reference") / "store"
    store = Store(str(root))
    manifests = {step: run_step(store, step, crawl).manifest for step in STEPS}
    return crawl, root, manifests


def store_before(reference, step: str, tmp_path: Path) -> Store:
    """A copy of the reference store as it was before ``step`` ran."""
    _crawl, root, _manifests = reference
    shutil.copytree(root, tmp_path / "store", symlinks=True)
    for later in STEPS[STEPS.index(step):]:
        shutil.rmtree(tmp_path / "store" / later, ignore_errors=True)
    return Store(str(tmp_path / "store"))


def run_killed(store: Store, crawl: Path, step: str, point: str, log: Path) -> int:
    """The step's exit status in a child process killed at ``point``. The child's own children (datatrove's
    multiprocess manager) outlive a SIGKILL as they would a preempted step: they share its session and are
    killed with it, and the output goes to a file so no orphan holds a pipe open."""
    with open(log, "w") as output:
        child = subprocess.Popen([sys.executable, str(DRIVER), store.root_uri, str(crawl), step], env={**os.environ, CRASH_ENV: point},
                                 stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return child.wait(timeout=300)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)


def problems(store: Store) -> list[str]:
    return [p.describe() for p in verify_store(StoreIndex(store)).problems]


def shard_mtimes(store: Store, step: str) -> dict[str, int]:
    folder = Path(store.partition_dir(step, PARTITIONS[step]))
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*.parquet")}


@pytest.mark.parametrize(("step", "point"), CASES, ids=[f"{s}-{p}" for s, p in CASES])
def test_a_killed_step_leaves_nothing_partial_and_its_rerun_matches_an_uninterrupted_run(reference, tmp_path, step, point):
    crawl, root, expected = reference
    store = store_before(reference, step, tmp_path)
    partition = PARTITIONS[step]
    second_task = "first_part" in point
    if second_task:  # the n-th document that reaches the writers of the second task
        first = Store(str(root)).version_dir(step, partition, expected[step].version) + "/_parts/part-00000.json"
        rows = json.loads(Path(first).read_text())["stats"]["tables"]["documents"]["rows"]
        point = f"document_written@{rows + int(point.rsplit('+', 1)[1])}"

    log = tmp_path / "killed.log"
    status = run_killed(store, crawl, step, point, log)
    assert status == -signal.SIGKILL, f"{step} was not killed at {point}: exit {status}\n{log.read_text()[-3000:]}"
    committed = store.versions(step, partition)
    if point.startswith(("manifest_committed", "current_written")):
        assert [m.version for m in committed] == [expected[step].version]  # complete, only not yet current
    else:
        assert committed == [], f"a version became visible before its manifest: {committed}"
    assert store.current(step, partition) is None
    assert problems(store) == []
    before_rerun = shard_mtimes(store, step)

    generator = WordListGenerator()
    result = run_step(store, step, crawl, generator=generator)
    manifest = result.manifest
    assert (manifest.version, manifest.content_hash) == (expected[step].version, expected[step].content_hash)
    assert manifest.counts == expected[step].counts
    assert store.current(step, partition).version == manifest.version
    assert problems(store) == []
    version_dir = Path(store.version_dir(step, partition, manifest.version))
    assert not list(version_dir.rglob("*.tmp")), "leftovers of the killed writes remain in the committed version"

    if second_task:  # the completed task was kept, not redone
        kept = {path for path, mtime in shard_mtimes(store, step).items() if before_rerun.get(path) == mtime}
        assert any("part-00000" in path for path in kept), f"{step}: the completed first task was redone"
        assert not any("part-00001" in path for path in kept)
    if step == "synthetic" and point.startswith("part_committed"):
        assert generator.requests == 12 - 4 * int(point.split("@")[1])  # only the chunks never committed
