"""Proxy training and mix recipes as Dagster resources: which proxy config, where recipes live.

Both check what they can when built: the proxy config must load and the overrides be positive;
a configured mix folder must exist (its files are read, and checked, by the mix sensor and the mix
step, so one bad file does not take down the whole code location). Mix names become partition keys and
store folders, so a name that is not a safe key is refused where the recipes are loaded.
"""

import os
from typing import ClassVar

from pathlib import Path

from pydantic import Field

from factory.mixing import MixRecipe, MixRecipeError, load_recipes
from factory.store.partitions import UnsafePartitionKeyError, check_value
from factory.training.config import ProxyConfig, load_proxy_config
from resources.checked import CheckedResource


class MixRecipesResource(CheckedResource):
    """The folder of mix recipe files (default FACTORY_MIXES or the package's configs/mixes)."""

    key: ClassVar[str] = "mix_recipes"

    folder: str | None = Field(default=None, description="folder of *.yaml mix recipes")
    only_demo: bool = Field(default=False, description="sensors request only the recipes marked demo: true")

    def check_config(self) -> None:
        # Only a configured folder: FACTORY_MIXES may name one that a deployment fills after the code location loads
        # (the mix sensor then says it is missing, with the variable's name).
        if self.folder and not Path(self.folder).is_dir():
            raise ValueError(f"folder: mix recipe folder {self.folder!r} does not exist: point it at a folder of *.yaml mix recipes")

    def load(self) -> dict[str, MixRecipe]:
        recipes = load_recipes(self.folder)
        for name, recipe in recipes.items():
            try:
                check_value(name, "mix name")
            except UnsafePartitionKeyError as error:
                raise MixRecipeError(f"{recipe.path}: {error}") from None
        return {n: r for n, r in recipes.items() if r.demo} if self.only_demo else recipes


class TrainerResource(CheckedResource):
    """Which proxy config trains every mix; operational overrides do not change the checkpoint's identity."""

    key: ClassVar[str] = "trainer"

    config: str | None = Field(default=None, description="proxy config name or YAML path; default FACTORY_PROXY_CONFIG or tiny-cpu")
    train_tokens: int | None = Field(default=None, description="override of the config's token budget (changes the version)")
    seeds: int | None = Field(default=None, description="override of the config's seeds per mix: the unit of noise in decisions (changes the version)")
    device: str | None = Field(default=None, description="auto, cpu or cuda[:N]")
    threads: int | None = Field(default=None, description="CPU threads for torch")
    processes: int | None = Field(default=None, description="data-parallel processes on the node: one per GPU (operational)")

    def check_config(self) -> None:
        for name in ("train_tokens", "seeds", "threads", "processes"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1 or null (the config's own), got {value}")
        self.get_config()

    def get_config(self) -> ProxyConfig:
        config = load_proxy_config(self.config or os.environ.get("FACTORY_PROXY_CONFIG") or "tiny-cpu")
        return config.with_overrides(train_tokens=self.train_tokens, seeds=self.seeds, device=self.device, threads=self.threads,
                                     processes=self.processes)
