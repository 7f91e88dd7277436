"""The whole proxy loop through Dagster on CPU: mixes -> mixed -> proxy_model (2 seeds) -> proxy_eval ->
leaderboard (with its decisions and promotion check), the sensors requesting one run per new mix version."""

from __future__ import annotations

import time

import pytest
from dagster import AssetKey, DagsterInstance, Definitions, build_sensor_context
from mixing.helpers import brown_texts, c4_texts, write_documents, write_recipe

from factory.store import Store

pytestmark = pytest.mark.slow


def _definitions(store_root: str, recipes: str):
    from assets import decontamination, proxy
    from assets.proxy_sensors import (
        contamination_job,
        contamination_sensor,
        leaderboard_job,
        mix_job,
        mix_sensor,
        proxy_job,
        training_sensor,
    )
    from resources import StoreResource
    from resources.decisions import DecisionsResource
    from resources.evaluator import EvaluatorResource
    from resources.executor import ExecutorResource
    from resources.gpu_launcher import GpuLauncherResource
    from resources.trainer import MixRecipesResource, TrainerResource

    from support.sensors import sensor_resources

    resources = sensor_resources(**{
        "store": StoreResource(root=store_root), "mix_recipes": MixRecipesResource(folder=recipes),
        "trainer": TrainerResource(config="test-micro", threads=1, seeds=2),
        "evaluator": EvaluatorResource(limit=3, heldout_docs=4, batch_size=16, threads=1), "executor": ExecutorResource(),
        "gpu_launcher": GpuLauncherResource(), "decisions": DecisionsResource(resamples=200),
    })
    defs = Definitions(
        assets=[decontamination.contamination_index, proxy.mixed, proxy.proxy_model, proxy.proxy_eval, proxy.leaderboard],
        asset_checks=[proxy.candidate_beats_baseline, proxy.heldout_not_in_mix, proxy.repetition],
        jobs=[contamination_job, mix_job, proxy_job, leaderboard_job],
        sensors=[contamination_sensor, mix_sensor, training_sensor], resources=resources,
    )
    return defs, resources, contamination_sensor, mix_sensor, training_sensor


def plant_piqa_item(shared_data, page: str) -> tuple[str, str]:
    """PIQA's first item (one of the 3 evaluated), its question and answer pasted into the middle of ``page``."""
    from factory.decontamination.items import question_text
    from factory.evaluation.tasks import TASKS

    row = next(TASKS["piqa"].convert(shared_data / "eval"))
    middle = len(page) // 2
    return "piqa/0", f"{page[:middle]}\n{question_text(row['query'])}\n{row['choices'][row['gold']]}\n{page[middle:]}"


def test_two_mixes_train_evaluate_and_rank(tmp_path, shared_data):
    started = time.time()
    root = str(tmp_path / "store")
    store = Store(root)
    pages = c4_texts(shared_data, 40)
    # A crawl page (not one of the held-out C4 pages, every 5th) that holds a benchmark item.
    planted_item, pages[6] = plant_piqa_item(shared_data, pages[6])
    write_documents(store, "deduped", "c4a", pages, tag="c4a")
    write_documents(store, "synthetic", {"dump": "c4a", "recipe": "faq"}, brown_texts(shared_data, 12), tag="brown")
    recipes = tmp_path / "mixes"
    write_recipe(recipes, "web", "role: baseline\ntotal_tokens: 20000\nmax_repeats: 2\nsources: [{asset: deduped, weight: 1}]\n")
    write_recipe(recipes, "web-syn", "role: candidate\nbaseline: web\ntotal_tokens: 20000\nmax_repeats: 4\n"
                 "sources: [{asset: deduped, weight: 0.5}, {asset: synthetic, weight: 0.5}]\n")
    # The same recipe under another name: the same documents, tokens and seeds, so the same proxies.
    write_recipe(recipes, "web-copy", "role: candidate\nbaseline: web\ntotal_tokens: 20000\nmax_repeats: 2\nsources: [{asset: deduped, weight: 1}]\n")
    write_recipe(recipes, "needs-more", "total_tokens: 900000\nsources: [{asset: deduped, weight: 1}]\n")
    defs, resources, contamination_sensor, mix_sensor, training_sensor = _definitions(root, str(recipes))
    instance = DagsterInstance.ephemeral()

    # The mix sensor adds every recipe as a partition; the mixes wait for the contamination index, which its own
    # sensor requests.
    result = mix_sensor(build_sensor_context(instance=instance, resources=resources))
    (add,) = result.dynamic_partitions_requests
    instance.add_dynamic_partitions("mixes", list(add.partition_keys))
    assert sorted(add.partition_keys) == ["needs-more", "web", "web-copy", "web-syn"] and not result.run_requests
    result = contamination_sensor(build_sensor_context(instance=instance, resources=resources))
    assert [(r.job_name, r.partition_key) for r in result.run_requests] == [("contamination_job", None)]
    assert defs.resolve_job_def("contamination_job").execute_in_process(instance=instance).success
    assert not getattr(contamination_sensor(build_sensor_context(instance=instance, resources=resources)), "run_requests", None)
    # Then a mixed run per buildable recipe: not needs-more, whose budget its sources cannot fill (the plan fails
    # before any run; a run would fail the same way).
    result = mix_sensor(build_sensor_context(instance=instance, resources=resources))
    assert sorted(r.partition_key for r in result.run_requests) == ["web", "web-copy", "web-syn"]
    outcome = defs.resolve_job_def("mix_job").execute_in_process(partition_key="needs-more", instance=instance, raise_on_error=False)
    failure = outcome.get_step_failure_events()[0].event_specific_data.error
    assert "lower total_tokens to at most" in str(failure.message) + str(failure.cause)
    for request in result.run_requests:
        outcome = defs.resolve_job_def("mix_job").execute_in_process(partition_key=request.partition_key, instance=instance)
        checks = {check.check_name: check for check in outcome.get_asset_check_evaluations()}
        assert set(checks) == {"heldout_not_in_mix", "repetition"} and checks["heldout_not_in_mix"].passed
        sources = store.require_current("mixed", request.partition_key).stats["sources"]
        assert checks["repetition"].passed == (max(s["repeats"] for s in sources) <= 4), "flagged over 4 passes by default"
    assert not getattr(mix_sensor(build_sensor_context(instance=instance, resources=resources)), "run_requests", None)
    # The planted page was removed before every mix drew from deduped, and each mix's report names it.
    for mix in ("web", "web-copy", "web-syn"):
        manifest = store.require_current("mixed", mix)
        report = manifest.stats["contamination"]
        piqa = next(row for row in report["sources"] if row["source"] == "piqa")
        assert piqa["items_found"] == 1 and piqa["documents"] == 1 and manifest.counts["contaminated_documents"] == 1
        assert report["examples"]["piqa"][0]["item"] == planted_item and report["examples"]["piqa"][0]["doc_id"] == "c4a-6"
        assert "c4a-6" not in store.read_table(manifest, "selected").column("doc_id").to_pylist()
    shown = instance.get_latest_materialization_event(AssetKey("mixed")).asset_materialization.metadata
    assert {"contamination", "contamination_examples", "contaminated_documents"} <= set(shown)
    (example,) = [record.data for record in shown["contamination_examples"].value.records]
    assert example["item"] == planted_item and example["doc_id"] == "c4a-6" and example["item_text"]

    # The training sensor: one request per mix whose proxy would change, under the same run key until it is built.
    first = training_sensor(build_sensor_context(instance=instance, resources=resources))
    assert sorted(r.partition_key for r in first.run_requests) == ["web", "web-copy", "web-syn"]
    assert all(r.tags["factory/pool"] == "gpu" and r.tags["factory/mix_version"] == store.require_current("mixed", r.partition_key).version
               for r in first.run_requests)
    second = training_sensor(build_sensor_context(instance=instance, resources=resources))
    assert sorted(r.run_key for r in second.run_requests) == sorted(r.run_key for r in first.run_requests)

    for request in first.run_requests:
        outcome = defs.resolve_job_def("proxy_job").execute_in_process(partition_key=request.partition_key, instance=instance, tags=request.tags)
        assert outcome.success
    model = store.require_current("proxy_model", "web")
    files = {f.path for f in model.files}
    assert {f"checkpoints/seed-{s}/{name}" for s in (0, 1) for name in ("model.safetensors", "config.json", "tokenizer.json")} <= files
    assert "plots/loss_curve.png" in files and model.stats["seeds"] == [0, 1]
    assert model.counts["tokens_trained"] >= 20_000 and model.stats["tokens_per_s"] > 0 and model.stats["gpu_hours"] == 0
    losses = [seed["final_loss"] for seed in model.stats["per_seed"]]
    assert losses[0] != losses[1]  # two seeds: two initialisations and data orders
    curve = model.stats["loss_curve"]
    assert curve[-1]["loss"] < curve[0]["loss"]  # it learns
    evaluation = store.require_current("proxy_eval", "web")
    scores = store.read_table(evaluation, "scores").to_pylist()
    assert len(scores) == 18 and all(row["items"] == 3 and row["stderr"] >= 0 for row in scores)
    items = store.read_table(evaluation, "items").to_pylist()
    assert len(items) == 2 * 9 * 3 and all(0 < row["prob_correct"] < 1 and row["bpb_bits"] > 0 for row in items)
    heldout = store.read_table(evaluation, "heldout").to_pylist()
    assert {(row["seed"], row["domain"]) for row in heldout} == {(s, d) for s in (0, 1) for d in ("c4", "english_corpus", "sciq_passages")}
    assert all(2 < value < 20 for value in evaluation.stats["heldout_bpb"].values())  # a tiny model, far from uniform bytes
    assert len(evaluation.stats["metrics"]["heldout_bpb"]["per_seed"]) == 2
    # The planted item is scored, and marked: the clean subset leaves it out.
    assert {(row["task"], row["item"]) for row in items if row["contaminated"]} == {tuple(planted_item.split("/"))}
    clean = evaluation.stats["clean_subset"]["piqa"]
    assert clean["items"] == 3 and clean["contaminated"] == 1 and clean["centred_clean"] is not None

    outcome = defs.resolve_job_def("leaderboard_job").execute_in_process(instance=instance)
    assert outcome.success
    board = store.require_current("leaderboard", None)
    rows = store.read_table(board, "leaderboard").to_pylist()
    assert sorted(r["mix"] for r in rows) == ["web", "web-copy", "web-syn"]
    assert [r["primary"] for r in rows] == sorted(r["primary"] for r in rows)  # BPB: lower first
    web_syn = next(r for r in rows if r["mix"] == "web-syn")
    assert "synthetic[*]" in web_syn["lineage"] and "dump=c4a/recipe=faq@" in web_syn["lineage"] and web_syn["seeds"] == 2
    decisions = store.read_table(board, "decisions").to_pylist()
    primary = [d for d in decisions if d["metric"] == "task_bpb"]
    assert len(primary) == 3 and all(d["low"] <= d["estimate"] <= d["high"] for d in primary)
    copy = next(d for d in primary if {d["a"], d["b"]} == {"web", "web-copy"})
    assert copy["estimate"] == 0 and copy["verdict"] == "undecided"  # identical data, identical seeds: nothing to decide
    assert "plots/leaderboard.png" in {f.path for f in board.files}
    assert board.stats["clean_subset"]["decisions"] > 0  # every benchmark-item decision made again without piqa/0
    checks = {c.check_name: c for c in outcome.get_asset_check_evaluations()}
    check = checks["candidate_beats_baseline"]
    assert set(check.metadata) == {"web-syn", "web-copy"} and check.metadata["web-copy"].value["promoted"] is False
    # An identical mix is never promoted: the check fails as a warning (a result, not a fault; the UI shows no red).
    assert not check.passed and check.severity.value == "WARN"

    # Once trained, nothing is requested; a new version of one mix (edited recipe) is trained exactly once more.
    assert not getattr(training_sensor(build_sensor_context(instance=instance, resources=resources)), "run_requests", None)
    write_recipe(recipes, "web", "role: baseline\ntotal_tokens: 16000\nmax_repeats: 2\nsources: [{asset: deduped, weight: 1}]\n")
    assert defs.resolve_job_def("mix_job").execute_in_process(partition_key="web", instance=instance).success
    third = training_sensor(build_sensor_context(instance=instance, resources=resources))
    assert [r.partition_key for r in third.run_requests] == ["web"]
    assert third.run_requests[0].tags["factory/mix_version"] == store.require_current("mixed", "web").version
    assert time.time() - started < 300
