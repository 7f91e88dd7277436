"""A demo killed mid-run leaves its runs STARTED holding their pool slots; the next demo marks exactly those failed and
frees the slots (seen: a demo killed during `synthetic` held the `gpu` slot, and the next one waited forever)."""

from __future__ import annotations

import socket
import subprocess
import sys

from dagster import DagsterRunStatus, instance_for_test

from assets.dead_runs import DEMO_PROCESS_TAG, demo_run_tags, reclaim_dead_demo_runs


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_killed_demos_run_is_failed_and_frees_its_gpu_slot(tmp_path):
    from dagster._core.test_utils import create_run_for_test

    with instance_for_test(temp_dir=str(tmp_path)) as instance:
        instance.event_log_storage.set_concurrency_slots("gpu", 1)
        dead = create_run_for_test(instance, job_name="synthetic_job", status=DagsterRunStatus.STARTED,
                                   tags={DEMO_PROCESS_TAG: f"{socket.gethostname()}:{_dead_pid()}"})
        live = create_run_for_test(instance, job_name="mix_job", status=DagsterRunStatus.STARTED, tags=demo_run_tags())
        daemon = create_run_for_test(instance, job_name="proxy_job", status=DagsterRunStatus.STARTED)
        assert instance.event_log_storage.claim_concurrency_slot("gpu", dead.run_id, "synthetic").is_claimed

        (line,) = reclaim_dead_demo_runs(instance)
        assert dead.run_id in line and "synthetic_job" in line
        assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.FAILURE
        assert {instance.get_run_by_id(r.run_id).status for r in (live, daemon)} == {DagsterRunStatus.STARTED}
        info = instance.event_log_storage.get_concurrency_info("gpu")
        assert info.active_slot_count == 0  # the next demo's gpu step gets the slot
        assert instance.event_log_storage.claim_concurrency_slot("gpu", live.run_id, "synthetic").is_claimed
        assert reclaim_dead_demo_runs(instance) == []
