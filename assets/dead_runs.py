"""Runs of a killed demo: marked failed and their pool slots freed when the next demo starts.

The demo executes runs in its own process. Killed mid-run (Ctrl-C twice, a preempted machine), it leaves those runs
STARTED in the instance, and a step of one holding a slot of a pool (`gpu`, limit 1) keeps it: the next demo's
first step on that pool then waits for the slot forever, printing nothing. Each demo run is tagged with the demo's
process id; a STARTED run whose process is gone is dead, never merely slow (the UI's and the daemon's runs carry no
such tag and are left to Dagster's run monitoring).
"""

from __future__ import annotations

import logging
import os
import socket

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

log = logging.getLogger(__name__)
DEMO_PROCESS_TAG = "factory/demo_process"  # "<host>:<pid>" of the demo that executes the run


def demo_run_tags() -> dict[str, str]:
    return {DEMO_PROCESS_TAG: f"{socket.gethostname()}:{os.getpid()}"}


def reclaim_dead_demo_runs(instance: DagsterInstance) -> list[str]:
    """Mark failed every STARTED run of a demo process that no longer exists on this host and free its pool slots.
    Returns a line per run reclaimed."""
    reclaimed = []
    for run in instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTING, DagsterRunStatus.STARTED])):
        owner = run.tags.get(DEMO_PROCESS_TAG)
        if owner is None or _alive(owner):
            continue
        line = f"run {run.run_id} ({run.job_name}, partition {run.tags.get('dagster/partition', '-')}) of a demo that was killed ({owner})"
        instance.report_run_failed(run, f"{line}: marked failed by the next demo")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        log.warning("%s: marked failed and its pool slots freed", line)
        reclaimed.append(line)
    return reclaimed


def _alive(owner: str) -> bool:
    """Whether ``<host>:<pid>`` names a running process; a process on another host is assumed alive."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True
