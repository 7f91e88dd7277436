"""Per-task scores and the aggregate: centred accuracy (acc - chance) / (1 - chance), as DCLM's CORE.

Centring puts every task on one scale (0 = chance, 1 = perfect), so tasks with 2 and 4 choices
average fairly. The aggregate's standard error treats tasks as independent samples:
sqrt(sum(se_i^2)) / T over the centred standard errors.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class TaskScore:
    task: str
    metric: str  # the one the aggregate uses
    value: float
    stderr: float
    chance: float
    items: int
    acc: float
    acc_stderr: float
    acc_norm: float | None = None
    acc_norm_stderr: float | None = None

    @property
    def centred(self) -> float:
        return centred(self.value, self.chance)

    @property
    def centred_stderr(self) -> float:
        return self.stderr / (1 - self.chance)

    def row(self) -> dict:
        return asdict(self) | {"centred": self.centred, "centred_stderr": self.centred_stderr}


def centred(value: float, chance: float) -> float:
    if not 0 <= chance < 1:
        raise ValueError(f"chance must be in [0, 1), got {chance}")
    return (value - chance) / (1 - chance)


def aggregate(scores: list[TaskScore]) -> tuple[float, float]:
    """Mean centred accuracy over tasks and its standard error."""
    if not scores:
        raise ValueError("no task scores to aggregate")
    mean = sum(s.centred for s in scores) / len(scores)
    stderr = math.sqrt(sum(s.centred_stderr ** 2 for s in scores)) / len(scores)
    return mean, stderr
