"""The plan's arithmetic, checked by hand against the round numbers of the measured store."""

from __future__ import annotations

import pytest
from planning_fixtures import DUMP, FILES

from factory.planning import PlanInputError, PlanOptions, Targets, make_plan, read_paths_file
from factory.store import Store
from factory.training.config import load_proxy_config

H = 3600


@pytest.fixture
def targets() -> Targets:
    return Targets(load_proxy_config("test-micro"), recipes=("finephrase_faq",), mixes=("web-only",))


@pytest.fixture
def options() -> PlanOptions:
    # 0.01 GB per WARC at 10,000 B/record: 1,000 records per file, 1,000,000 documents in all.
    return PlanOptions(nodes=2, cpus_per_node=8, gpus_per_node=2, chunks=4, warc_gb=0.01, rephrase_fraction=0.1)


@pytest.fixture
def plan(measured_store, paths_file, targets, options):
    return make_plan(measured_store, read_paths_file(paths_file, DUMP), targets, options)


def test_tasks_follow_files_buckets_recipes_and_mixes(plan):
    assert plan.files == FILES and sum(plan.files_per_chunk) == FILES and len(plan.files_per_chunk) == 4
    tasks = {stage.stage: dict(stage.tasks) for stage in plan.stages}
    assert tasks == {
        "raw_crawl": {"index": 4},
        "filtered": {"filter": FILES},
        "deduped": {"signatures": FILES, "buckets": 14, "cluster": 1, "filter": FILES},
        "synthetic": {"recipes": 1},
        "mixed": {"tokenize": FILES},
        "proxy_model": {"trainings": 1},
    }


def test_volumes_and_hours_are_files_times_measured_costs(plan):
    records_per_file = 0.01e9 / 10_000
    documents = FILES * records_per_file
    assert plan.volume("records_per_file").value == pytest.approx(records_per_file)
    assert plan.volume("documents_in").value == pytest.approx(documents)
    assert plan.stage("filtered").cpu_hours.value == pytest.approx(FILES * records_per_file * 0.4 / H)
    kept = documents * 0.5
    assert plan.volume("filtered_tokens").value == pytest.approx(kept * 500)
    assert plan.stage("deduped").cpu_hours.value == pytest.approx(kept * 0.1 / H)
    deduped_tokens = kept * 0.75 * 400
    assert plan.volume("deduped_tokens").value == pytest.approx(deduped_tokens)
    synthetic = deduped_tokens * 0.1 * 1 * 0.5  # fraction x recipes x output ratio
    assert plan.stage("synthetic").gpu_hours.value == pytest.approx(synthetic / 5_000 / H)
    assert plan.volume("mix_tokens").value == 10_240  # test-micro's budget, well below what the dump gives
    assert plan.stage("mixed").cpu_hours.value == pytest.approx(10_240 * 2e-6 / H)
    assert plan.stage("proxy_model").gpu_hours.value == pytest.approx(10_240 / 1e6 / H)


def test_store_size_is_documents_times_measured_bytes(plan):
    kept, deduped = 500_000, 375_000
    expected = {
        "filtered_documents_bytes": kept * 1_000, "filtered_removed_bytes": (1_000_000 - kept) * 500,
        "deduped_documents_bytes": deduped * 800, "deduped_removed_bytes": (kept - deduped) * 500,
        "deduped_index_bytes": kept * 100,
    }
    for name, value in expected.items():
        assert plan.volume(name).value == pytest.approx(value), name
    assert plan.volume("store_bytes").value == pytest.approx(sum(expected.values()))


def test_wall_time_divides_hours_by_the_nodes_slots(plan):
    cpu, gpu = plan.total("cpu_hours").value, plan.total("gpu_hours").value
    assert cpu == pytest.approx(sum(s.cpu_hours.value for s in plan.stages if s.cpu_hours))
    assert plan.total("wall_hours").value == pytest.approx(cpu / (2 * 8) + gpu / (2 * 2))
    # Task-bound: the single training and the single recipe each run on one GPU, whatever the nodes.
    bound = (plan.stage("filtered").cpu_hours.value + plan.stage("deduped").cpu_hours.value
             + plan.stage("mixed").cpu_hours.value) / 16 + plan.stage("synthetic").gpu_hours.value \
        + plan.stage("proxy_model").gpu_hours.value
    assert plan.total("task_bound_wall_hours").value == pytest.approx(bound)
    assert any(note.startswith("synthetic: 1 parallel task(s) for 4 slots") for note in plan.notes)


def test_measured_figures_rest_only_on_the_options(plan):
    assert plan.stage("filtered").cpu_hours.rests_on == ("warc_gb (option)",)
    assert plan.stage("proxy_model").gpu_hours.rests_on == ()
    assert plan.stage("proxy_model").gpu_hours.is_measured
    assert set(plan.stage("synthetic").gpu_hours.rests_on) == {"warc_gb (option)", "rephrase_fraction (option)"}
    assert all(figure.is_measured for figure in plan.costs)


def test_an_unmeasured_store_plans_on_named_assumptions(tmp_path, paths_file, options):
    targets = Targets(load_proxy_config("proxy-1.7b"), recipes=("finephrase_faq", "wrap_qa"), mixes=("web-only", "x"))
    plan = make_plan(Store(str(tmp_path / "empty")), read_paths_file(paths_file, DUMP), targets, options)
    assert "bytes_per_record (assumed)" in plan.total("cpu_hours").rests_on
    assert "filtered_cpu_s_per_doc (assumed)" in plan.stage("filtered").cpu_hours.rests_on
    assert {"mfu (assumed)", "peak_flops (assumed)"} <= set(plan.stage("proxy_model").gpu_hours.rests_on)
    assert "generation_tokens_per_s (assumed)" in plan.stage("synthetic").gpu_hours.rests_on
    assert not any(figure.is_measured for figure in plan.costs)
    # proxy-1.7b wants 28B tokens per mix, far more than 1,000 small WARCs give: the plan says so.
    assert any("mixes repeat data" in note for note in plan.notes)


@pytest.mark.parametrize("field, value, message", [
    ("nodes", 0, "--nodes must be at least 1"),
    ("warc_gb", 0.0, "--warc-gb must be positive"),
    ("rephrase_fraction", 1.5, "--rephrase-fraction must be between 0 and 1"),
])
def test_bad_options_say_which_flag(field, value, message):
    with pytest.raises(PlanInputError, match=message):
        PlanOptions(**{field: value})


def test_the_crawl_read_is_files_times_the_warc_size(plan):
    assert plan.volume("crawl_bytes").value == pytest.approx(FILES * 0.01e9)
    assert plan.volume("crawl_bytes").rests_on == ("warc_gb (option)",)
