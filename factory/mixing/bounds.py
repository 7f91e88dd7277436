"""Mixes the settings make impossible, found before any run: from upper bounds on what a source can hold.

``plan_mix`` checks a mix against the store once its sources exist, which for the demo is minutes into
the run (after generation). Some sources are capped by the settings themselves: a synthetic partition
holds at most ``max_documents`` outputs of at most ``max_tokens`` tokens. From those caps a mix can be
refused as soon as the settings are read, naming the mix, the source and the setting to change:
- a weighted source whose share needs more passes over its largest possible size than ``max_repeats``;
- fixed-pass sources (``epochs``) whose largest possible size could take the whole budget.
A source without a cap (the crawl's dumps) is not judged here; ``plan_mix`` still checks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from factory.mixing.recipe import MixRecipe, MixRecipeError


@dataclass(frozen=True)
class SourceBound:
    """The most tokens an asset can hold under the settings, and the settings that cap it (for the message)."""

    tokens: int
    because: str


def mix_bound_problems(recipes: dict[str, MixRecipe], bounds: dict[str, SourceBound]) -> dict[str, str]:
    """Each recipe that the bounds make impossible, or possibly impossible, with the reason."""
    problems = {}
    for name, recipe in recipes.items():
        try:
            _check(recipe, bounds)
        except MixRecipeError as error:
            problems[name] = str(error)
    return problems


def _check(recipe: MixRecipe, bounds: dict[str, SourceBound]) -> None:
    fixed_at_most = 0
    for source in recipe.sources:
        bound = bounds.get(source.asset)
        if source.epochs is not None:
            if bound is None:
                return  # an uncapped fixed-pass source: nothing can be said before it exists
            fixed_at_most += round(bound.tokens * source.epochs)
    if fixed_at_most >= recipe.total_tokens:
        raise MixRecipeError(
            f"mix {recipe.name!r}: its sources with epochs may give up to {fixed_at_most:,} tokens, all of its "
            f"{recipe.total_tokens:,}-token budget: raise total_tokens above that, or lower their epochs or the settings "
            f"that size them ({_causes(recipe, bounds)})"
        )
    rest = recipe.total_tokens - fixed_at_most  # the least the weighted sources must share
    for source, weight in zip(recipe.sources, recipe.weights(), strict=True):
        bound = bounds.get(source.asset)
        if source.epochs is not None or bound is None:
            continue
        needed = rest * weight
        if needed > bound.tokens * recipe.max_repeats:
            raise MixRecipeError(
                f"mix {recipe.name!r}: source {source.label} can hold at most {bound.tokens:,} tokens ({bound.because}); "
                f"its share needs {needed:,.0f} tokens = {needed / bound.tokens:.1f} passes, over max_repeats "
                f"{recipe.max_repeats:g}: give the source epochs instead of a weight, lower its weight or total_tokens, "
                f"or raise those settings"
            )


def _causes(recipe: MixRecipe, bounds: dict[str, SourceBound]) -> str:
    return "; ".join(sorted({f"{s.asset}: {bounds[s.asset].because}" for s in recipe.sources if s.asset in bounds}))
