"""Each step's default config, in the form its manifests record, so an audit shows only what was changed.

``DEFAULTS`` maps an asset to a function of the partition label (a synthetic partition names its
recipe, a mix partition its recipe file, a proxy model's config names its proxy) returning the
config a run with every setting left alone would record. Imports are lazy: an audit of raw_crawl
does not load the training config. A key missing from the defaults is reported with no default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

log = logging.getLogger(__name__)
MISSING = "<missing>"


@dataclass(frozen=True)
class ConfigChange:
    key: str  # dotted path, e.g. "gopher_quality.min_doc_words"
    value: Any  # MISSING when the version lacks the key
    default: Any  # MISSING when no default is known


def _raw_crawl(config: dict[str, Any], partition: str) -> dict[str, Any]:
    from factory import settings
    from factory.crawl.sources import DEFAULT_INDEX_MODE, PREFIX

    kind = config.get("source_kind", PREFIX)
    return {"chunks": settings.chunk_count(), "source_kind": PREFIX, "index_mode": DEFAULT_INDEX_MODE.get(kind)}


def _filtered(config: dict[str, Any], partition: str) -> dict[str, Any]:
    return {**_curation_defaults(), **_default_tokenizer()}


@cache
def _curation_defaults() -> dict[str, Any]:
    from factory.curation.config import CurationConfig

    return CurationConfig().to_dict()


def _deduped(config: dict[str, Any], partition: str) -> dict[str, Any]:
    return _dedup_defaults()


@cache
def _dedup_defaults() -> dict[str, Any]:
    from factory.dedup.config import DedupConfig

    return DedupConfig().to_dict()


def _synthetic(config: dict[str, Any], partition: str) -> dict[str, Any]:
    from factory.generation.backend import GeneratorConfig
    from factory.generation.step import SyntheticConfig
    step, generator = SyntheticConfig(), GeneratorConfig.__dataclass_fields__  # an empty model does not validate
    defaults = {"source_asset": step.source_asset, "max_documents": step.max_documents, "chunk_size": step.chunk_size,
                "checks": step.checks.to_dict(), "model": _local_model(), "backend": generator["backend"].default,
                "dtype": generator["dtype"].default, "seed": generator["seed"].default}
    recipe_name = _key(partition, "recipe") or config.get("recipe", {}).get("name")
    if recipe_name:  # the recipe file as shipped: an edited prompt or sampling shows up as a change
        defaults["recipe"] = _generation_recipe(recipe_name)
    return defaults


@cache
def _local_model() -> dict[str, Any]:
    """The default generator model (the local SmolLM2) by content, as a synthetic version's config holds it."""
    from factory.models.identity import model_identity
    from factory.models.smollm2 import MODEL_NAME, model_dir

    folder = model_dir()
    return model_identity(folder) if (folder / "config.json").exists() else {"name": MODEL_NAME}


@cache
def _generation_recipe(name: str) -> dict[str, Any]:
    from factory.generation.recipes import load_recipe

    return load_recipe(name).to_dict()


def _mixed(config: dict[str, Any], partition: str) -> dict[str, Any]:
    from factory.mixing.shards import EOS_TOKEN

    defaults: dict[str, Any] = {"eos": EOS_TOKEN, **_default_tokenizer()}
    if recipe := _mix_recipes().get(partition):
        defaults["recipe"] = recipe.identity()
    return defaults


@cache
def _mix_recipes() -> dict[str, Any]:
    from factory.mixing.recipe import load_recipes

    return load_recipes()


@cache
def _default_tokenizer() -> dict[str, Any]:
    """The tokenizer a mix or a proxy uses unless told otherwise, if converted on this machine."""
    from factory.models.identity import tokenizer_identity
    from factory.models.smollm2 import model_dir

    return {"tokenizer": tokenizer_identity(model_dir())} if (model_dir() / "tokenizer.json").exists() else {}


def _proxy_model(config: dict[str, Any], partition: str) -> dict[str, Any]:
    import os

    name = config.get("proxy", {}).get("name") or os.environ.get("FACTORY_PROXY_CONFIG") or "tiny-cpu"
    return {"proxy": _proxy_identity(name), **_default_tokenizer()}


@cache
def _proxy_identity(name: str) -> dict[str, Any]:
    from factory.training.config import load_proxy_config

    return load_proxy_config(name).identity()


def _proxy_eval(config: dict[str, Any], partition: str) -> dict[str, Any]:
    return _eval_defaults()


@cache
def _eval_defaults() -> dict[str, Any]:
    from factory.evaluation.config import EvalConfig

    return {"eval": EvalConfig().identity()}


def _leaderboard(config: dict[str, Any], partition: str) -> dict[str, Any]:
    return {"roles": {name: recipe.role for name, recipe in _mix_recipes().items() if recipe.role}}


DEFAULTS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "raw_crawl": _raw_crawl, "filtered": _filtered, "deduped": _deduped, "synthetic": _synthetic,
    "mixed": _mixed, "proxy_model": _proxy_model, "proxy_eval": _proxy_eval, "leaderboard": _leaderboard,
}


def default_config(asset: str, config: dict[str, Any], partition: str) -> dict[str, Any] | None:
    """The asset's default config, or None when no default is registered or it cannot be built here."""
    builder = DEFAULTS.get(asset)
    if builder is None:
        return None
    try:
        return builder(config, partition)
    except (OSError, ValueError, LookupError) as error:  # a recipe or proxy config that is not on this machine
        log.debug("no default config for %s[%s]: %s", asset, partition, error)
        return None


def config_changes(asset: str, config: dict[str, Any], partition: str) -> list[ConfigChange] | None:
    """The keys of ``config`` that differ from the asset's default config; None when no default is known."""
    defaults = default_config(asset, config, partition)
    return None if defaults is None else diff_configs(config, defaults)


def diff_configs(config: dict[str, Any], baseline: dict[str, Any]) -> list[ConfigChange]:
    """Leaf keys (dotted) whose values differ; lists compare whole, tuples count as lists."""
    ours, theirs = flatten(config), flatten(baseline)
    keys = sorted(set(ours) | set(theirs))
    return [ConfigChange(k, ours.get(k, MISSING), theirs.get(k, MISSING)) for k in keys if ours.get(k, MISSING) != theirs.get(k, MISSING)]


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): _plain(value)} if prefix else {}


def _plain(value: Any) -> Any:
    """JSON's view of a value: tuples are lists, so a default tuple equals a recorded list."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _key(partition: str, name: str) -> str | None:
    for part in partition.split("/"):
        key, sep, value = part.partition("=")
        if sep and key == name:
            return value
    return None
