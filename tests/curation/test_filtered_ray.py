"""The same `filtered` step on Ray (a local 2-CPU cluster) gives the same documents as the local executor."""

from __future__ import annotations

import pytest

from factory.curation import CurationConfig, ExecutorSpec
from factory.store import Store


@pytest.fixture
def local_ray():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=200_000_000, _node_ip_address="127.0.0.1",
             log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_executor_matches_local(tmp_path, crawl_dir, local_ray, curate):
    # Two tasks force the record sharding across Ray workers even on this small input.
    ray_spec = ExecutorSpec(kind="ray", workers=2, min_documents_per_task=10)
    config = CurationConfig()
    on_ray = curate(Store(str(tmp_path / "ray")), crawl_dir, "wget", config, ray_spec, work_root=tmp_path / "w1").manifest
    local = curate(Store(str(tmp_path / "local")), crawl_dir, "wget", config, ExecutorSpec(workers=1), work_root=tmp_path / "w2").manifest
    assert on_ray.operational["tasks"] == 2 and on_ray.operational["executor_kind"] == "ray"
    assert on_ray.version == local.version  # the executor is operational, not part of the version
    assert on_ray.content_hash == local.content_hash  # and the output does not depend on it
    assert on_ray.counts == local.counts
