"""The ``proxy_eval`` step: lm-eval on the current proxy checkpoint of a mix, scores to the store.

Identity: the checkpoint version, the task list and limit, and the checksums of the evaluation
files (recorded as the version's sources), so new data or a new checkpoint re-evaluates.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from factory import settings
from factory.evaluation.config import EvalConfig
from factory.evaluation.harness import read_scores, run_lm_eval
from factory.evaluation.scores import aggregate
from factory.evaluation.tasks import prepare_tasks
from factory.mixing.shards import local_file
from factory.steps import StepResult, reuse_committed
from factory.store import Store

log = logging.getLogger(__name__)
ASSET = "proxy_eval"
CODE_VERSION = "1"


def evaluate_proxy(store: Store, mix: str, config: EvalConfig, *, run_id: str | None = None) -> StepResult:
    model = store.require_current("proxy_model", mix)
    cache = settings.cache_dir()
    prepared = prepare_tasks(config.data_path, list(config.tasks), cache, config.limit) if config.source == "local" else None
    writer = store.writer(
        ASSET, mix, code_version=CODE_VERSION, config={"eval": config.identity()}, inputs=[store.input_ref(model)],
        sources=prepared.sources if prepared else (), operational=config.operational(), run_id=run_id,
    )
    if reused := reuse_committed(store, writer):
        return reused
    started = time.time()
    checkpoint = _checkpoint_folder(store, model, cache / "store-files")
    results = run_lm_eval(checkpoint, config, prepared)
    scores = read_scores(results, config, prepared)
    score, stderr = aggregate(scores)
    seconds = time.time() - started
    with writer.part(0) as part:
        part.write_table("scores", [s.row() for s in scores])
        part.count(tasks=len(scores), items=sum(s.items for s in scores))
    stats = {
        "aggregate_centred": score, "aggregate_stderr": stderr, "eval_seconds": round(seconds, 1),
        "scores": {s.task: {"metric": s.metric, "value": s.value, "stderr": s.stderr, "centred": s.centred, "centred_stderr": s.centred_stderr, "chance": s.chance, "items": s.items} for s in scores},
        "lm_eval_version": results.get("versions") and _lm_eval_version(),
    }
    manifest = writer.commit(stats=stats)
    log.info("proxy_eval %s: aggregate centred accuracy %.4f ± %.4f over %d tasks in %.0f s", mix, score, stderr, len(scores), seconds)
    return StepResult(manifest, reused=False, metadata={"aggregate_centred": score, "aggregate_stderr": stderr})


def _checkpoint_folder(store: Store, manifest, cache: Path) -> Path:
    paths = [local_file(store, manifest, entry.path, str(cache)) for entry in manifest.files_under("checkpoint")]
    if not paths:
        raise FileNotFoundError(f"{manifest.short} has no checkpoint/ files: retrain proxy_model for this mix")
    return Path(paths[0]).parent


def _lm_eval_version() -> str:
    from importlib.metadata import version

    return version("lm_eval")
