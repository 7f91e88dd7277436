"""The demo's failure message: the failed step and its innermost cause, even when the cause chain loops."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from assets.demo import _failures


@dataclass(eq=False)
class Error:
    cls_name: str
    message: str
    cause: Error | None = None


def test_a_cause_chain_that_loops_ends_in_one_line():
    outer, inner = Error("DagsterExecutionStepExecutionError", "Error occurred while executing filtered"), Error("ValueError", "bad extractor")
    outer.cause, inner.cause = inner, outer  # A caused by B caused by A: rich's printer spun forever on this
    failed = SimpleNamespace(step_key="filtered", event_specific_data=SimpleNamespace(error=outer))
    result = SimpleNamespace(get_step_failure_events=lambda: [failed])
    assert _failures(result) == ("  step filtered: DagsterExecutionStepExecutionError: Error occurred while executing "
                                 "filtered (cause: ValueError: bad extractor)")
