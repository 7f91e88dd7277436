"""An interrupted multi-task `filtered` run resumes: completed tasks are kept and skipped, and the result
is the same version with the same content as an uninterrupted run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from factory.crawl import parse_source
from factory.crawl.gzip_members import UnreadableCrawlFile
from factory.crawl.index import index_chunk
from factory.curation import CurationConfig, ExecutorSpec, filter_chunk
from factory.store import Store
from support.categories import classifier_in

FILES = {  # the name orders the files, and so the tasks: task 2 reads c_
    "a_wget.warc.gz": "dolma/sample-0000.warc.gz",
    "b_wget.warc.gz": "dolma/sample-0001.warc.gz",
    "c_c4.jsonl.gz": "olmo_c4/paloma_c4_100_domains_www.theguardian.com_val.jsonl.gz",
}


@pytest.fixture
def crawl(web_data: Path, tmp_path: Path) -> Path:
    dump = tmp_path / "crawl" / "resume"
    dump.mkdir(parents=True)
    for name, relpath in FILES.items():
        shutil.copy(web_data / relpath, dump / name)
    return dump.parent


def committed_files(store: Store, manifest_dir: str) -> dict[str, float]:
    return {path: store.fs.info(path)["mtime"] for path in store.fs.find(manifest_dir)}


def test_rerun_after_a_failed_task_runs_only_the_remaining_tasks(crawl: Path, tmp_path: Path, web_data: Path):
    store = Store(str(tmp_path / "store"))
    index_chunk(store, parse_source(str(crawl)), "resume", "000", 1)
    classifier_in(store)
    broken = crawl / "resume" / "c_c4.jsonl.gz"
    good, stat = broken.read_bytes(), broken.stat()
    broken.write_bytes(b"<html>an error page saved in place of the dump</html>")  # unreadable: task 2 fails
    executor = ExecutorSpec(workers=1)  # tasks one after another, so 0 and 1 complete before 2 fails
    with pytest.raises(UnreadableCrawlFile, match="c_c4.jsonl.gz: not a gzip file"):
        filter_chunk(store, "resume", "000", CurationConfig(), executor)
    writer_dir = store.partition_dir("filtered", {"dump": "resume", "chunk": "000"})
    (version_dir,) = store.fs.glob(f"{writer_dir}/*")
    completions = sorted(Path(p).name for p in store.fs.glob(f"{version_dir}/_logs/completions/*"))
    assert completions == ["00000", "00001"] and not store.exists(f"{version_dir}/_manifest.json")
    kept = {path: mtime for path, mtime in committed_files(store, version_dir).items()
            if "part-00000" in path or "part-00001" in path or "/completions/" in path}
    assert any("documents/part-00000.parquet" in p for p in kept) and any("_parts/part-00001.json" in p for p in kept)

    broken.write_bytes(good)  # the file is fixed (as it was when indexed); materialize again
    os.utime(broken, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    resumed = filter_chunk(store, "resume", "000", CurationConfig(), executor)
    after = committed_files(store, version_dir)
    assert {path: after[path] for path in kept} == kept  # tasks 0 and 1 were not run again: nothing of theirs rewritten
    assert store.exists(f"{version_dir}/_logs/completions/00002") and resumed.manifest.parts == 3

    fresh_store = Store(str(tmp_path / "fresh"))
    index_chunk(fresh_store, parse_source(str(crawl)), "resume", "000", 1)
    classifier_in(fresh_store)
    fresh = filter_chunk(fresh_store, "resume", "000", CurationConfig(), ExecutorSpec(workers=2))
    assert fresh.manifest.version == resumed.manifest.version
    assert fresh.manifest.content_hash == resumed.manifest.content_hash
    assert fresh.manifest.counts == resumed.manifest.counts and resumed.manifest.counts["documents"] > 0
