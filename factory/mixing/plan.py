"""Resolving a recipe against the store: which versions feed the mix and how many tokens each must give.

Everything that can make a mix fail is checked here, before sampling starts: an asset with no
committed versions, patterns that match no partition, a document table without text, and a
budget that a source cannot give within the repetition the recipe allows.
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass

from factory.mixing.recipe import MixRecipe, MixRecipeError, MixSource
from factory.store import Manifest, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourcePlan:
    source: MixSource
    manifests: tuple[Manifest, ...]
    available_tokens: int
    target_tokens: int

    @property
    def repeats(self) -> float:
        return self.target_tokens / self.available_tokens if self.available_tokens else float("inf")


@dataclass(frozen=True)
class MixPlan:
    recipe: MixRecipe
    sources: tuple[SourcePlan, ...]

    @property
    def manifests(self) -> list[Manifest]:
        """Every source version the mix reads, once each."""
        refs = {(m.asset, m.partition): m for s in self.sources for m in s.manifests}
        return [m for _, m in sorted(refs.items())]

    def summary(self) -> list[dict]:
        return [
            {
                "source": s.source.label, "weight": s.source.weight, **({"epochs": s.source.epochs} if s.source.epochs else {}),
                "versions": [f"{m.partition}@{m.version}" for m in s.manifests],
                "available_tokens": s.available_tokens, "target_tokens": s.target_tokens, "repeats": round(s.repeats, 3),
            }
            for s in self.sources
        ]


def plan_mix(store: Store, recipe: MixRecipe) -> MixPlan:
    """The versions and per-source token targets of a mix; raises MixRecipeError before any work."""
    resolved = []
    for source in recipe.sources:
        manifests = _resolve(store, recipe, source)
        available = sum(_available_tokens(store, m, source.table) for m in manifests)
        if available <= 0:
            raise MixRecipeError(
                f"mix {recipe.name!r}: source {source.label} has no tokens in its {len(manifests)} version(s) "
                f"({', '.join(m.short for m in manifests)}): pick partitions with documents"
            )
        resolved.append((source, manifests, available))
    targets = _targets(recipe, [available for _, _, available in resolved])
    plans = []
    for (source, manifests, available), target in zip(resolved, targets, strict=True):
        if target > available * recipe.max_repeats:
            fits = int(available * recipe.max_repeats * recipe.total_tokens / target)
            raise MixRecipeError(
                f"mix {recipe.name!r}: source {source.label} gives {available:,} tokens; its share of the "
                f"{recipe.total_tokens:,}-token budget is {target:,} tokens = {target / available:.2f} passes, but "
                f"max_repeats is {recipe.max_repeats:g}: lower total_tokens to at most {fits:,}, raise max_repeats "
                f"to {target / available:.2f} or more, give the source epochs instead of a weight, or add data to it"
            )
        plans.append(SourcePlan(source, tuple(manifests), available, target))
    plan = MixPlan(recipe, tuple(plans))
    log.debug("mix %s: %s", recipe.name, plan.summary())
    return plan


def _targets(recipe: MixRecipe, available: list[int]) -> list[int]:
    """Tokens per source: fixed-pass sources give ``epochs`` x what they have; the weighted ones share the rest
    of the budget by weight, and the shares add up to the budget exactly."""
    fixed = [round(a * s.epochs) if s.epochs is not None else 0 for s, a in zip(recipe.sources, available, strict=True)]
    rest = recipe.total_tokens - sum(fixed)
    if rest <= 0:
        raise MixRecipeError(
            f"mix {recipe.name!r}: its sources with epochs give {sum(fixed):,} tokens, all of the "
            f"{recipe.total_tokens:,}-token budget, leaving nothing for the weighted ones: raise total_tokens or lower epochs"
        )
    targets = [f or int(round(rest * w)) for f, w in zip(fixed, recipe.weights(), strict=True)]
    last = max(i for i, source in enumerate(recipe.sources) if source.epochs is None)
    targets[last] = recipe.total_tokens - sum(t for i, t in enumerate(targets) if i != last)
    return targets


def _resolve(store: Store, recipe: MixRecipe, source: MixSource) -> list[Manifest]:
    labels = store.partitions(source.asset)
    if not labels:
        raise MixRecipeError(
            f"mix {recipe.name!r}: unknown source {source.asset!r}: the store {store.root_uri} has no committed "
            f"version of that asset; materialize {source.asset} first, or fix the asset name in the recipe"
        )
    matched = sorted({label for label in labels for pattern in source.partitions if fnmatch.fnmatchcase(label, pattern)})
    if not matched:
        raise MixRecipeError(
            f"mix {recipe.name!r}: source {source.label} matches none of the partitions of {source.asset} in the store "
            f"({', '.join(labels[:20])}{' ...' if len(labels) > 20 else ''}): fix the partition patterns"
        )
    manifests = [store.require_current(source.asset, label) for label in matched]
    # A version whose table has no shard holds no rows (a dump whose every page was filtered out): it gives nothing.
    with_rows = [manifest for manifest in manifests if manifest.files_under(source.table)]
    if not with_rows:
        raise MixRecipeError(f"mix {recipe.name!r}: no version of {source.label} has rows in its {source.table!r} table "
                             f"({', '.join(m.short for m in manifests)}): pick partitions with documents")
    return with_rows


def _available_tokens(store: Store, manifest: Manifest, table: str) -> int:
    """SmolLM2 tokens of a version's documents: the ``tokens`` column, read one shard at a time
    (never the text), so planning a mix costs a column scan, not the corpus."""
    import pyarrow.parquet as pq

    base = store.version_dir(manifest.asset, manifest.partition, manifest.version)
    total = 0
    for entry in manifest.files_under(table):
        with store.fs.open(f"{base}/{entry.path}", "rb") as handle:
            parquet = pq.ParquetFile(handle)
            if "tokens" not in parquet.schema_arrow.names or "text" not in parquet.schema_arrow.names:
                raise MixRecipeError(f"{manifest.short}: table {table!r} has no 'text' and 'tokens' columns: "
                                     "it is not a documents table and cannot feed a mix")
            for batch in parquet.iter_batches(columns=["tokens"]):
                total += sum(int(t or 0) for t in batch.column(0).to_pylist())
    return total

