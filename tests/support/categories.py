"""The default category classifier committed into a test's store: an input of `filtered` and `synthetic`, which fail
without it (copied from the machine's cache after the first training, so a store costs a file copy)."""

from __future__ import annotations

from factory.categories.step import build_category_classifier
from factory.steps import StepResult
from factory.store import Store


def classifier_in(store: Store) -> StepResult:
    return build_category_classifier(store)
