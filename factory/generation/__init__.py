"""Synthetic rephrasing: one generator interface over three backends, prompt recipes, output
checks, diversity metrics and the chunked, resumable ``synthetic`` step."""

from factory.generation.backend import BACKENDS, Generation, GenerationRequest, Generator, GeneratorConfig
from factory.generation.checks import REASONS, CheckResult, OutputChecks, check_output
from factory.generation.diversity import DiversityThresholds, diversity_metrics, diversity_problems
from factory.generation.engines import load_generator
from factory.generation.recipes import Recipe, RecipeError, load_recipe, load_recipes
from factory.generation.sampling import SamplingSettings
from factory.generation.step import ASSET, STEP, AllRejectedError, SyntheticConfig, generate_synthetic

__all__ = [
    "ASSET", "BACKENDS", "STEP", "AllRejectedError", "CheckResult", "DiversityThresholds", "Generation",
    "GenerationRequest", "Generator", "GeneratorConfig", "OutputChecks", "REASONS", "Recipe", "RecipeError",
    "SamplingSettings", "SyntheticConfig", "check_output", "diversity_metrics", "diversity_problems",
    "generate_synthetic", "load_generator", "load_recipe", "load_recipes",
]
