"""The contamination index every mix reads, committed into a test's store (copied from the machine's cache
after the first build, so a store costs a file copy)."""

from __future__ import annotations

from factory.decontamination.config import DecontaminationConfig
from factory.decontamination.step import build_index
from factory.evaluation.config import EvalConfig
from factory.steps import StepResult
from factory.store import Store


def index_in(store: Store) -> StepResult:
    return build_index(store, EvalConfig(), DecontaminationConfig())
