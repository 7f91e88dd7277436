"""Mixes: named, weighted selections of dataset versions, sampled to a token budget and
tokenized into training shards."""

from factory.mixing.plan import MixPlan, SourcePlan, plan_mix
from factory.mixing.recipe import MixRecipe, MixRecipeError, MixSource, load_recipe, load_recipes, recipes_dir

__all__ = [
    "MixPlan", "MixRecipe", "MixRecipeError", "MixSource", "SourcePlan", "load_recipe", "load_recipes",
    "plan_mix", "recipes_dir",
]
