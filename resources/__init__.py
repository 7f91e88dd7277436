"""Dagster resources: thin, configurable wrappers that hand factory objects to assets.

Each resource class declares its key (``key``: its name in the settings file's ``resources:`` and in the
Definitions) and whether the planner reads it (``planned``, true unless it only says how steps run, never what they
make: the executor, the GPU launcher, the crawl listing). ``resource_types()`` finds them: a new resource is its class.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from dagster import ConfigurableResource

from resources.crawl import CrawlResource
from resources.store import StoreResource

__all__ = ["CrawlResource", "StoreResource", "planned_keys", "resource_types"]


@functools.cache
def resource_types() -> dict[str, type[ConfigurableResource]]:
    """Every resource class of this package by its key, in module order."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    found: dict[str, type[ConfigurableResource]] = {}
    for cls in _subclasses(ConfigurableResource):
        if cls.__module__.startswith(f"{__name__}.") and "key" in vars(cls):
            if cls.key in found:
                raise TypeError(f"resources {found[cls.key].__name__} and {cls.__name__} both declare key {cls.key!r}")
            found[cls.key] = cls
    return dict(sorted(found.items(), key=lambda item: (item[1].__module__, item[0])))


def planned_keys() -> frozenset[str]:
    """The keys of the resources the planner reads: what a planning sensor or check requires."""
    return frozenset(key for key, cls in resource_types().items() if getattr(cls, "planned", True))


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]
