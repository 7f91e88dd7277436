"""The upstream tree of a committed version, read from the store's manifests alone.

Lineage survives losing the Dagster instance: each manifest names its inputs (store versions)
and sources (external files with checksums), so the tree can be walked from any leaderboard
row down to the WARC files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape

from factory.store import Manifest, Store, VersionNotFoundError
from factory.store.partitions import Partition, partition_label


@dataclass
class LineageNode:
    manifest: Manifest
    children: list[LineageNode] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "asset": m.asset,
            "partition": m.partition,
            "version": m.version,
            "code_version": m.code_version,
            "content_hash": m.content_hash,
            "uri": m.uri,
            "counts": m.counts,
            "config": m.config,
            "committed_at": m.timings.get("committed_at"),
            "run_id": m.run_id,
            "sources": [vars(source) for source in m.sources],
            "inputs": [child.to_dict() for child in self.children],
        }

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def build_lineage(store: Store, asset: str, partition: Partition, version: str | None = None) -> LineageNode:
    manifest = store.read_manifest(asset, partition, version) if version else store.current(asset, partition)
    if manifest is None:
        what = f"{asset}[{partition_label(partition)}]" + (f"@{version}" if version else "")
        raise VersionNotFoundError(f"no committed version of {what} in {store.root_uri}")
    return _node(store, manifest, {})


def _node(store: Store, manifest: Manifest, seen: dict[tuple[str, str, str], LineageNode]) -> LineageNode:
    key = (manifest.asset, manifest.partition, manifest.version)
    if key in seen:  # shared upstreams (many chunks of one dump) are read once
        return seen[key]
    node = LineageNode(manifest)
    seen[key] = node
    for ref in manifest.inputs:
        parent = store.read_manifest(ref.asset, ref.partition, ref.version)
        if parent is None:
            raise VersionNotFoundError(f"{manifest.short} names input {ref.asset}[{ref.partition}]@{ref.version}, which is not in the store")
        node.children.append(_node(store, parent, seen))
    return node


def render(node: LineageNode):
    """A rich Tree of the lineage."""
    from rich.tree import Tree

    tree = Tree(_label(node.manifest))
    _add(tree, node)
    return tree


def _add(tree, node: LineageNode) -> None:
    for source in node.manifest.sources:
        records = f", {source.records} records" if source.records is not None else ""
        tree.add(f"[green]{escape(source.url)}[/] ({source.format}, {source.size:,} bytes, {source.checksum}{records})")
    for child in node.children:
        _add(tree.add(_label(child.manifest)), child)


def _label(m: Manifest) -> str:
    counts = ", ".join(f"{k}={v:,}" for k, v in sorted(m.counts.items()))
    return f"[bold]{m.asset}[/]{escape(f'[{m.partition}]')} version [cyan]{m.version}[/] code {m.code_version} content {m.content_hash} ({counts})"
