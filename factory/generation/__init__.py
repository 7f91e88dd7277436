"""Synthetic rephrasing: one generator interface over three backends, prompt recipes, output
checks, diversity metrics and the chunked, resumable ``synthetic`` step.

The backends and recipes import with torch and transformers alone (the GPU check runs them on an image without the
data stack); the checks, the diversity metrics and the step, which need the store and datatrove, load on first use.
"""

import importlib

from factory.generation.backend import BACKENDS, Generation, GenerationRequest, Generator, GeneratorConfig
from factory.generation.engines import load_generator
from factory.generation.recipes import Recipe, RecipeError, load_recipe, load_recipes
from factory.generation.sampling import SamplingSettings

_LAZY = {
    "REASONS": "checks", "CheckResult": "checks", "OutputChecks": "checks", "check_output": "checks",
    "DiversityThresholds": "diversity", "diversity_metrics": "diversity", "diversity_problems": "diversity",
    "ASSET": "step", "STEP": "step", "AllRejectedError": "step", "SyntheticConfig": "step", "generate_synthetic": "step",
}

__all__ = [
    "ASSET", "BACKENDS", "STEP", "AllRejectedError", "CheckResult", "DiversityThresholds", "Generation",
    "GenerationRequest", "Generator", "GeneratorConfig", "OutputChecks", "REASONS", "Recipe", "RecipeError",
    "SamplingSettings", "SyntheticConfig", "check_output", "diversity_metrics", "diversity_problems",
    "generate_synthetic", "load_generator", "load_recipe", "load_recipes",
]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'factory.generation' has no attribute {name!r}")
    return getattr(importlib.import_module(f"factory.generation.{_LAZY[name]}"), name)
