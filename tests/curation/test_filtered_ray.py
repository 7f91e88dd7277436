"""`filtered` and `deduped` on Ray (a local 2-CPU cluster) with the store on S3: same output as the local
executor, every output in the bucket, nothing left in the local work folder but caches and logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from factory.curation import CurationConfig, ExecutorSpec
from factory.dedup import DedupConfig, dedup_dump
from factory.store import Store


@pytest.fixture
def local_ray():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=200_000_000, _node_ip_address="127.0.0.1",
             log_to_driver=False)
    yield
    ray.shutdown()


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_ray_on_s3_matches_local_and_writes_every_output_to_the_bucket(tmp_path, crawl_dir, local_ray, curate,
                                                                     s3_endpoint, s3_bucket, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("FACTORY_HOME", str(home))
    monkeypatch.setenv("FACTORY_S3_ENDPOINT", s3_endpoint)
    ray_spec = ExecutorSpec(kind="ray", workers=2)
    s3 = Store(f"s3://{s3_bucket}/store")
    on_ray = curate(s3, crawl_dir, "wget", CurationConfig(), ray_spec).manifest
    local = curate(Store(str(tmp_path / "local")), crawl_dir, "wget", CurationConfig(), ExecutorSpec(workers=1)).manifest
    # Two crawl files, two tasks, on Ray workers; the executor is operational, not part of the version.
    assert on_ray.operational["tasks"] == 2 and on_ray.operational["executor_kind"] == "ray"
    assert on_ray.version == local.version and on_ray.content_hash == local.content_hash and on_ray.counts == local.counts
    # Every shard, marker and datatrove log is in the bucket ...
    version_dir = s3.version_dir("filtered", on_ray.partition, on_ray.version)
    in_bucket = {path[len(version_dir) + 1:] for path in s3.fs.find(version_dir)}
    assert {entry.path for entry in on_ray.files} <= in_bucket
    assert {"_parts/part-00000.json", "_parts/part-00001.json", "_manifest.json"} <= in_bucket
    assert {"_logs/completions/00000", "_logs/completions/00001"} <= in_bucket
    # Dedup's seven stages on the same Ray workers, reading the filtered shards from the bucket.
    deduped = dedup_dump(s3, "wget", ["000"], DedupConfig(), ray_spec).manifest
    local_deduped = dedup_dump(Store(str(tmp_path / "local")), "wget", ["000"], DedupConfig(), ExecutorSpec(workers=1)).manifest
    assert deduped.content_hash == local_deduped.content_hash and deduped.counts == local_deduped.counts
    dedup_dir = s3.version_dir("deduped", deduped.partition, deduped.version)
    in_bucket = {path[len(dedup_dir) + 1:] for path in s3.fs.find(dedup_dir)}
    assert {entry.path for entry in deduped.files} <= in_bucket and "_logs/filter/completions/00000" in in_bucket
    assert not any(path.startswith("_work/") for path in in_bucket)  # scratch removed once committed
    # ... and the local work folder holds nothing but caches and logs.
    leftovers = [p for p in files_under(home) if not p.relative_to(home).parts[0] in ("cache", "logs")]
    assert leftovers == [], f"outputs left on the local disk: {leftovers[:5]}"
    assert not files_under(home / "work")
