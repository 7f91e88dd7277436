"""The ``proxy_model`` step: train a proxy per seed on the current ``mixed`` version of a mix, checkpoints to the store.

Each seed (``config.seeds`` of them, from ``config.seed``) sets both the initialisation and the
data order, and is one checkpoint ``checkpoints/seed-<s>/``: the seed is the unit of noise when
two mixes are compared. The version is input-addressed over the mix version and the config's
identity, so a new mix version trains new proxies and a rerun reuses the committed checkpoints.

A preempted run loses at most one checkpoint interval. Seed ``i`` is part ``i`` of the version (its
checkpoint, its ``loss_curve`` rows, its report in the part's marker), so a rerun skips the seeds
already committed; within a seed the training state goes to ``_resume/seed-<s>/`` in the uncommitted
version every ``checkpoint_every`` steps (``factory.training.checkpoint``) and a rerun continues from
it, bit-identically on CPU. The last part holds the loss-curve plot drawn from the seeds' parts;
``_resume/`` is deleted before the manifest commits the version.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import tempfile
from pathlib import Path

from factory import settings
from factory.mixing.shards import read_tokens
from factory.models.checkpoints import checkpoint_dir
from factory.models.identity import tokenizer_identity
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Store, VersionWriter, tables
from factory.training.checkpoint import RESUME_DIR, CheckpointFolder
from factory.training.config import FULL_VOCAB, ProxyConfig
from factory.training.data import TokenBatches
from factory.training.loop import train
from factory.training.model import build_model
from factory.training.plot import plot_loss_curves
from factory.training.summary import curve_rows, manifest_stats, seed_stats

log = logging.getLogger(__name__)
# code versions: 2: one checkpoint per seed under checkpoints/seed-<s>/
# 3: one part per seed and a last part for the plot (a rerun skips committed seeds and resumes from _resume/
#    checkpoints); loss_curve rows without tokens_per_s, so the content hash is reproducible
STEP = Step("proxy_model", code_version="3", libraries=("torch", "transformers", "numpy"))
ASSET = STEP.asset
TOKENIZER_FILES = ("tokenizer_config.json", "special_tokens_map.json")


def train_proxy(
    store: Store, mix: str, config: ProxyConfig, *, tokenizer_dir: Path | None = None, run_id: str | None = None,
) -> StepResult:
    from factory.models import ensure_smollm2

    tokenizer_dir = tokenizer_dir or ensure_smollm2()
    plan = plan_proxy(store, mix, config, tokenizer_dir)
    return run_step(store, plan, lambda writer: _train(writer, plan.inputs[0], mix, config, tokenizer_dir),
                    operational=config.operational(), run_id=run_id)


def plan_proxy(store: Store, mix: str, config: ProxyConfig, tokenizer_dir: Path | None = None) -> StepPlan:
    """The version: the mix's current version, the proxy's identity and the tokenizer."""
    from factory.models import ensure_smollm2

    mixed = store.require_current("mixed", mix)
    identity = {"proxy": config.identity(), "tokenizer": tokenizer_identity(tokenizer_dir or ensure_smollm2())}
    return STEP.plan(mix, identity, inputs=[mixed])


def _train(writer: VersionWriter, mixed, mix: str, config: ProxyConfig, tokenizer_dir: Path) -> StepResult:
    store = writer.store
    seeds = config.seed_values
    done = writer.committed_parts()
    todo = [(index, seed) for index, seed in enumerate(seeds) if index not in done]
    if len(todo) < len(seeds):
        log.info("proxy %s on %s: resuming, seeds %s already committed", config.name, mix, [s for i, s in enumerate(seeds) if i in done])
    if todo:
        tokens, tokenizer_json = model_tokens(store, mixed, config, tokenizer_dir)
        for index, seed in todo:
            _train_seed_part(writer, index, dataclasses.replace(config, seed=seed), tokens, tokenizer_dir, tokenizer_json)
    parts = writer.committed_parts()
    per_seed = [parts[index]["stats"] for index in range(len(seeds))]
    curves = _committed_curves(writer)
    if len(seeds) not in parts:
        params = per_seed[0]["params"]["params"]
        _plot_part(writer, len(seeds), curves, f"{mix}: {config.name} ({params / 1e6:.1f}M params, {len(curves)} seeds)", params)
    CheckpointFolder(store, f"{writer.dir}/{RESUME_DIR}").remove()  # every seed is committed: nothing left to resume
    manifest = writer.commit(stats=manifest_stats(config, per_seed, curves))
    log.info("proxy %s on %s: %d seeds, loss %s", config.name, mix, len(seeds), [round(s["final_loss"], 3) for s in per_seed])
    return StepResult(manifest, reused=False, metadata={k: v for k, v in manifest.stats.items() if k not in ("loss_curve", "per_seed")})


def resume_dir(writer: VersionWriter, seed: int) -> str:
    """Where one seed's resume checkpoints live while the version is being written."""
    return f"{writer.dir}/{RESUME_DIR}/seed-{seed}"


def model_tokens(store: Store, mixed, config: ProxyConfig, tokenizer_dir: Path):
    """The mix's tokens in the model's vocabulary (memory-mapped: the mix is bounded by disk) and its tokenizer."""
    cache = settings.cache_dir() / "store-files"
    tokens = read_tokens(store, mixed, str(cache))
    tokenizer_json = json.loads((tokenizer_dir / "tokenizer.json").read_text())
    if config.model.vocab_size < FULL_VOCAB:
        from factory.training.vocab import build_vocab_map

        vocab_map = build_vocab_map(tokenizer_dir, config.model.vocab_size)
        mapped = cache / "vocab-mapped" / f"{mixed.version}-{config.model.vocab_size}.bin"
        tokens, tokenizer_json = vocab_map.map_to_file(tokens.iter_blocks(), mapped), vocab_map.tokenizer_json
    return tokens, tokenizer_json


def _train_seed_part(writer: VersionWriter, index: int, config: ProxyConfig, tokens, tokenizer_dir: Path, tokenizer_json: dict) -> None:
    """Train seed ``config.seed`` (from its newest resume checkpoint, if any) and commit it as part ``index``."""
    seed = config.seed
    checkpoints = CheckpointFolder(writer.store, resume_dir(writer, seed))
    model, report, epochs = _train_seed(config, tokens, checkpoints)
    with tempfile.TemporaryDirectory() as tmp, writer.part(index) as part:
        folder = Path(tmp) / f"seed-{seed}"
        _save_checkpoint(model, folder, tokenizer_dir, tokenizer_json)
        for path in sorted(folder.iterdir()):
            part.put_file(str(path), f"{checkpoint_dir(seed)}/{path.name}")
        part.write_table("loss_curve", curve_rows(seed, report.curve))
        part.count(tokens_trained=report.tokens, steps=report.steps, seeds=1)
        part.stats.update(seed_stats(seed, report, epochs, mix_tokens=len(tokens)))
    checkpoints.remove()  # the seed is committed: its resume state is no longer needed


def _train_seed(config: ProxyConfig, tokens, checkpoints: CheckpointFolder):
    """One model: initialised from ``config.seed`` and fed windows in the order ``config.seed`` draws."""
    if config.processes > 1:
        from factory.training.data_parallel import token_files_of, train_data_parallel

        model, report = train_data_parallel(config, token_files_of(tokens), checkpoints)
        batches = TokenBatches(tokens, config.context, config.batch_size, seed=config.seed)
    else:
        state = checkpoints.latest()
        batches = TokenBatches(tokens, config.context, config.batch_size, seed=config.seed, start=state.windows if state else 0)
        model = build_model(config, seed=config.seed)
        report = train(model, batches, config, resume=state, on_checkpoint=checkpoints.save)
    return model, report, batches.epochs_for(report.tokens)


def _committed_curves(writer: VersionWriter) -> dict[int, list[dict]]:
    """Each seed's loss curve, read back from the committed parts' ``loss_curve`` rows."""
    curves: dict[int, list[dict]] = {}
    for relpath in writer.committed_files("loss_curve"):
        for row in tables.decode(writer.store.get(f"{writer.dir}/{relpath}"), relpath).to_pylist():
            curves.setdefault(row.pop("seed"), []).append(row)
    return curves


def _plot_part(writer: VersionWriter, index: int, curves: dict[int, list[dict]], title: str, params: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, writer.part(index) as part:
        png = plot_loss_curves(curves, Path(tmp) / "loss_curve.png", title)
        part.put_file(str(png), "plots/loss_curve.png")
        part.count(params=params)


def _save_checkpoint(model, folder: Path, tokenizer_dir: Path, tokenizer_json: dict) -> None:
    model.to("cpu").save_pretrained(folder)
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer_json, ensure_ascii=False))
    for name in TOKENIZER_FILES:
        if (tokenizer_dir / name).exists():
            shutil.copy(tokenizer_dir / name, folder / name)
