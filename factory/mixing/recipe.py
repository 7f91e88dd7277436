"""Mix recipes: versioned YAML files naming the sources of a mix, their weights and a token budget.

A recipe is validated when it is read (names, weights, budget, repetition), so a bad file fails
before the store is touched; whether its sources exist and can give the budget is checked by
``factory.mixing.plan`` against the store, still before any work starts.

```yaml
name: web-synthetic-50
description: half curated web, half synthetic rephrasings
role: candidate            # or baseline; the leaderboard check compares the two
baseline: web-only         # the mix a candidate must beat (default: the one marked baseline)
total_tokens: 1_000_000    # SmolLM2 tokens in the mix
max_repeats: 4             # each source may be repeated up to 4 times to reach its share
seed: 0
demo: true                 # trained by `factory demo`
known_better_than: other   # a known-answer pair: this mix is known to be better data than `other`
sources:
  - {asset: deduped, partitions: ["*"], weight: 0.5}
  - {asset: synthetic, partitions: ["dump=*/recipe=finephrase_faq"], weight: 0.5}
```
``partitions`` are shell patterns over the store's partition labels (``*`` = every partition).

A source gives either a share of the budget (``weight``) or a fixed number of passes over all it has
(``epochs: 4``, upsampling as the OLMo and Nemotron-CC blends specify small sources): the weighted
sources then share what the fixed ones leave. A fixed-pass source fits any amount of data, so a mix
of one large weighted source and small fixed ones cannot become impossible when the small ones shrink.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)
ROLES = ("baseline", "candidate", None)
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_ASSET = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class MixRecipeError(ValueError):
    """A mix recipe that cannot be built: the message names the recipe, the field and the fix."""


@dataclass(frozen=True)
class MixSource:
    asset: str
    partitions: tuple[str, ...] = ("*",)
    weight: float | None = 1.0  # a share of the budget, or None for a fixed-pass source
    table: str = "documents"
    epochs: float | None = None  # passes over every token of the source, instead of a weight

    @property
    def label(self) -> str:
        return f"{self.asset}[{','.join(self.partitions)}]"

    def identity(self) -> dict[str, Any]:
        # Only the share that is set (weight or epochs), so recipes written before epochs existed keep their versions.
        return {key: value for key, value in asdict(self).items() if value is not None} | {"partitions": list(self.partitions)}


@dataclass(frozen=True)
class MixRecipe:
    name: str
    sources: tuple[MixSource, ...]
    total_tokens: int
    max_repeats: float = 1.0
    seed: int = 0
    role: str | None = None
    baseline: str | None = None
    description: str = ""
    demo: bool = False
    known_better_than: str | None = None  # a known-answer pair, to check that the proxies decide it correctly
    path: str = field(default="", compare=False)

    def identity(self) -> dict[str, Any]:
        """What determines the mix's content (the version's config): not description, role or path."""
        return {
            "name": self.name,
            "sources": [s.identity() for s in self.sources],
            "total_tokens": self.total_tokens,
            "max_repeats": self.max_repeats,
            "seed": self.seed,
        }

    def digest(self) -> str:
        from factory.store.versioning import canonical_json

        return hashlib.sha256(canonical_json(self.identity()).encode()).hexdigest()[:12]

    def weights(self) -> list[float]:
        """Each weighted source's share of what the fixed-pass sources leave (0 for the fixed-pass ones)."""
        total = sum(s.weight or 0.0 for s in self.sources)
        return [(s.weight or 0.0) / total for s in self.sources]

    @classmethod
    def from_dict(cls, raw: dict[str, Any], where: str = "<dict>") -> MixRecipe:
        if not isinstance(raw, dict):
            raise MixRecipeError(f"{where}: a mix recipe must be a mapping, got {type(raw).__name__}")
        known = {"name", "sources", "total_tokens", "max_repeats", "seed", "role", "baseline", "description", "demo", "known_better_than"}
        if unknown := sorted(set(raw) - known):
            raise MixRecipeError(f"{where}: unknown field(s) {unknown}; expected some of {sorted(known)}")
        name = raw.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise MixRecipeError(f"{where}: name must be 1-64 lowercase letters, digits, '.', '_' or '-', got {name!r}")
        where = f"mix {name!r} ({where})"
        sources_raw = raw.get("sources")
        if not isinstance(sources_raw, list) or not sources_raw:
            raise MixRecipeError(f"{where}: sources must be a non-empty list of {{asset, partitions, weight}}")
        sources = tuple(_source(item, f"{where} sources[{i}]") for i, item in enumerate(sources_raw))
        total_tokens = raw.get("total_tokens")
        if isinstance(total_tokens, bool) or not isinstance(total_tokens, int) or total_tokens <= 0:
            raise MixRecipeError(f"{where}: total_tokens must be a positive integer, got {total_tokens!r}")
        max_repeats = raw.get("max_repeats", 1.0)
        if isinstance(max_repeats, bool) or not isinstance(max_repeats, int | float) or max_repeats < 1:
            raise MixRecipeError(f"{where}: max_repeats must be a number >= 1 (1 = no repetition), got {max_repeats!r}")
        role = raw.get("role")
        if role not in ROLES:
            raise MixRecipeError(f"{where}: role must be 'baseline', 'candidate' or absent, got {role!r}")
        seed = raw.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise MixRecipeError(f"{where}: seed must be an integer, got {seed!r}")
        if not any(s.weight for s in sources):
            raise MixRecipeError(f"{where}: every source has epochs; give at least one a weight, to fill the budget")
        for i, source in enumerate(sources):
            if source.epochs is not None and source.epochs > max_repeats:
                raise MixRecipeError(f"{where} sources[{i}]: epochs {source.epochs:g} exceeds max_repeats "
                                     f"{max_repeats:g}: lower epochs or raise max_repeats")
        return cls(
            name=name, sources=sources, total_tokens=total_tokens, max_repeats=float(max_repeats), seed=seed,
            role=role, baseline=raw.get("baseline"), description=str(raw.get("description", "")),
            demo=bool(raw.get("demo", False)), known_better_than=raw.get("known_better_than"), path=where,
        )


def _source(item: Any, where: str) -> MixSource:
    if not isinstance(item, dict):
        raise MixRecipeError(f"{where}: each source must be a mapping with asset, partitions and weight")
    if unknown := sorted(set(item) - {"asset", "partitions", "weight", "epochs", "table"}):
        raise MixRecipeError(f"{where}: unknown field(s) {unknown}; expected asset, partitions, weight or epochs, table")
    asset = item.get("asset")
    if not isinstance(asset, str) or not _ASSET.fullmatch(asset):
        raise MixRecipeError(f"{where}: asset must be a snake_case asset name such as 'deduped', got {asset!r}")
    partitions = item.get("partitions", ["*"])
    if isinstance(partitions, str):
        partitions = [partitions]
    if not isinstance(partitions, list) or not partitions or not all(isinstance(p, str) and p for p in partitions):
        raise MixRecipeError(f"{where}: partitions must be a non-empty list of partition labels or patterns, got {partitions!r}")
    table = str(item.get("table", "documents"))
    if "epochs" in item:
        epochs = item["epochs"]
        if "weight" in item:
            raise MixRecipeError(f"{where}: give weight (a share of the budget) or epochs (passes over the source), not both")
        if isinstance(epochs, bool) or not isinstance(epochs, int | float) or not epochs > 0:
            raise MixRecipeError(f"{where}: epochs must be a number > 0 (passes over the source), got {epochs!r}")
        return MixSource(asset=asset, partitions=tuple(partitions), weight=None, table=table, epochs=float(epochs))
    weight = item.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
        raise MixRecipeError(f"{where}: weight must be a number > 0, got {weight!r} (drop the source instead of weighting it 0)")
    return MixSource(asset=asset, partitions=tuple(partitions), weight=float(weight), table=table)


def recipes_dir() -> Path:
    """FACTORY_MIXES, or the mixes shipped in the package (factory/configs/mixes)."""
    return Path(os.environ.get("FACTORY_MIXES") or Path(__file__).resolve().parents[1] / "configs" / "mixes")


def load_recipe(path: str | Path) -> MixRecipe:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise MixRecipeError(f"{path}: not valid YAML: {error}") from error
    recipe = MixRecipe.from_dict(raw, where=str(path))
    if recipe.name != path.stem:
        raise MixRecipeError(f"{path}: the recipe is named {recipe.name!r} but the file is {path.name}: rename one so they agree")
    return recipe


def load_recipes(folder: str | Path | None = None) -> dict[str, MixRecipe]:
    """Every ``*.yaml`` recipe of a folder by name; baseline references are checked across files."""
    folder = Path(folder) if folder else recipes_dir()
    if not folder.is_dir():
        raise MixRecipeError(f"mix recipe folder {folder} does not exist: set FACTORY_MIXES to a folder of *.yaml recipes")
    recipes = {r.name: r for r in (load_recipe(p) for p in sorted(folder.glob("*.y*ml")))}
    for recipe in recipes.values():
        for field_name in ("baseline", "known_better_than"):
            other = getattr(recipe, field_name)
            if other and (other not in recipes or other == recipe.name):
                raise MixRecipeError(f"mix {recipe.name!r}: {field_name} {other!r} is not another recipe in {folder}")
    return recipes


def baseline_of(recipe: MixRecipe, recipes: dict[str, MixRecipe]) -> str | None:
    """The mix a candidate is compared with: its own ``baseline`` or the one marked baseline."""
    if recipe.baseline:
        return recipe.baseline
    marked = [r.name for r in recipes.values() if r.role == "baseline"]
    return marked[0] if marked else None
