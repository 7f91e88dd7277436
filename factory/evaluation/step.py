"""The ``proxy_eval`` step: lm-eval on every seed's checkpoint of a mix's current proxy, scores to the store.

Per seed: acc / acc_norm per task, the continuous metrics of every item (``items`` table) and the
bits of every held-out document (``heldout`` table), all read from lm-eval's logged samples. The
tables are bounded by items x seeds, never by the data. Identity: the checkpoint version, the
task list and limit, the held-out domains and size, and the checksums of every evaluation file.
"""

from __future__ import annotations

import logging
import statistics
import time

from factory import settings
from factory.documents import CONTAMINATION
from factory.evaluation.config import EvalConfig
from factory.evaluation.harness import read_heldout, read_items, read_scores, run_lm_eval
from factory.evaluation.heldout import prepare_heldout
from factory.evaluation.metrics import METRICS, seed_items
from factory.evaluation.scores import aggregate
from factory.evaluation.tasks import CODE_VERSION as TASKS_CODE_VERSION
from factory.evaluation.tasks import prepare_tasks
from factory.models.checkpoints import seed_checkpoints
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Store, VersionWriter

log = logging.getLogger(__name__)
STEP = Step("proxy_eval", code_version="3", libraries=("lm_eval", "torch", "transformers"))  # 2: every seed's checkpoint;
# per-item continuous metrics; held-out BPB per domain; 3: items marked contaminated (their n-grams in the mix's sources)
ASSET = STEP.asset


def evaluate_proxy(store: Store, mix: str, config: EvalConfig, *, run_id: str | None = None) -> StepResult:
    prepared, heldout = _prepared(config)
    plan = _plan(store, mix, config, prepared, heldout)
    return run_step(store, plan, lambda writer: _evaluate(writer, plan.inputs[0], mix, config, prepared, heldout),
                    operational=config.operational(), run_id=run_id)


def plan_evaluation(store: Store, mix: str, config: EvalConfig) -> StepPlan:
    """The version: the proxy's current version, the task list and limit, the held-out domains and size, and the
    checksums of every evaluation file (prepared in the machine's cache, once)."""
    return _plan(store, mix, config, *_prepared(config))


def _prepared(config: EvalConfig):
    """The local task files and the held-out documents, prepared in the machine's cache (once)."""
    cache = settings.cache_dir()
    prepared = prepare_tasks(config.data_path, list(config.tasks), cache, config.limit) if config.source == "local" else None
    heldout = prepare_heldout(config.heldout, cache, config.heldout_docs) if config.heldout else None
    return prepared, heldout


def _plan(store: Store, mix: str, config: EvalConfig, prepared, heldout) -> StepPlan:
    model = store.require_current("proxy_model", mix)
    return STEP.plan(mix, {"eval": config.identity(), "task_prompts": TASKS_CODE_VERSION}, inputs=[model],
                     sources=(prepared.sources if prepared else ()) + (heldout.sources if heldout else ()))


def _evaluate(writer: VersionWriter, model, mix: str, config: EvalConfig, prepared, heldout) -> StepResult:
    store, cache = writer.store, settings.cache_dir()
    started = time.time()
    contaminated = _contaminated_items(store, model) if prepared else None
    scores, items, documents = [], [], []
    for seed, checkpoint in seed_checkpoints(store, model, cache / "store-files").items():
        results = run_lm_eval(checkpoint, config, prepared, heldout)
        scores += [{"seed": seed, **s.row()} for s in read_scores(results, config, prepared)]
        items += [{"seed": seed, **row, "contaminated": None if contaminated is None else f"{row['task']}/{row['item']}" in contaminated}
                  for row in read_items(results, config, prepared)]
        documents += [{"seed": seed, **row} for row in read_heldout(results, heldout)] if heldout else []
    seconds = time.time() - started
    with writer.part(0) as part:
        part.write_table("scores", scores)
        part.write_table("items", items)
        if documents:
            part.write_table("heldout", documents)
        part.count(tasks=len(config.tasks), items=len(items), heldout_documents=len(documents))
    stats = {**summarise(scores, {"items": items, "heldout": documents}), "eval_seconds": round(seconds, 1), "lm_eval_version": _lm_eval_version()}
    manifest = writer.commit(stats=stats)
    log.info("proxy_eval %s: %d seeds, %s in %.0f s", mix, len(stats["seeds"]),
             ", ".join(f"{name} {value['mean']:.4f}" for name, value in stats["metrics"].items()), seconds)
    return StepResult(manifest, reused=False, metadata={"aggregate_centred": stats["aggregate_centred"], "metrics": stats["metrics"]})


def _contaminated_items(store: Store, model) -> set[str]:
    """The benchmark items (``<task>/<row>``, the row being the local task file's doc_id) whose n-grams some
    document of the proxy's mix sources held, removed or not: the clean subset is every other item."""
    ref = next(ref for ref in model.inputs if ref.asset == "mixed")
    mix, found = store.read_manifest(ref.asset, ref.partition, ref.version), set()
    for batch in store.iter_batches(mix, CONTAMINATION, columns=["items"]):
        for items in batch.column("items").to_pylist():
            found.update(items)
    return found


def summarise(scores: list[dict], tables: dict[str, list[dict]]) -> dict:
    """Each task's score averaged over seeds, and every metric's value per seed, for the UI and the leaderboard."""
    seeds = sorted({row["seed"] for row in scores})
    by_task: dict[str, list[dict]] = {}
    for row in scores:
        by_task.setdefault(row["task"], []).append(row)
    task_scores = {}
    for task, rows in by_task.items():
        task_scores[task] = {
            "metric": rows[0]["metric"], "value": statistics.fmean(r["value"] for r in rows),
            "stderr": statistics.fmean(r["stderr"] for r in rows), "centred": statistics.fmean(r["centred"] for r in rows),
            "centred_stderr": statistics.fmean(r["centred_stderr"] for r in rows), "chance": rows[0]["chance"], "items": rows[0]["items"],
            "seed_std": statistics.stdev(r["centred"] for r in rows) if len(rows) > 1 else None,
        }
    per_seed_aggregate = [aggregate_of(scores, seed) for seed in seeds]
    metrics = {}
    for name, chosen in METRICS.items():
        if tables.get(chosen.table):
            per_seed = [float(v) for v in seed_items(tables[chosen.table], chosen).per_seed()]
            metrics[name] = {"mean": statistics.fmean(per_seed), "per_seed": per_seed,
                             "seed_std": statistics.stdev(per_seed) if len(per_seed) > 1 else None}
    heldout = {}
    for row in tables.get("heldout", []):
        bits, size = heldout.setdefault(row["domain"], [0.0, 0.0])
        heldout[row["domain"]] = [bits + row["bits"], size + row["bytes"]]
    return {
        "seeds": seeds, "scores": task_scores, "metrics": metrics, "clean_subset": clean_subset(tables.get("items", [])),
        "aggregate_centred": statistics.fmean(a for a, _ in per_seed_aggregate),
        "aggregate_stderr": statistics.fmean(e for _, e in per_seed_aggregate),
        "heldout_bpb": {domain: bits / size for domain, (bits, size) in sorted(heldout.items())},  # all seeds' bits over all seeds' bytes
    }


def clean_subset(items: list[dict]) -> dict[str, dict]:
    """Per task: its items, those contaminated, and the mean centred score (over seeds and items) on all items and
    on the clean ones, so a reader sees whether contamination moved the score. Empty when items are unmarked."""
    by_task: dict[str, list[dict]] = {}
    for row in items:
        if row.get("contaminated") is not None:
            by_task.setdefault(row["task"], []).append(row)
    found = {}
    for task, rows in sorted(by_task.items()):
        clean = [r["centred"] for r in rows if not r["contaminated"]]
        found[task] = {"items": len({r["item"] for r in rows}), "contaminated": len({r["item"] for r in rows if r["contaminated"]}),
                       "centred_all": statistics.fmean(r["centred"] for r in rows),
                       "centred_clean": statistics.fmean(clean) if clean else None}
    return found


def aggregate_of(scores: list[dict], seed: int) -> tuple[float, float]:
    from factory.evaluation.scores import TaskScore

    fields = set(TaskScore.__dataclass_fields__)
    return aggregate([TaskScore(**{k: v for k, v in row.items() if k in fields}) for row in scores if row["seed"] == seed])


def _lm_eval_version() -> str:
    from importlib.metadata import version

    return version("lm_eval")
