"""GPU throughput for the two GPU stages: synthetic generation (output tokens/s per GPU) and proxy training.

Only rates measured on a GPU carry over to a GPU plan: the CPU demo's 80 tokens/s of
SmolLM2-135M says nothing about an H100. So a synthetic partition counts only when all its
accelerator-hours are ``cuda:*``, and a proxy_model partition only when it trained the planned
config on a GPU. Without one, generation uses the quoted H100 rate and training the FLOPs of the
config (6N + 12·L·d·T per token, the count the trainer reports MFU with) at an assumed MFU.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from factory.planning import defaults
from factory.planning.figures import Figure, assumed, derived, measured
from factory.planning.manifests import current_manifests
from factory.store import Manifest, Store
from factory.training.config import ModelShape, ProxyConfig
from factory.training.model import flops_per_token

log = logging.getLogger(__name__)
SYNTHETIC, PROXY_MODEL = "synthetic", "proxy_model"


@dataclass(frozen=True)
class GenerationRates:
    tokens_per_s: Figure  # output tokens per second per GPU
    output_ratio: Figure  # output tokens per prompt token


@dataclass(frozen=True)
class TrainingRate:
    config: str
    params: int
    flops_per_token: float
    tokens_per_s: Figure  # per GPU


# -- generation -------------------------------------------------------------------------------
def measure_generation(store: Store) -> GenerationRates:
    manifests = current_manifests(store, SYNTHETIC)
    return GenerationRates(_generation_rate(manifests), _output_ratio(manifests))


def _generation_rate(manifests: Sequence[Manifest]) -> Figure:
    on_gpu = [m for m in manifests if _generated_on_gpu(m) and _stat(m, "generation_s") > 0]
    if not on_gpu:
        elsewhere = len(manifests)
        why = (f"{elsewhere} synthetic partition(s) ran on CPU or a remote server, not counted" if elsewhere
               else "no synthetic partition in this store")
        default = defaults.GENERATION_TOKENS_PER_S
        return assumed("generation_tokens_per_s", default.value, default.unit, f"{why}; default: {default.basis}")
    tokens = sum(_stat(m, "tokens_out") for m in on_gpu)
    seconds = sum(_stat(m, "generation_s") for m in on_gpu)
    models = sorted({_model_name(m.config.get("model")) for m in on_gpu})
    devices = sorted({device for m in on_gpu for device in m.stats.get("accelerator_hours", {})})
    return measured("generation_tokens_per_s", tokens / seconds, defaults.GENERATION_TOKENS_PER_S.unit, len(on_gpu),
                    f"{tokens:,.0f} output tokens in {seconds:,.1f} GPU-s "
                    f"({', '.join(models)} on {', '.join(devices)})")


def _output_ratio(manifests: Sequence[Manifest]) -> Figure:
    """Output per prompt token: a property of the recipes and model, so CPU runs count too."""
    used = [m for m in manifests if _stat(m, "tokens_in") > 0]
    if not used:
        default = defaults.GENERATION_OUTPUT_RATIO
        return assumed("generation_output_ratio", default.value, default.unit, default.basis)
    tokens_out = sum(_stat(m, "tokens_out") for m in used)
    tokens_in = sum(_stat(m, "tokens_in") for m in used)
    return measured("generation_output_ratio", tokens_out / tokens_in, defaults.GENERATION_OUTPUT_RATIO.unit, len(used),
                    f"{tokens_out:,.0f} output over {tokens_in:,.0f} prompt tokens (prompts include the recipe's "
                    "template; the recipes' max_tokens cap outputs)")


def _generated_on_gpu(manifest: Manifest) -> bool:
    hours = manifest.stats.get("accelerator_hours") or {}
    return bool(hours) and all(str(device).startswith("cuda") for device in hours)


def _stat(manifest: Manifest, key: str) -> float:
    value = manifest.stats.get(key)
    return float(value) if isinstance(value, (int, float)) else 0.0


# -- training ---------------------------------------------------------------------------------
def parameter_count(shape: ModelShape) -> dict[str, int]:
    """Parameters of the Llama the trainer builds from ``shape`` (no biases), without building it."""
    d, heads = shape.hidden_size, shape.num_heads
    kv_dim = (shape.num_kv_heads or heads) * (d // heads)
    per_layer = 2 * d * d + 2 * d * kv_dim + 3 * d * shape.intermediate_size + 2 * d
    embedding = shape.vocab_size * d
    total = embedding + shape.num_layers * per_layer + d + (0 if shape.tie_embeddings else embedding)
    return {"params": total, "embedding_params": embedding, "non_embedding_params": total - embedding}


def measure_training(store: Store, config: ProxyConfig) -> TrainingRate:
    counts = parameter_count(config.model)
    per_token = flops_per_token(config, counts)
    manifests = [m for m in current_manifests(store, PROXY_MODEL) if _trained(m, config.name)]
    return TrainingRate(config.name, counts["params"], per_token, _training_rate(manifests, config, per_token))


def _trained(manifest: Manifest, config_name: str) -> bool:
    stats = manifest.stats
    on_gpu = stats.get("mfu") is not None or not str(stats.get("device", "cpu")).lower().startswith("cpu")
    return stats.get("config_name") == config_name and on_gpu and _stat(manifest, "tokens_per_s") > 0


def _training_rate(manifests: Sequence[Manifest], config: ProxyConfig, per_token: float) -> Figure:
    unit = "tokens/s/GPU"
    if manifests:
        rate = sum(_stat(m, "tokens_per_s") for m in manifests) / len(manifests)
        devices = sorted({str(m.stats.get("device")) for m in manifests})
        mfus = [m.stats["mfu"] for m in manifests if isinstance(m.stats.get("mfu"), (int, float))]
        mfu = f", MFU {sum(mfus) / len(mfus):.1%}" if mfus else ""
        return measured("training_tokens_per_s", rate, unit, len(manifests),
                        f"mean steady-state tokens/s of {config.name} on {', '.join(devices)}{mfu}")
    mfu = assumed("mfu", defaults.MFU.value, defaults.MFU.unit, defaults.MFU.basis)
    peak = assumed("peak_flops", defaults.PEAK_FLOPS.value, defaults.PEAK_FLOPS.unit, defaults.PEAK_FLOPS.basis)
    rate = mfu.value * peak.value / per_token
    log.info("no proxy_model partition trained %s on a GPU: %.0f tokens/s from FLOPs", config.name, rate)
    return derived("training_tokens_per_s", rate, unit, [mfu, peak],
                   f"no GPU run of {config.name} in this store: {mfu.value:.0%} MFU x {peak.value / 1e12:,.1f} TFLOP/s "
                   f"(H100 bf16) / {per_token:,.0f} FLOPs per token (6N + 12·L·d·T, N = "
                   f"{parameter_count(config.model)['params']:,} parameters)")


def _model_name(model: Any) -> str:
    """A version's generator model: a content identity (``{"name", "sha256"...}``), or a name in older versions."""
    return str(model.get("name", "?")) if isinstance(model, dict) else str(model or "?")
