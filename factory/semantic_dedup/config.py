"""What ``semantic_deduped`` does, as a validated config: SemDeDup's settings (Abbas et al. 2023).

Documents are embedded (all-MiniLM-L6-v2, cut at ``max_tokens``), clustered with spherical k-means
(``clusters``, fitted on at most ``kmeans_sample`` embeddings drawn with ``seed``), and inside each
cluster a document whose cosine similarity to an already kept one exceeds ``threshold`` is removed.
``prune_prototypical`` then drops that fraction of each cluster's kept documents closest to its
centroid (0: off). Every field but ``documents_per_task`` decides the output and is versioned;
``documents_per_task`` only sizes the per-cluster tasks (memory), so changing it keeps the version.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

INPUT_ASSETS = ("deduped", "edu_filtered")  # per-dump assets with a ``documents`` table
OPERATIONAL = ("documents_per_task",)


class SemanticDedupConfigError(ValueError):
    """A semantic dedup setting with a bad value or an unknown name."""


class SemanticDedupConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    input_asset: str = "deduped"
    clusters: int = Field(256, ge=1)
    # Cosine similarity above which two documents of one cluster are near-duplicates. SemDeDup's
    # epsilon is 1 - threshold; with MiniLM, a C4 page with 5 words changed scored 0.967-0.996.
    threshold: float = Field(0.95, gt=0.0, le=1.0)
    prune_prototypical: float = Field(0.0, ge=0.0, lt=1.0)
    # Tokens of each document the embedder reads (MiniLM was trained at 256): pages that differ only
    # after them embed alike, so longer is safer and slower (about 38 documents/s per core at 128).
    max_tokens: int = Field(256, ge=16, le=512)
    kmeans_sample: int = Field(100_000, ge=1)
    seed: int = 0
    documents_per_task: int = Field(100_000, ge=1)  # operational: embeddings one dedup task holds

    @model_validator(mode="after")
    def _check(self) -> SemanticDedupConfig:
        if self.input_asset not in INPUT_ASSETS:
            raise ValueError(f"input_asset must be one of {INPUT_ASSETS}, got {self.input_asset!r}")
        if self.kmeans_sample < self.clusters:
            raise ValueError(f"kmeans_sample must be >= clusters ({self.clusters}) to fit them, "
                             f"got {self.kmeans_sample}")
        return self

    def versioned(self) -> dict[str, Any]:
        """The fields that decide the output: the version's config."""
        return self.model_dump(exclude=set(OPERATIONAL))

    def operational(self) -> dict[str, Any]:
        return {f"semantic_{key}": getattr(self, key) for key in OPERATIONAL}

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any] | None = None) -> SemanticDedupConfig:
        """A config from user settings; every bad field is named in one ``SemanticDedupConfigError``."""
        try:
            return cls(**dict(overrides or {}))
        except ValidationError as error:
            raise SemanticDedupConfigError(describe(error)) from None


def describe(error: ValidationError) -> str:
    """pydantic's errors as one line per field: name, problem, value given."""
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"])
        if not field:  # a check across fields: its message names them
            problems.append(item["msg"].removeprefix("Value error, "))
        elif item["type"] == "extra_forbidden":
            known = sorted(SemanticDedupConfig.model_fields)
            problems.append(f"unknown setting {field!r}: expected one of {known}")
        else:
            problems.append(f"{field}: {item['msg']}, got {item.get('input')!r}")
    return "semantic dedup config: " + "; ".join(problems)
