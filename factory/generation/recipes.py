"""Prompt recipes: versioned YAML files, one per recipe, in ``factory/configs/recipes/``.

A recipe names the method it follows, holds a system and a user template, its sampling settings
and which documents it applies to (by token count). Templates use ``{text}`` (required) and
optionally ``{url}`` and ``{title}``; any other ``{word}`` is an error, other braces are literal,
so a prompt can show JSON or LaTeX. The whole recipe, not only its version number, enters the
step's version: editing a prompt without bumping ``version`` still makes new data.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from factory.generation.sampling import SamplingSettings

RECIPES_DIR = Path(__file__).resolve().parents[1] / "configs" / "recipes"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
ALLOWED_PLACEHOLDERS = {"text", "url", "title"}
NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
FIELDS = {"name", "version", "follows", "description", "system", "user", "sampling", "applies_to", "output_format"}


class RecipeError(ValueError):
    """A recipe file that cannot be used, with the file and field named."""


@dataclass(frozen=True)
class AppliesTo:
    """Which source documents a recipe is given: by SmolLM2 token count of the text."""

    min_tokens: int = 0
    max_tokens: int | None = None

    def accepts(self, tokens: int) -> bool:
        return tokens >= self.min_tokens and (self.max_tokens is None or tokens <= self.max_tokens)


@dataclass(frozen=True)
class Recipe:
    name: str
    version: int
    follows: str
    system: str
    user: str
    sampling: SamplingSettings
    applies_to: AppliesTo = field(default_factory=AppliesTo)
    description: str = ""
    output_format: str = ""

    @property
    def tag(self) -> str:
        return f"{self.name}@v{self.version}"

    @property
    def fingerprint(self) -> str:
        """Hash of everything that shapes outputs (prompts, sampling, selection)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:12]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sampling"] = self.sampling.to_dict()
        return data

    def render(self, text: str, url: str = "", title: str = "") -> list[dict[str, str]]:
        """The chat messages for one source document."""
        values = {"text": text.strip(), "url": url, "title": title}
        user = PLACEHOLDER.sub(lambda m: values[m.group(1)], self.user)
        messages = [{"role": "system", "content": self.system.strip()}] if self.system.strip() else []
        messages.append({"role": "user", "content": user.strip()})
        return messages


def parse_recipe(raw: dict[str, Any], where: str) -> Recipe:
    if not isinstance(raw, dict):
        raise RecipeError(f"{where}: expected a mapping of recipe fields, got {type(raw).__name__}")
    unknown = set(raw) - FIELDS
    if unknown:
        raise RecipeError(f"{where}: unknown fields {sorted(unknown)}; allowed: {sorted(FIELDS)}")
    for required in ("name", "version", "follows", "user", "sampling"):
        if required not in raw:
            raise RecipeError(f"{where}: missing required field {required!r}")
    name = str(raw["name"])
    if not NAME.fullmatch(name):
        raise RecipeError(f"{where}: name {name!r} must be snake_case (a-z, 0-9, _), 2-64 characters: it becomes a partition key")
    version = raw["version"]
    if not isinstance(version, int) or version < 1:
        raise RecipeError(f"{where}: version must be an integer >= 1, got {version!r}")
    system, user = str(raw.get("system") or ""), str(raw["user"])
    for label, template in (("system", system), ("user", user)):
        bad = set(PLACEHOLDER.findall(template)) - ALLOWED_PLACEHOLDERS
        if bad:
            raise RecipeError(f"{where}: {label} template uses unknown placeholders {sorted(bad)}; allowed: {sorted(ALLOWED_PLACEHOLDERS)}")
    if "{text}" not in user:
        raise RecipeError(f"{where}: the user template must contain {{text}} (the source document)")
    try:
        sampling = SamplingSettings.from_dict(dict(raw["sampling"] or {}), where=f"{where}: sampling")
    except (TypeError, ValueError) as error:
        raise RecipeError(f"{where}: {error}") from error
    applies = dict(raw.get("applies_to") or {})
    unknown_applies = set(applies) - {"min_tokens", "max_tokens"}
    if unknown_applies:
        raise RecipeError(f"{where}: applies_to has unknown fields {sorted(unknown_applies)}; allowed: min_tokens, max_tokens")
    applies_to = AppliesTo(min_tokens=int(applies.get("min_tokens", 0)), max_tokens=applies.get("max_tokens"))
    if applies_to.max_tokens is not None and applies_to.max_tokens < applies_to.min_tokens:
        raise RecipeError(f"{where}: applies_to.max_tokens ({applies_to.max_tokens}) < min_tokens ({applies_to.min_tokens})")
    return Recipe(
        name=name, version=version, follows=str(raw["follows"]), system=system, user=user, sampling=sampling,
        applies_to=applies_to, description=str(raw.get("description") or ""), output_format=str(raw.get("output_format") or ""),
    )


def load_recipe_file(path: Path) -> Recipe:
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise RecipeError(f"{path}: not valid YAML: {error}") from error
    recipe = parse_recipe(raw, str(path))
    if recipe.name != path.stem:
        raise RecipeError(f"{path}: recipe name {recipe.name!r} must match the file name {path.stem!r}")
    return recipe


def load_recipes(directory: Path | None = None) -> dict[str, Recipe]:
    """Every recipe in the folder, by name (sorted)."""
    folder = directory or RECIPES_DIR
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise RecipeError(f"no recipe files (*.yaml) in {folder}")
    return {recipe.name: recipe for recipe in map(load_recipe_file, files)}


def load_recipe(name: str, directory: Path | None = None) -> Recipe:
    folder = directory or RECIPES_DIR
    if not isinstance(name, str) or not NAME.fullmatch(name):  # checked before it becomes a path: never leaves the folder
        raise RecipeError(f"recipe name {name!r} is not a recipe name (lowercase letters, digits and '_'); "
                          f"known recipes: {sorted(p.stem for p in folder.glob('*.yaml'))}")
    path = folder / f"{name}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise RecipeError(f"no recipe {name!r} in {folder}; known recipes: {known}")
    return load_recipe_file(path)
