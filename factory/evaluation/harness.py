"""Running lm-eval (0.4.x) on a checkpoint folder: acc / acc_norm with stderr per task, and every item's
logged sample, from which ``factory.evaluation.items`` reads the continuous metrics and held-out BPB."""

from __future__ import annotations

import logging
import math
from pathlib import Path

from factory.evaluation.config import EvalConfig
from factory.evaluation.heldout import PreparedHeldout
from factory.evaluation.items import choice_item, rolling_item
from factory.evaluation.scores import TaskScore
from factory.evaluation.tasks import TASKS, PreparedTasks
from factory.models.allocator import reuse_freed_tensor_memory
from factory.models.device import resolve_device

log = logging.getLogger(__name__)


class EvaluationError(RuntimeError):
    """lm-eval failed or returned no score for a task."""


def run_lm_eval(model_dir: Path, config: EvalConfig, prepared: PreparedTasks | None, heldout: PreparedHeldout | None = None) -> dict:
    import torch
    from lm_eval import simple_evaluate
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    device = resolve_device(config.device)
    if device == "cpu":
        reuse_freed_tensor_memory()
        if config.threads:
            torch.set_num_threads(config.threads)
    if config.source == "local":
        assert prepared is not None, "local tasks need prepare_tasks() first"
        names = [prepared.lm_eval_names[t] for t in config.tasks]
        manager = TaskManager(include_path=str(prepared.include_path), include_defaults=False)
    else:
        names = [TASKS[t].hub_task for t in config.tasks]
        manager = TaskManager()
    lm = HFLM(pretrained=str(model_dir), tokenizer=str(model_dir), batch_size=config.batch_size, device=device, dtype="float32",
               max_length=config.max_length)
    try:
        results = simple_evaluate(model=lm, tasks=names, task_manager=manager, limit=config.limit, log_samples=True, verbosity="WARNING")
        if heldout is not None:  # its own call: the item limit is the tasks', the held-out sets were sized when prepared
            names = list(heldout.lm_eval_names.values())
            manager = TaskManager(include_path=str(heldout.include_path), include_defaults=False)
            # the same weights, in windows no longer than the positions the proxy was trained on
            windows = HFLM(pretrained=lm.model, tokenizer=lm.tokenizer, batch_size=config.batch_size,
                           max_length=_max_length(model_dir, config.max_length))
            rolling = simple_evaluate(model=windows, tasks=names, task_manager=manager, log_samples=True, verbosity="WARNING")
            for key in ("results", "samples", "n-samples"):
                results.setdefault(key, {}).update(rolling.get(key, {}))
        return results
    except Exception as error:  # lm-eval raises many kinds; name the model and tasks once, here
        raise EvaluationError(f"lm-eval failed on {model_dir} for tasks {names}: {error}") from error


def read_scores(results: dict, config: EvalConfig, prepared: PreparedTasks | None) -> list[TaskScore]:
    scores = []
    for task in config.tasks:
        spec = TASKS[task]
        name = prepared.lm_eval_names[task] if prepared else spec.hub_task
        metrics = results.get("results", {}).get(name)
        if not metrics or "acc,none" not in metrics:
            raise EvaluationError(f"lm-eval returned no accuracy for {name}: got {sorted(metrics or {})}")
        acc, acc_se = float(metrics["acc,none"]), _se(metrics.get("acc_stderr,none"))
        norm = metrics.get("acc_norm,none")
        norm_se = _se(metrics.get("acc_norm_stderr,none"))
        use_norm = spec.metric == "acc_norm" and norm is not None
        items = results.get("n-samples", {}).get(name, {}).get("effective") or (prepared.items[task] if prepared else 0)
        chance = prepared.chance[task] if prepared else {"piqa": 0.5, "winogrande": 0.5, "siqa": 1 / 3, "commonsense_qa": 0.2}.get(task, 0.25)
        scores.append(TaskScore(
            task=task, metric="acc_norm" if use_norm else "acc", value=float(norm) if use_norm else acc,
            stderr=norm_se if use_norm else acc_se, chance=chance, items=int(items), acc=acc, acc_stderr=acc_se,
            acc_norm=float(norm) if norm is not None else None, acc_norm_stderr=norm_se if norm is not None else None,
        ))
        log.info("%s: %s %.4f ± %.4f (chance %.3f, %d items)", task, scores[-1].metric, scores[-1].value, scores[-1].stderr, chance, items)
    return scores


def read_items(results: dict, config: EvalConfig, prepared: PreparedTasks | None) -> list[dict]:
    """Every multiple-choice item's metrics (``items.choice_item``), tagged with its task."""
    rows = []
    for task in config.tasks:
        name = prepared.lm_eval_names[task] if prepared else TASKS[task].hub_task
        samples = results.get("samples", {}).get(name)
        if not samples:
            raise EvaluationError(f"lm-eval logged no samples for {name}: run it with log_samples=True")
        chance = prepared.chance[task] if prepared else sum(1 / len(s["arguments"]) for s in samples) / len(samples)
        for sample in samples:
            item = choice_item(sample)
            scored = item["acc_norm"] if TASKS[task].metric == "acc_norm" else item["acc"]
            # centred per item: its task mean is the task's centred accuracy (acc - chance) / (1 - chance)
            item["centred"] = (scored - 1 / len(sample["arguments"])) / (1 - chance)
            rows.append({"task": task, "item": str(sample["doc_id"]), **item})
    return rows


def read_heldout(results: dict, heldout: PreparedHeldout) -> list[dict]:
    """Every held-out document's bits and bytes, tagged with its domain."""
    rows = []
    for domain, name in heldout.lm_eval_names.items():
        samples = results.get("samples", {}).get(name)
        if not samples:
            raise EvaluationError(f"lm-eval logged no samples for held-out domain {domain} ({name})")
        rows += [{"domain": domain, "item": str(sample["doc"]["id"]), **rolling_item(sample)} for sample in samples]
    return rows


def _max_length(model_dir: Path, configured: int) -> int:
    """The configured length, but no longer than the positions the proxy was trained on: BPB beyond
    them measures RoPE extrapolation, not the data."""
    import json

    trained = json.loads((model_dir / "config.json").read_text()).get("max_position_embeddings") or configured
    return min(configured, int(trained))


def _se(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return number if math.isfinite(number) else float("nan")
