"""Where a ``proxy_model`` version keeps its checkpoints, one folder per seed (``checkpoints/seed-<s>/``): the training
step writes them, the evaluation step reads them, and neither imports the other."""

from __future__ import annotations

from pathlib import Path

from factory.store import Manifest, Store

CHECKPOINTS = "checkpoints"


def checkpoint_dir(seed: int) -> str:
    """One seed's checkpoint folder, relative to the version folder."""
    return f"{CHECKPOINTS}/seed-{seed}"


def seed_checkpoints(store: Store, manifest: Manifest, cache: Path) -> dict[int, Path]:
    """Each seed's checkpoint folder, fetched from the store into the cache (the folder itself on a local store)."""
    folders: dict[int, Path] = {}
    for entry in manifest.files_under(CHECKPOINTS):
        seed = int(entry.path.split("/")[1].removeprefix("seed-"))
        folders[seed] = Path(store.local_path(manifest, entry.path, str(cache))).parent
    if not folders:
        raise FileNotFoundError(f"{manifest.short} has no {CHECKPOINTS}/seed-<s>/ files: retrain proxy_model for this mix")
    return dict(sorted(folders.items()))
