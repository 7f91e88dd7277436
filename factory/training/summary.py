"""What ``proxy_model`` records: each seed's report in its part's marker, its loss-curve rows, and the
version's stats computed from the committed parts (so a rerun that trained only some seeds reports all)."""

from __future__ import annotations

from typing import Any

from factory.training.config import ProxyConfig
from factory.training.loop import TrainReport

CURVE_COLUMNS = ("step", "tokens", "loss", "lr")  # no wall-clock figure: the version's content hash is reproducible


def curve_rows(seed: int, curve: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The committed ``loss_curve`` rows of one seed (tokens/s stays in the logs and the stats)."""
    return [{"seed": seed, **{column: point[column] for column in CURVE_COLUMNS}} for point in curve]


def seed_stats(seed: int, report: TrainReport, epochs: float, mix_tokens: int) -> dict[str, Any]:
    """One seed's report, kept in its part's marker."""
    return {
        "seed": seed, "final_loss": report.final_loss, "tokens": report.tokens, "steps": report.steps, "epochs_over_mix": epochs,
        "train_seconds": report.seconds, "tokens_per_s": report.tokens_per_s, "resumed_from_step": report.resumed_from_step,
        "steps_run": report.steps - report.resumed_from_step, "params": report.params, "flops_per_token": report.flops_per_token,
        "mfu": report.mfu, "device": report.device, "device_name": report.device_name, "gpu_hours": report.gpu_hours,
        "mix_tokens": int(mix_tokens),
    }


def manifest_stats(config: ProxyConfig, seeds: list[dict[str, Any]], curves: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    """The version's stats from every seed's ``seed_stats`` (in seed order) and committed loss curve."""
    first = seeds[0]
    losses = [s["final_loss"] for s in seeds]
    per_seed = [{"seed": s["seed"], "init_seed": s["seed"], "data_order_seed": s["seed"], "final_loss": round(s["final_loss"], 4),
                 "tokens": s["tokens"], "epochs_over_mix": round(s["epochs_over_mix"], 3), "train_seconds": round(s["train_seconds"], 1),
                 "tokens_per_s": round(s["tokens_per_s"], 1), "resumed_from_step": s["resumed_from_step"], "steps_run": s["steps_run"]}
                for s in seeds]
    return {
        "config_name": config.name, "params": first["params"], "seeds": [s["seed"] for s in seeds], "per_seed": per_seed,
        "final_loss": round(sum(losses) / len(losses), 4), "final_loss_spread": round(max(losses) - min(losses), 4),
        "tokens_per_s": round(sum(s["tokens_per_s"] for s in seeds) / len(seeds), 1), "flops_per_token": first["flops_per_token"],
        "mfu": first["mfu"], "device": first["device_name"], "train_seconds": round(sum(s["train_seconds"] for s in seeds), 1),
        "gpu_hours": round(sum(s["gpu_hours"] for s in seeds), 6), "mix_tokens_model_vocab": first["mix_tokens"],
        "epochs_over_mix": per_seed[0]["epochs_over_mix"], "vocab_size": config.model.vocab_size,
        "loss_curve": curves[first["seed"]],
    }
