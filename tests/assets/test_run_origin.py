"""The demo's in-process runs carry the workspace's code location, which the UI's timeline needs to draw them."""

from dagster import DagsterInstance, job, op

from assets.run_origin import runs_attributed_to_workspace, workspace_repository


@op
def answer() -> int:
    return 42


@job
def tiny_job():
    answer()


def test_runs_made_in_the_block_carry_the_workspace_location_and_others_do_not():
    instance = DagsterInstance.ephemeral()
    with runs_attributed_to_workspace(instance) as attributed:
        inside = tiny_job.execute_in_process(instance=attributed).dagster_run
    outside = tiny_job.execute_in_process(instance=instance).dagster_run

    origin = instance.get_run_by_id(inside.run_id).remote_job_origin
    assert origin is not None, "a demo run without an origin is missing from the UI's timeline"
    assert origin.job_name == "tiny_job"
    assert origin.repository_origin.repository_name == "__repository__"
    assert origin.repository_origin.code_location_origin.location_name == workspace_repository().code_location_origin.location_name
    assert "assets.definitions" in origin.repository_origin.code_location_origin.location_name
    assert instance.get_run_by_id(outside.run_id).remote_job_origin is None, "the instance is left as it was after the block"
