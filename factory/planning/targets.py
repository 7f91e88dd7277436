"""What the plan trains and generates: the proxy config, the generation recipes and the mixes.

GPU-hours depend less on the dump than on these choices (one proxy-1.7b training is 28B tokens
whatever the dump), so they come from the same configuration the factory runs with:
``--proxy-config`` or ``FACTORY_PROXY_CONFIG`` (default ``proxy-1.7b``, FineWeb's ablation scale),
the recipe files in ``factory/configs/recipes`` and the mix files in ``FACTORY_MIXES`` or
``factory/configs/mixes``, each narrowed by name on the command line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass

from factory.planning.listing import PlanInputError
from factory.training.config import ProxyConfig, configs_dir, load_proxy_config

log = logging.getLogger(__name__)
DEFAULT_PROXY = "proxy-1.7b"


@dataclass(frozen=True)
class Targets:
    proxy: ProxyConfig
    recipes: tuple[str, ...]  # one synthetic partition per (dump, recipe)
    mixes: tuple[str, ...]  # one mixed + proxy_model partition per mix


def resolve_targets(proxy: str | None = None, recipes: Sequence[str] | None = None,
                    mixes: Sequence[str] | None = None) -> Targets:
    return Targets(resolve_proxy(proxy), _pick("recipe", recipes, _configured_recipes()),
                   _pick("mix", mixes, _configured_mixes()))


def resolve_proxy(name: str | None) -> ProxyConfig:
    """--proxy-config, else FACTORY_PROXY_CONFIG, else proxy-1.7b when it is shipped."""
    chosen = name or os.environ.get("FACTORY_PROXY_CONFIG")
    if not chosen:
        if not (configs_dir() / f"{DEFAULT_PROXY}.yaml").exists():
            available = sorted(p.stem for p in configs_dir().glob("*.yaml"))
            raise PlanInputError(f"no proxy config chosen and {DEFAULT_PROXY} is not in {configs_dir()}: "
                                 f"pass --proxy-config (one of {available}) or set FACTORY_PROXY_CONFIG")
        chosen = DEFAULT_PROXY
    log.debug("proxy config: %s", chosen)
    return load_proxy_config(chosen)


def _configured_recipes() -> list[str]:
    from factory.generation.recipes import load_recipes

    return sorted(load_recipes())


def _configured_mixes() -> list[str]:
    from factory.mixing.recipe import load_recipes

    return sorted(load_recipes())


def _pick(what: str, chosen: Sequence[str] | None, configured: list[str]) -> tuple[str, ...]:
    """``chosen`` if given (checked against the configured names, an empty list meaning none), else all configured."""
    if chosen is None:
        return tuple(configured)
    unknown = sorted(set(chosen) - set(configured))
    if unknown:
        raise PlanInputError(f"unknown {what}(s) {unknown}: choose from {configured}")
    return tuple(dict.fromkeys(chosen))
