"""In-process runs attributed to the workspace's code location, so the UI lists them like the daemon's.

Dagster's Overview timeline draws a run only when it knows the code location that made it, and
``execute_in_process`` records none: the demo's runs were in the run list but not on the timeline.
The demo's jobs are the Definitions' jobs of `workspace.yaml`'s location, so their runs are recorded
with that location's origin (the one `dagster dev` and the daemon use); only the record changes, the
run still executes in this process.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import cache
from pathlib import Path

from dagster import DagsterInstance
# Not exported at Dagster's top level (1.13, pinned in constraints/cpu.txt): tests/assets/test_run_origin.py fails if they move.
from dagster._core.remote_origin import RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.workspace.load_target import WorkspaceFileTarget

WORKSPACE = Path(__file__).resolve().parents[1] / "workspace.yaml"
REPOSITORY = "__repository__"  # the repository name Dagster gives a module's `Definitions`


@cache
def workspace_repository() -> RemoteRepositoryOrigin:
    (location,) = WorkspaceFileTarget(paths=[str(WORKSPACE)]).create_origins()
    return RemoteRepositoryOrigin(location, REPOSITORY)


def job_origin(job_name: str) -> RemoteJobOrigin:
    return RemoteJobOrigin(workspace_repository(), job_name)


@contextmanager
def runs_attributed_to_workspace(instance: DagsterInstance):
    """While open, runs that ``instance`` creates for a job (``execute_in_process``) carry the workspace's origin."""
    create = instance.create_run_for_job

    def create_with_origin(job_def, **kwargs):
        return create(job_def, **{"remote_job_origin": job_origin(job_def.name), **kwargs})

    instance.create_run_for_job = create_with_origin  # this instance object only, for this block only
    try:
        yield instance
    finally:
        del instance.create_run_for_job
