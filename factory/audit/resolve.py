"""Partition keys as people type them, resolved against the store's folders.

The Dagster UI shows ``HOLDOUT-01`` for the store's ``dump=HOLDOUT-01`` and ``000|olmo_c4`` (a
MultiPartitionKey: values in dimension-name order) for ``dump=olmo_c4/chunk=000``. The store
alone knows the dimension names, so a bare or ``|`` key is matched against the folders that exist.
"""

from __future__ import annotations

import itertools

from factory.audit.index import StoreIndex
from factory.store import Store, parse_partition, partition_label
from factory.store.partitions import UNPARTITIONED, check_value


class PartitionNotFoundError(LookupError):
    """A partition key that matches no folder of the asset."""


def resolve_partition(store: Store, asset: str, text: str | None) -> str:
    """The store's label for ``text``: ``dump=X/chunk=000``, a single key, ``all`` when None."""
    check_value(asset, "asset name")
    text = (text or "").strip()
    if "=" in text:
        return partition_label(parse_partition(text))
    values = [check_value(v, "partition key") for v in text.split("|")] if text else []
    for label in _candidates(store, asset, values):
        if store.exists(store.partition_dir(asset, label)):
            return label
    examples = ", ".join(example_partitions(store, asset)) or "none committed"
    wanted = f"partition {text!r}" if text else "no partition (unpartitioned, 'all')"
    raise PartitionNotFoundError(f"{asset}: {wanted} matches no folder in {store.root_uri}; its partitions look like: {examples}")


def example_partitions(store: Store, asset: str, limit: int = 5) -> list[str]:
    base = f"{store.root}/{asset}/"
    return [folder[len(base):].rsplit("/", 1)[0] for folder in itertools.islice(StoreIndex(store).version_dirs(asset), limit)]


def _candidates(store: Store, asset: str, values: list[str]) -> list[str]:
    if not values:
        return [UNPARTITIONED]
    found = [values[0]] if len(values) == 1 else []
    names = dimension_names(store, asset)
    if len(names) == len(values):
        for order in itertools.permutations(values):  # the UI orders by dimension name, the store by nesting
            found.append("/".join(f"{n}={v}" for n, v in zip(names, order, strict=True)))
    return found


def dimension_names(store: Store, asset: str) -> list[str]:
    """The dimension names of an asset's partition folders, outermost first (``["dump", "chunk"]``)."""
    names, folder = [], f"{store.root}/{asset}"
    while True:
        dims = [d for d in _subfolders(store, folder) if "=" in d.rsplit("/", 1)[-1]]
        if not dims:
            return names
        names.append(dims[0].rsplit("/", 1)[-1].split("=", 1)[0])
        folder = dims[0]


def _subfolders(store: Store, folder: str) -> list[str]:
    try:
        return sorted(e["name"] for e in store.fs.ls(folder, detail=True) if e["type"] == "directory")
    except FileNotFoundError:
        return []
