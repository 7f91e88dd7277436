"""Where a multi-stage datatrove step reads and writes: the store root its input shards are relative
to, the version folder its tasks write into, its logs, and scratch under ``_work/``."""

from __future__ import annotations

from dataclasses import dataclass

from factory.store.filesystem import FolderSpec, join_folder

WORK = "_work"


@dataclass(frozen=True)
class TaskLayout:
    root: FolderSpec  # the store root: the shard paths are relative to it
    paths: tuple[str, ...]  # the input shards: task i of a per-shard stage reads paths[i]
    version: FolderSpec
    logs: FolderSpec

    def work(self, name: str) -> FolderSpec:
        return join_folder(self.version, f"{WORK}/{name}")
