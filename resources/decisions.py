"""How the leaderboard decides between mixes: the primary metric, the confidence and the minimum effect."""

from typing import ClassVar

from dagster import ConfigurableResource
from pydantic import Field, field_validator, model_validator

from factory.evaluation.ranking import DecisionConfig
from factory.evaluation.repetition import FLAG_REPEATS_OVER
from factory.evaluation.metrics import METRICS


class DecisionsResource(ConfigurableResource):
    """Every pair of mixes is compared on ``primary_metric`` with the seed as the unit of noise."""

    key: ClassVar[str] = "decisions"

    primary_metric: str = Field(default="task_bpb", description=f"the metric that ranks and decides: one of {sorted(METRICS)}; "
                                                                "task_bpb (or heldout_bpb) at CPU scale, centred_acc at GPU scale")
    confidence: float = Field(default=0.95, description="confidence of every pairwise interval and decision")
    min_effect: float = Field(default=0.0, description="a candidate is promoted only if its interval clears this, in the metric's units")
    resamples: int = Field(default=2000, description="bootstrap resamples per comparison")
    flag_repeats_over: float = Field(default=FLAG_REPEATS_OVER, description="a mix repeating one source more times than this is "
                                                                            "flagged on the mix and the leaderboard")

    @field_validator("primary_metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:  # checked when the resources are built, before any run starts
        if value not in METRICS:
            raise ValueError(f"unknown metric {value!r}: choose from {sorted(METRICS)}")
        return value

    @model_validator(mode="after")
    def _valid_config(self) -> "DecisionsResource":  # confidence, min_effect, resamples: before any run starts
        if self.resamples < 1:
            raise ValueError(f"resamples must be >= 1, got {self.resamples}")
        DecisionConfig(self.primary_metric, self.confidence, self.min_effect, self.resamples, self.flag_repeats_over)
        return self

    def get_config(self) -> DecisionConfig:
        try:
            return DecisionConfig(self.primary_metric, self.confidence, self.min_effect, self.resamples, self.flag_repeats_over)
        except ValueError as error:
            raise ValueError(f"resources.decisions: {error}") from None
