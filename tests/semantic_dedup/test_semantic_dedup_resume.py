"""A run killed mid-way (as a preempted machine) resumes: completed tasks are skipped, not redone, and the resumed
run commits what an uninterrupted run commits (the same version and content hash)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from factory.documents import dump_partition
from factory.semantic_dedup import ASSET, SemanticDedupConfig, semantic_dedup_dump
from factory.store import Store
from semantic_dedup.helpers import c4_pages, paraphrase, write_input

REPO = Path(__file__).resolve().parents[2]
DUMP = "CC-MAIN-2099-02"
RUN = """
import json, sys
from factory.semantic_dedup import SemanticDedupConfig, semantic_dedup_dump
from factory.store import Store
semantic_dedup_dump(Store(sys.argv[1]), sys.argv[2], SemanticDedupConfig(**json.loads(sys.argv[3])))
"""


def test_a_run_killed_after_the_first_filter_part_resumes_where_it_stopped(web_data, tmp_path):
    store = Store(str(tmp_path / "store"))
    pages = c4_pages(web_data, 10, skip=60)
    shards = [pages[:5], pages[5:] + [("copy", paraphrase(pages[0][1], 4, seed=1))]]
    write_input(store, DUMP, shards)
    config = SemanticDedupConfig(clusters=2, max_tokens=128, kmeans_sample=100)
    log = tmp_path / "killed.log"
    with open(log, "w") as output:  # datatrove's manager process shares the child's session and is killed with it
        child = subprocess.Popen([sys.executable, "-c", RUN, store.root_uri, DUMP, json.dumps(config.model_dump())],
                                 cwd=REPO, env={**os.environ, "FACTORY_CRASH_AT": "part_committed@1"}, stdout=output,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        try:
            status = child.wait(timeout=300)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
    assert status == -signal.SIGKILL, log.read_text()[-3000:]
    [folder] = store.glob(f"{store.partition_dir(ASSET, dump_partition(DUMP))}/*")
    assert store.current(ASSET, dump_partition(DUMP)) is None and store.exists(f"{folder}/_parts/part-00000.json")
    done = {path: os.stat(path).st_mtime_ns for path in store.glob(f"{folder}/_logs/*/stats/*.json")}
    # embed, k-means, assign, clusters: every task completed; the first filter task committed its part but died
    # before datatrove marked it complete, so it runs again (its ClearPart removes what it left).
    assert len(done) == 2 + 1 + 2 + 1 and not store.glob(f"{folder}/_logs/filter/stats/*.json")

    manifest = semantic_dedup_dump(store, DUMP, config).manifest
    assert {path: os.stat(path).st_mtime_ns for path in done} == done  # nothing completed ran again
    assert manifest.counts["removed_semantic"] == 1 and manifest.counts["documents"] == 10
    kept = set(store.read_table(manifest, "documents").column("id").to_pylist())
    assert len({"copy", pages[0][0]} & kept) == 1 and {doc_id for doc_id, _ in pages[1:]} <= kept

    uninterrupted_store = Store(str(tmp_path / "uninterrupted"))
    write_input(uninterrupted_store, DUMP, shards)
    uninterrupted = semantic_dedup_dump(uninterrupted_store, DUMP, config).manifest
    assert (manifest.version, manifest.content_hash) == (uninterrupted.version, uninterrupted.content_hash)
