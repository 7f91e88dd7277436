"""The ``proxy_model`` step: train a proxy on the current ``mixed`` version of a mix, checkpoint to the store.

The version is input-addressed over the mix version and the config's identity, so a new mix
version trains a new proxy and a rerun with the same inputs reuses the committed checkpoint.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path

from factory import settings
from factory.mixing.shards import read_tokens
from factory.steps import StepResult, reuse_committed
from factory.store import Store
from factory.training.config import FULL_VOCAB, ProxyConfig
from factory.training.data import TokenBatches
from factory.training.loop import train
from factory.training.model import build_model
from factory.training.plot import plot_loss_curve

log = logging.getLogger(__name__)
ASSET = "proxy_model"
CODE_VERSION = "1"
CHECKPOINT = "checkpoint"
TOKENIZER_FILES = ("tokenizer_config.json", "special_tokens_map.json")


def train_proxy(
    store: Store, mix: str, config: ProxyConfig, *, tokenizer_dir: Path | None = None, run_id: str | None = None,
) -> StepResult:
    from factory.models import ensure_smollm2

    mixed = store.require_current("mixed", mix)
    tokenizer_dir = tokenizer_dir or ensure_smollm2()
    writer = store.writer(
        ASSET, mix, code_version=CODE_VERSION, config={"proxy": config.identity()}, inputs=[store.input_ref(mixed)],
        operational=config.operational(), run_id=run_id,
    )
    if reused := reuse_committed(store, writer):
        return reused
    cache = settings.cache_dir() / "store-files"
    tokens = read_tokens(store, mixed, str(cache))  # memory-mapped shards: the mix is bounded by disk
    tokenizer_json = json.loads((tokenizer_dir / "tokenizer.json").read_text())
    if config.model.vocab_size < FULL_VOCAB:
        from factory.training.vocab import build_vocab_map

        vocab_map = build_vocab_map(tokenizer_dir, config.model.vocab_size)
        mapped = cache / "vocab-mapped" / f"{mixed.version}-{config.model.vocab_size}.bin"
        tokens, tokenizer_json = vocab_map.map_to_file(tokens.iter_blocks(), mapped), vocab_map.tokenizer_json
    batches = TokenBatches(tokens, config.context, config.batch_size, seed=config.seed)
    if config.processes > 1:
        from factory.training.data_parallel import token_files_of, train_data_parallel

        model, report = train_data_parallel(config, token_files_of(tokens))
    else:
        model = build_model(config)
        report = train(model, batches, config)
    epochs = batches.epochs_for(report.tokens)
    with tempfile.TemporaryDirectory() as tmp, writer.part(0) as part:
        folder = Path(tmp) / CHECKPOINT
        model.to("cpu").save_pretrained(folder)
        (folder / "tokenizer.json").write_text(json.dumps(tokenizer_json, ensure_ascii=False))
        for name in TOKENIZER_FILES:
            if (tokenizer_dir / name).exists():
                shutil.copy(tokenizer_dir / name, folder / name)
        for path in sorted(folder.iterdir()):
            part.put_file(str(path), f"{CHECKPOINT}/{path.name}")
        png = plot_loss_curve(report.curve, Path(tmp) / "loss_curve.png", f"{mix}: {config.name} ({report.params['params'] / 1e6:.1f}M params)")
        part.put_file(str(png), "plots/loss_curve.png")
        part.write_table("loss_curve", report.curve)
        part.count(tokens_trained=report.tokens, steps=report.steps, params=report.params["params"])
    stats = {
        "config_name": config.name, "params": report.params, "final_loss": round(report.final_loss, 4),
        "tokens_per_s": round(report.tokens_per_s, 1), "flops_per_token": report.flops_per_token,
        "mfu": report.mfu, "device": report.device_name, "train_seconds": round(report.seconds, 1),
        "gpu_hours": round(report.gpu_hours, 6), "mix_tokens_model_vocab": int(len(tokens)), "epochs_over_mix": round(epochs, 3),
        "vocab_size": config.model.vocab_size, "loss_curve": report.curve,
    }
    manifest = writer.commit(stats=stats)
    log.info("proxy %s on %s: loss %.3f, %.0f tokens/s, %d tokens in %.0f s", config.name, mix, report.final_loss, report.tokens_per_s, report.tokens, report.seconds)
    return StepResult(manifest, reused=False, metadata={k: v for k, v in stats.items() if k != "loss_curve"})
