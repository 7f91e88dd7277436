"""proxy_model survives preemption: a run killed after a resume checkpoint (or between seeds) is finished by a
rerun that redoes at most one checkpoint interval and commits exactly the version an uninterrupted run commits;
the checkpoints load with safetensors and JSON alone."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mixing.helpers import c4_texts, write_documents

from factory.mixing import MixRecipe
from factory.mixing.step import build_mix
from factory.store import Store
from factory.training import step as proxy_step
from factory.training.checkpoint import MODEL_FILE, OPTIMIZER_FILE, STATE_FILE, CheckpointFolder
from factory.training.config import load_proxy_config
from factory.training.data import TokenBatches
from factory.training.loop import train
from factory.training.model import build_model
from support.contamination import index_in

REPO = Path(__file__).resolve().parents[2]
MIX = "web"
# 20 steps, a checkpoint every 5; log_every 4 leaves a half-logged interval in every checkpoint.
CONFIG = load_proxy_config("test-micro").with_overrides(seeds=2, log_every=4)
DRIVER = (
    "import sys\n"
    "from factory.store import Store\n"
    "from factory.training.config import load_proxy_config\n"
    "from factory.training.step import train_proxy\n"
    "train_proxy(Store(sys.argv[1]), sys.argv[2], load_proxy_config('test-micro').with_overrides(seeds=2, log_every=4))\n"
)


@pytest.fixture(scope="module")
def mix_store(tmp_path_factory, shared_data) -> Path:
    """A store holding one real C4 mix (12k tokens): copied, never written, by each test."""
    root = tmp_path_factory.mktemp("mix") / "store"
    store = Store(str(root))
    write_documents(store, "deduped", "c4a", c4_texts(shared_data, 30), tag="c4a")
    recipe = {"name": MIX, "total_tokens": 12_000, "max_repeats": 2, "sources": [{"asset": "deduped", "weight": 1}]}
    index_in(store)
    build_mix(store, MixRecipe.from_dict(recipe))
    return root


@pytest.fixture(scope="module")
def uninterrupted(mix_store, tmp_path_factory):
    """The version a run that never stopped commits."""
    return proxy_step.train_proxy(_copy(mix_store, tmp_path_factory.mktemp("reference")), MIX, CONFIG).manifest


def test_killed_after_a_checkpoint_resumes_it_and_commits_the_uninterrupted_version(mix_store, uninterrupted, tmp_path, monkeypatch):
    store = _copy(mix_store, tmp_path)
    _killed_run(store, "checkpoint_saved@2")  # seed 0, right after its step-10 checkpoint
    resume = _version_dir(store, uninterrupted) / "_resume" / "seed-0"
    assert sorted(p.name for p in resume.iterdir()) == ["step-00000010"]  # the step-5 checkpoint was replaced

    trained = _count_training(monkeypatch)
    manifest = proxy_step.train_proxy(store, MIX, CONFIG).manifest
    per_seed = manifest.stats["per_seed"]
    assert trained == [0, 1]
    killed_at = 2 * CONFIG.checkpoint_every  # the steps the killed run had done
    redone = killed_at - per_seed[0]["resumed_from_step"]
    assert 0 <= redone <= CONFIG.checkpoint_every and per_seed[0]["steps_run"] == CONFIG.steps - per_seed[0]["resumed_from_step"]
    assert per_seed[0]["resumed_from_step"] == 10  # killed right after its step-10 checkpoint: nothing redone
    assert per_seed[1]["resumed_from_step"] == 0 and per_seed[1]["steps_run"] == CONFIG.steps
    assert manifest.version == uninterrupted.version and manifest.content_hash == uninterrupted.content_hash
    weights = "checkpoints/seed-0/model.safetensors"
    assert _sha256(store, manifest, weights) == _sha256(store, uninterrupted, weights)
    assert manifest.stats["loss_curve"] == uninterrupted.stats["loss_curve"] and manifest.parts == 3
    assert not (_version_dir(store, manifest) / "_resume").exists()


def test_killed_between_seeds_trains_only_the_remaining_seeds(mix_store, uninterrupted, tmp_path, monkeypatch):
    store = _copy(mix_store, tmp_path)
    _killed_run(store, "part_committed@1")  # seed 0 is committed, seed 1 not started
    trained = _count_training(monkeypatch)
    manifest = proxy_step.train_proxy(store, MIX, CONFIG).manifest
    assert trained == [1]
    assert manifest.content_hash == uninterrupted.content_hash
    assert manifest.stats["seeds"] == [0, 1] and manifest.counts["seeds"] == 2 and manifest.counts["tokens_trained"] == 2 * 20 * 8 * 64
    curve = store.read_table(manifest, "loss_curve")
    assert curve.column_names == ["seed", "step", "tokens", "loss", "lr"] and curve.num_rows == 2 * 5  # no wall-clock column


def test_checkpoints_hold_no_pickle_and_resume_bit_identically(store, mix_store, tmp_path):
    """On a local folder and on S3: the newest checkpoint replaces the older ones, loads without pickle, and
    resuming from it gives the weights and loss curve of the run that wrote it."""
    from safetensors import safe_open

    source = Store(str(mix_store))
    tokens, _tokenizer = proxy_step.model_tokens(source, source.require_current("mixed", MIX), CONFIG, _smollm2())
    config = CONFIG.with_overrides(seeds=1)
    folder = CheckpointFolder(store, f"{store.root}/proxy_model/{MIX}/v/_resume/seed-0")
    whole = build_model(config)
    report = train(whole, TokenBatches(tokens, config.context, config.batch_size), config, on_checkpoint=folder.save)

    (step_dir,) = {p.rsplit("/", 2)[1] for p in store.glob(f"{folder.path}/step-*/*")}  # older checkpoints deleted
    assert step_dir == "step-00000015"
    keys = {}
    for name in (MODEL_FILE, OPTIMIZER_FILE):
        local = tmp_path / name
        local.write_bytes(store.get(f"{folder.path}/{step_dir}/{name}"))
        with safe_open(str(local), framework="pt") as handle:  # safetensors: a JSON header and raw tensors, nothing to unpickle
            keys[name] = set(handle.keys())
    assert "model.embed_tokens.weight" in keys[MODEL_FILE] and "lm_head.weight" not in keys[MODEL_FILE]  # tied: stored once
    assert {"state.0.exp_avg", "state.0.exp_avg_sq", "state.0.step", "rng.cpu"} <= keys[OPTIMIZER_FILE]
    state = json.loads(store.get(f"{folder.path}/{step_dir}/{STATE_FILE}"))
    assert state["step"] == 15 and state["windows"] == 15 * config.batch_size and state["interval_steps"] == 3

    latest = folder.latest()
    resumed = build_model(config, seed=99)  # the checkpoint, not the initialisation, decides the weights
    again = train(resumed, TokenBatches(tokens, config.context, config.batch_size, start=latest.windows), config, resume=latest)
    assert again.resumed_from_step == 15 and again.steps == report.steps
    assert [(p["step"], p["loss"], p["lr"]) for p in again.curve] == [(p["step"], p["loss"], p["lr"]) for p in report.curve]
    assert all((a == b).all() for a, b in zip(whole.parameters(), resumed.parameters(), strict=True))
    folder.remove()
    assert not store.glob(f"{folder.path}/**")


def _copy(mix_store: Path, tmp_path: Path) -> Store:
    root = tmp_path / "store"
    shutil.copytree(mix_store, root)
    return Store(str(root))


def _killed_run(store: Store, crash_at: str) -> None:
    env = {**os.environ, "FACTORY_CRASH_AT": crash_at}
    command = [sys.executable, "-c", DRIVER, str(store.root_uri), MIX]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == -9, f"expected SIGKILL at {crash_at}, got {done.returncode}: {done.stderr[-2000:]}"


def _count_training(monkeypatch) -> list[int]:
    """The seeds the next train_proxy call trains."""
    trained, original = [], proxy_step._train_seed
    monkeypatch.setattr(proxy_step, "_train_seed", lambda config, *args: trained.append(config.seed) or original(config, *args))
    return trained


def _version_dir(store: Store, manifest) -> Path:
    return Path(store.version_dir(proxy_step.ASSET, MIX, manifest.version))


def _sha256(store: Store, manifest, relpath: str) -> str:
    return hashlib.sha256(store.get(f"{store.version_dir(manifest.asset, manifest.partition, manifest.version)}/{relpath}")).hexdigest()


def _smollm2() -> Path:
    from factory.models import ensure_smollm2

    return ensure_smollm2()
