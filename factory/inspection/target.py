"""What a reviewer asked to look at, checked against the store before anything is read.

``factory inspect`` and ``factory label`` take partitions as people type them (``c4``, ``000|olmo_c4``,
``dump=c4``) and categories in any case; each mistake is reported once, naming what was not found and what exists,
so the command can exit 2 with a message instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping

from factory.documents import DOCUMENTS
from factory.store import Manifest, Store, partition_label

DOCUMENT_ASSETS = "filtered, deduped, edu_filtered, synthetic"


class InspectionError(ValueError):
    """An asset, partition, version or category that the store or the taxonomy does not have."""


def documents_version(store: Store, asset: str, partition: str | Mapping[str, str] | None) -> Manifest:
    """The current version of ``asset[partition]``, which must hold a ``documents`` table."""
    from factory.audit.resolve import PartitionNotFoundError, resolve_partition

    assets = store_assets(store)
    if asset not in assets:
        raise InspectionError(f"unknown asset {asset!r}: no folder {store.root_uri}/{asset}; "
                              f"assets in this store: {', '.join(assets) or 'none'} (check the name or --root)")
    try:
        label = resolve_partition(store, asset, partition) if isinstance(partition, str) else partition_label(partition)
    except PartitionNotFoundError as error:
        raise InspectionError(f"{error} (give one of those)") from error
    manifest = store.current(asset, label)
    if manifest is None:
        raise InspectionError(f"no current version of {asset}[{label}] in {store.root_uri}: "
                              f"materialize {asset} for that partition first")
    if not manifest.files_under(DOCUMENTS):
        raise InspectionError(f"{manifest.short} has no {DOCUMENTS} table: "
                              f"inspect an asset of documents ({DOCUMENT_ASSETS})")
    return manifest


def store_assets(store: Store) -> list[str]:
    """The asset folders of the store (folders starting with ``_`` hold labels and other side data)."""
    try:
        entries = store.fs.ls(store.root, detail=True)
    except FileNotFoundError:
        return []
    names = (e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries if e["type"] == "directory")
    return sorted(name for name in names if not name.startswith("_"))


def categories() -> tuple[str, ...]:
    """The taxonomy's categories, in their canonical order (the labelling keys 1-8 follow it)."""
    try:
        from factory.categories.taxonomy import CATEGORIES
    except ImportError as error:
        raise InspectionError(f"the category taxonomy is not available ({error}): "
                              "factory.categories.taxonomy must define CATEGORIES") from error
    return tuple(CATEGORIES)


def check_category(text: str | None) -> str | None:
    """``text`` as the taxonomy spells it (case-insensitive), None for no filter."""
    if text is None:
        return None
    known = categories()
    for name in known:
        if name.lower() == text.strip().lower():
            return name
    raise InspectionError(f"unknown category {text!r}: use one of {', '.join(known)}")
