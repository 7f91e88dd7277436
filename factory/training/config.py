"""Proxy-model configs: model shape, context, batch and token budget, read from versioned YAML.

Fields that change the trained weights are the version's identity; ``device``, ``threads``,
``micro_batch`` (gradient accumulation gives the same update), ``log_every``, ``checkpoint_every``
and ``compile`` are operational, so changing them reuses a committed checkpoint.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

FULL_VOCAB = 49152


class ProxyConfigError(ValueError):
    """A proxy config that cannot be trained: names the field, the value and what is expected."""


@dataclass(frozen=True)
class ModelShape:
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int | None = None
    vocab_size: int = FULL_VOCAB  # below the tokenizer's size: a prefix of its BPE merges (see vocab.py)
    tie_embeddings: bool = True
    rope_theta: float = 10000.0

    def check(self, where: str) -> None:
        for name in ("hidden_size", "intermediate_size", "num_layers", "num_heads", "vocab_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ProxyConfigError(f"{where}: model.{name} must be a positive integer, got {value!r}")
        if self.hidden_size % self.num_heads:
            raise ProxyConfigError(f"{where}: model.hidden_size {self.hidden_size} must be divisible by num_heads {self.num_heads}")
        kv = self.num_kv_heads or self.num_heads
        if self.num_heads % kv:
            raise ProxyConfigError(f"{where}: model.num_heads {self.num_heads} must be divisible by num_kv_heads {kv}")
        if self.vocab_size > FULL_VOCAB:
            raise ProxyConfigError(f"{where}: model.vocab_size {self.vocab_size} exceeds the SmolLM2 tokenizer's {FULL_VOCAB}")


@dataclass(frozen=True)
class ProxyConfig:
    name: str
    model: ModelShape
    context: int = 256
    batch_size: int = 16  # sequences per optimizer step
    train_tokens: int = 1_000_000
    lr: float = 3e-3
    min_lr_ratio: float = 0.1
    warmup_steps: int = 20
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    beta2: float = 0.95
    seed: int = 0  # the first seed: seeds seed, seed + 1, ... each seed both the initialisation and the data order
    seeds: int = 1  # models trained per mix: the unit of noise when two mixes are compared
    precision: str = "auto"  # auto: bf16 autocast on CUDA and on CPUs with AMX, else fp32
    # operational
    processes: int = 1  # data-parallel processes on this node (one per GPU; gloo on CPU): same global batch
    micro_batch: int | None = None
    device: str = "auto"
    threads: int | None = None
    log_every: int = 10
    checkpoint_every: int = 200  # optimizer steps between resume checkpoints in the store (a few minutes of GPU time)
    compile: bool = False
    description: str = ""
    path: str = field(default="", compare=False)

    OPERATIONAL = ("processes", "micro_batch", "device", "threads", "log_every", "checkpoint_every", "compile", "description", "path")

    @property
    def tokens_per_step(self) -> int:
        return self.batch_size * self.context

    @property
    def steps(self) -> int:
        return max(1, -(-self.train_tokens // self.tokens_per_step))

    @property
    def seed_values(self) -> tuple[int, ...]:
        return tuple(range(self.seed, self.seed + self.seeds))

    @property
    def accumulation(self) -> int:
        micro = self.micro_batch or self.batch_size
        return max(1, self.batch_size // micro)

    def identity(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in self.OPERATIONAL}

    def operational(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.OPERATIONAL if k != "path"}

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain JSON types: ``from_dict`` rebuilds the same config (e.g. in a Pipes worker)."""
        return asdict(self)

    def with_overrides(self, **overrides: Any) -> ProxyConfig:
        raw = asdict(self) | {k: v for k, v in overrides.items() if v is not None}
        return ProxyConfig.from_dict(raw, where=self.path or self.name)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], where: str = "<dict>") -> ProxyConfig:
        if not isinstance(raw, dict):
            raise ProxyConfigError(f"{where}: a proxy config must be a mapping")
        known = {f.name for f in fields(cls)}
        if unknown := sorted(set(raw) - known):
            raise ProxyConfigError(f"{where}: unknown field(s) {unknown}; expected some of {sorted(known)}")
        model_raw = raw.get("model")
        if not isinstance(model_raw, dict):
            raise ProxyConfigError(f"{where}: model must be a mapping (hidden_size, intermediate_size, num_layers, num_heads, ...)")
        model_known = {f.name for f in fields(ModelShape)}
        if unknown := sorted(set(model_raw) - model_known):
            raise ProxyConfigError(f"{where}: unknown model field(s) {unknown}; expected some of {sorted(model_known)}")
        try:
            model = ModelShape(**model_raw)
        except TypeError as error:
            raise ProxyConfigError(f"{where}: model: {error}") from error
        model.check(where)
        config = cls(**{**raw, "model": model, "path": raw.get("path") or where})
        for name in ("context", "batch_size", "train_tokens", "log_every", "checkpoint_every", "seeds"):
            value = getattr(config, name)
            if not isinstance(value, int) or value <= 0:
                raise ProxyConfigError(f"{where}: {name} must be a positive integer, got {value!r}")
        if config.micro_batch is not None and (config.micro_batch <= 0 or config.batch_size % config.micro_batch):
            raise ProxyConfigError(f"{where}: micro_batch {config.micro_batch} must divide batch_size {config.batch_size}")
        if not isinstance(config.processes, int) or config.processes < 1 or config.batch_size % (config.processes * config.accumulation):
            raise ProxyConfigError(f"{where}: processes must be >= 1 and divide batch_size {config.batch_size} into whole "
                                   f"micro-batches on every process, got {config.processes}")
        if not config.lr > 0 or not 0 <= config.min_lr_ratio <= 1:
            raise ProxyConfigError(f"{where}: lr must be > 0 and min_lr_ratio in [0, 1], got {config.lr}, {config.min_lr_ratio}")
        if config.precision not in ("auto", "float32", "bfloat16"):
            raise ProxyConfigError(f"{where}: precision must be auto, float32 or bfloat16, got {config.precision!r}")
        return config


def configs_dir() -> Path:
    """FACTORY_PROXY_CONFIGS, or the configs shipped in the package (factory/configs/proxy)."""
    return Path(os.environ.get("FACTORY_PROXY_CONFIGS") or Path(__file__).resolve().parents[1] / "configs" / "proxy")


def load_proxy_config(name_or_path: str) -> ProxyConfig:
    """A config by name (``tiny-cpu``) from the configs folder, or by path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") and "/" not in name_or_path:  # a name ("proxy-1.7b"), not a path
        path = configs_dir() / f"{name_or_path}.yaml"
    if not path.exists():
        available = sorted(p.stem for p in configs_dir().glob("*.yaml"))
        raise ProxyConfigError(f"proxy config {name_or_path!r} not found at {path}: use one of {available} or a YAML path")
    raw = yaml.safe_load(path.read_text())
    config = ProxyConfig.from_dict(raw, where=str(path))
    return config
