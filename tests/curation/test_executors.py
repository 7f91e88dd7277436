"""The executor spec: task sizing, what it records, and the Slurm configuration (not launched here)."""

import pytest

from factory.curation.executors import ExecutorSpec


def test_only_small_local_inputs_run_in_process():
    spec = ExecutorSpec(workers=2, in_process_below_documents=1000)
    assert spec.runs_in_process(999) and not spec.runs_in_process(1000)
    assert not spec.runs_in_process(None)  # an index that did not count records: assume it is big
    assert not ExecutorSpec(kind="ray", in_process_below_documents=1000).runs_in_process(10)


def test_operational_record_names_the_executor_but_not_other_kinds_settings():
    record = ExecutorSpec(kind="ray", workers=4).operational()
    assert record["executor_kind"] == "ray" and record["executor_workers"] == 4
    assert not any(key.startswith("executor_slurm_") for key in record)


def test_slurm_spec_builds_an_sbatch_job_with_the_configured_partition_and_time(tmp_path):
    from datatrove.pipeline.filters import GopherQualityFilter

    spec = ExecutorSpec(kind="slurm", workers=8, slurm_partition="cpu-long", slurm_time="02:00:00", slurm_cpus_per_task=2)
    executor = spec.build([GopherQualityFilter()], tasks=16, logging_dir=str(tmp_path / "logs"), job_name="filtered-x")
    args = executor.get_sbatch_args()
    assert (args["partition"], args["time"], args["cpus-per-task"]) == ("cpu-long", "02:00:00", 2)
    assert executor.world_size == 16 and executor.workers == 8


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="executor kind must be one of"):
        ExecutorSpec(kind="k8s")
