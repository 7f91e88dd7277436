"""Bad semantic dedup settings are refused with the field named; only output-deciding fields are versioned."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from factory.semantic_dedup import SemanticDedupConfig, SemanticDedupConfigError


@pytest.mark.parametrize(("overrides", "named"), [
    ({"clusters": 0}, "clusters"),
    ({"threshold": 1.5}, "threshold"),
    ({"threshold": 0}, "threshold"),
    ({"prune_prototypical": 1.0}, "prune_prototypical"),
    ({"prune_prototypical": -0.1}, "prune_prototypical"),
    ({"max_tokens": 4}, "max_tokens"),
    ({"kmeans_sample": 0}, "kmeans_sample"),
    ({"clusters": 100, "kmeans_sample": 50}, "kmeans_sample must be >= clusters (100)"),
    ({"input_asset": "raw_crawl"}, "input_asset must be one of"),
    ({"seed": "7"}, "seed"),
    ({"clusters": True}, "clusters"),
    ({"documents_per_task": 0}, "documents_per_task"),
    ({"treshold": 0.9}, "unknown setting 'treshold'"),
])
def test_a_bad_value_is_refused_naming_the_field(overrides, named):
    with pytest.raises(SemanticDedupConfigError, match=re.escape(named)) as caught:
        SemanticDedupConfig.from_overrides(overrides)
    bad = list(overrides.values())[-1]
    assert f"got {bad!r}" in str(caught.value) or "unknown" in named  # the value given, to find it in one's config


def test_direct_construction_refuses_too_and_names_the_field():
    with pytest.raises(ValidationError, match="threshold"):
        SemanticDedupConfig(threshold=2.0)


def test_the_config_is_frozen():
    with pytest.raises(ValidationError):
        SemanticDedupConfig().clusters = 3


def test_documents_per_task_sizes_tasks_but_is_not_versioned():
    small, large = SemanticDedupConfig(documents_per_task=10), SemanticDedupConfig(documents_per_task=10_000)
    assert small.versioned() == large.versioned()
    assert "documents_per_task" not in small.versioned()
    assert small.operational() == {"semantic_documents_per_task": 10}
    assert SemanticDedupConfig(threshold=0.9).versioned() != SemanticDedupConfig().versioned()
