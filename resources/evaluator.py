"""Proxy evaluation as a Dagster resource: tasks, per-task limit, data folder and lm-eval backend."""


from typing import ClassVar

from pydantic import Field

from factory.evaluation import EvalConfig
from factory.evaluation.config import EARLY_SIGNAL
from factory.settings import env_int
from resources.checked import CheckedResource


class EvaluatorResource(CheckedResource):
    key: ClassVar[str] = "evaluator"

    tasks: list[str] | None = Field(default=None, description="task names; default FineWeb's early-signal set")
    limit: int | None = Field(default=None, description="items per task; default FACTORY_EVAL_LIMIT, else all")
    data_dir: str | None = Field(default=None, description="evaluation data folder; default FACTORY_EVAL_DATA or ../shared/data/eval")
    source: str = Field(default="local", description="local task YAMLs over the data folder, or hub (lm-eval's standard tasks, online)")
    heldout: list[str] | None = Field(default=None, description="held-out domains scored in bits per byte; default c4, english_corpus, sciq_passages")
    heldout_docs: int | None = Field(default=200, description="documents per held-out domain (None: all)")
    batch_size: int = 32
    device: str = "auto"
    threads: int | None = None

    def check_config(self) -> None:  # tasks, held-out domains, limits: EvalConfig names the bad one
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        self.get_config()

    def get_config(self) -> EvalConfig:
        limit = self.limit if self.limit is not None else env_int("FACTORY_EVAL_LIMIT", "items per task")
        return EvalConfig(
            tasks=tuple(self.tasks or EARLY_SIGNAL), limit=limit, source=self.source, data_dir=self.data_dir,
            heldout=tuple(self.heldout) if self.heldout is not None else EvalConfig.heldout, heldout_docs=self.heldout_docs,
            batch_size=self.batch_size, device=self.device, threads=self.threads,
        )


