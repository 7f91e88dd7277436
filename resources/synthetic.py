"""Settings of the synthetic step as a Dagster resource: source asset, sizes, check thresholds.

The sensor and the asset read the same resource, so the source asset the sensor watches is the
one the asset reads. Everything here except ``recipes`` and ``dumps`` (what the sensor requests),
``workers`` and ``min_accepted_share`` (a check, not a filter) enters the store version of a partition.
Every field is checked when the resource is built: recipes must be recipe files, dumps and the source
asset safe partition keys, shares fractions, sizes positive.
"""

from typing import ClassVar

from pydantic import Field

from factory.generation import DiversityThresholds, OutputChecks, SyntheticConfig
from factory.generation.checks import UNFAITHFUL_MIN_SCORE
from factory.generation.recipes import NAME as RECIPE_NAME
from factory.generation.recipes import RECIPES_DIR, load_recipe
from factory.mixing.bounds import SourceBound
from factory.store.partitions import check_value
from resources.checked import CheckedResource

SHARES = ("looping_max_repeat_share", "copied_max_share", "unfaithful_min_score", "min_accepted_share", "max_same_first_sentence_share", "min_distinct_2")


class SyntheticSettingsResource(CheckedResource):
    key: ClassVar[str] = "synthetic_settings"

    source_asset: str = Field(default="deduped", description="any dataset asset with a `documents` table, partitioned by dump")
    recipes: list[str] | None = Field(default=None, description="recipes the generation sensor requests; default every recipe file")
    dumps: list[str] | None = Field(default=None, description="dumps the generation sensor requests; default every dump")
    max_documents: int | None = Field(default=None, description="cap on source documents per partition (demo sizes)")
    chunk_size: int = Field(default=32, description="documents per committed chunk: a preemption costs at most one")
    max_tokens: int | None = Field(default=None, description="overrides every recipe's max_tokens")
    workers: int = Field(default=1, ge=1, description="worker processes (one engine, one GPU each) per partition: operational")
    empty_min_words: int | None = 10
    looping_max_repeat_share: float | None = 0.5
    copied_max_share: float | None = 0.7
    unfaithful_min_score: float | None = Field(
        default=UNFAITHFUL_MIN_SCORE, description="outputs whose faithfulness to their source scores below this are rejected "
                                                  "as unfaithful (factory/generation/faithfulness.py); null: scored, not gated")
    truncated: str = Field(default="reject", description="outputs that hit max_tokens: reject, trim (to the last full sentence) or keep")
    min_accepted_share: float = Field(default=0.05, description="blocking check: below this share of kept outputs the partition fails")
    max_same_first_sentence_share: float = 0.2
    min_distinct_2: float = 0.3
    max_compression_ratio: float = 6.0

    def check_config(self) -> None:
        known = sorted(path.stem for path in RECIPES_DIR.glob("*.yaml"))
        for name in self.recipes or []:
            if not isinstance(name, str) or not RECIPE_NAME.match(name) or name not in known:
                raise ValueError(f"recipes: unknown recipe {name!r}: choose from {known} (the files in {RECIPES_DIR})")
            load_recipe(name)  # a malformed file fails here, naming its field
        for dump in self.dumps or []:
            check_value(dump, "dumps entry")
        check_value(self.source_asset, "source_asset")
        for name in SHARES:
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a fraction in [0, 1]{' or null (off)' if name in SHARES[:3] else ''}, got {value}")
        for name in ("max_documents", "max_tokens", "empty_min_words"):
            value = getattr(self, name)
            if value is not None and value < (0 if name == "empty_min_words" else 1):
                raise ValueError(f"{name} must be >= {0 if name == 'empty_min_words' else 1} or null, got {value}")
        if self.max_compression_ratio <= 0:
            raise ValueError(f"max_compression_ratio must be > 0, got {self.max_compression_ratio}")
        self.step_config()  # the step's own checks: chunk_size, truncated, ...

    def step_config(self) -> SyntheticConfig:
        checks = OutputChecks(
            empty_min_words=self.empty_min_words, looping_max_repeat_share=self.looping_max_repeat_share,
            copied_max_share=self.copied_max_share, unfaithful_min_score=self.unfaithful_min_score, truncated=self.truncated,
        )
        return SyntheticConfig(
            source_asset=self.source_asset, max_documents=self.max_documents, chunk_size=self.chunk_size,
            max_tokens=self.max_tokens, checks=checks,
        )

    def token_bound(self) -> SourceBound | None:
        """The most tokens the sensor's synthetic partitions can hold (dumps x recipes x max_documents outputs of at
        most max_tokens each), or None when a dump list or a document cap is missing (no bound)."""
        if not self.dumps or not self.max_documents:
            return None
        recipes = self.recipes or sorted(path.stem for path in RECIPES_DIR.glob("*.yaml"))
        per_output = self.max_tokens or max(load_recipe(name).sampling.max_tokens for name in recipes)
        tokens = len(self.dumps) * len(recipes) * self.max_documents * per_output
        return SourceBound(tokens, f"synthetic_settings: {len(self.dumps)} dump(s) x {len(recipes)} recipe(s) x "
                                   f"max_documents {self.max_documents} x max_tokens {per_output}")

    def diversity_thresholds(self) -> DiversityThresholds:
        return DiversityThresholds(self.max_same_first_sentence_share, self.min_distinct_2, self.max_compression_ratio)
