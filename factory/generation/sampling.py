"""Sampling settings: what a recipe asks of the model, in one frozen, validated object.

They are part of each synthetic row's lineage and of the step's version, so every field that
changes outputs is here and nothing operational is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class SamplingSettings:
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = -1  # -1: no top-k cut (vLLM's convention; 0 for transformers)
    repetition_penalty: float = 1.0
    max_tokens: int = 512

    def __post_init__(self) -> None:
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"sampling.temperature must be in [0, 2], got {self.temperature}")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"sampling.top_p must be in (0, 1], got {self.top_p}")
        if self.top_k == 0 or self.top_k < -1:
            raise ValueError(f"sampling.top_k must be -1 (off) or > 0, got {self.top_k}")
        if not 0.5 <= self.repetition_penalty <= 2.0:
            raise ValueError(f"sampling.repetition_penalty must be in [0.5, 2], got {self.repetition_penalty}")
        if self.max_tokens < 1:
            raise ValueError(f"sampling.max_tokens must be >= 1, got {self.max_tokens}")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], where: str = "sampling") -> SamplingSettings:
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"{where}: unknown sampling fields {sorted(unknown)}; expected {sorted(cls.__dataclass_fields__)}")
        return cls(**raw)

    def replace(self, **changes: Any) -> SamplingSettings:
        return SamplingSettings(**{**asdict(self), **{k: v for k, v in changes.items() if v is not None}})
