"""The upstream tree of a committed version, read from the store's manifests alone.

Lineage survives losing the Dagster instance: each manifest names its inputs (store versions)
and sources (external files with checksums), so the tree can be walked from any leaderboard
row down to the WARC files. Each node carries what an audit asks first: its version and code
version, the config keys that differ from the step's defaults, and whether its partition has
moved on to another version since (superseded). Shared upstreams (every chunk of a dump under
two mixes) are read once and printed in full once; later occurrences say "shown above".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape

from factory.audit.defaults import MISSING, ConfigChange, config_changes
from factory.audit.index import StoreIndex, VersionKey, key_of
from factory.store import InputRef, Manifest, VersionNotFoundError


@dataclass
class LineageNode:
    manifest: Manifest
    current_version: str | None  # what the partition's _current.json names now
    config_changes: list[ConfigChange] | None  # None: no default config registered for the asset
    children: list[LineageNode] = field(default_factory=list)
    missing_inputs: list[InputRef] = field(default_factory=list)  # named by the manifest, absent from the store

    @property
    def key(self) -> VersionKey:
        return key_of(self.manifest)

    @property
    def superseded(self) -> bool:
        return self.current_version != self.manifest.version

    def walk(self) -> Iterator[LineageNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self, shown: set[VersionKey] | None = None) -> dict[str, Any]:
        shown = set() if shown is None else shown
        m = self.manifest
        head = {"asset": m.asset, "partition": m.partition, "version": m.version, "code_version": m.code_version,
                "current_version": self.current_version, "superseded": self.superseded}
        if self.key in shown:
            return {**head, "shown_above": True}
        shown.add(self.key)
        return {
            **head,
            "content_hash": m.content_hash,
            "uri": m.uri,
            "counts": m.counts,
            "config": m.config,
            "config_changes": None if self.config_changes is None else [_change_dict(c) for c in self.config_changes],
            "committed_at": m.timings.get("committed_at"),
            "run_id": m.run_id,
            "sources": [vars(source) for source in m.sources],
            "missing_inputs": [vars(ref) for ref in self.missing_inputs],
            "inputs": [child.to_dict(shown) for child in self.children],
        }


def build_lineage(index: StoreIndex, asset: str, partition: str, version: str | None = None) -> LineageNode:
    manifest = index.manifest(asset, partition, version) if version else index.current(asset, partition)
    if manifest is None:
        what = f"{asset}[{partition}]" + (f"@{version}" if version else "")
        raise VersionNotFoundError(f"no committed version of {what} in {index.store.root_uri}")
    return _node(index, manifest, {})


def _node(index: StoreIndex, manifest: Manifest, built: dict[VersionKey, LineageNode]) -> LineageNode:
    key = key_of(manifest)
    if key in built:
        return built[key]
    node = LineageNode(manifest, index.current_version(manifest.asset, manifest.partition),
                       config_changes(manifest.asset, manifest.config, manifest.partition))
    built[key] = node
    for ref in manifest.inputs:
        parent = index.manifest(ref.asset, ref.partition, ref.version)
        if parent is None:
            node.missing_inputs.append(ref)
        else:
            node.children.append(_node(index, parent, built))
    return node


def render(node: LineageNode):
    """A rich Tree of the lineage."""
    from rich.tree import Tree

    tree = Tree(_label(node))
    _add(tree, node, {node.key})
    return tree


def _add(tree, node: LineageNode, shown: set[VersionKey]) -> None:
    for source in node.manifest.sources:
        records = f", {source.records:,} records" if source.records is not None else ""
        tree.add(f"[green]{escape(source.url)}[/] ({source.format}, {source.size:,} bytes, {source.checksum}{records})")
    for ref in node.missing_inputs:
        tree.add(f"[red]MISSING {escape(f'{ref.asset}[{ref.partition}]@{ref.version}')}[/]: named as an input, not in the store")
    for child in node.children:
        if child.key in shown:
            tree.add(f"{_head(child)} [dim](shown above)[/]")
            continue
        shown.add(child.key)
        _add(tree.add(_label(child)), child, shown)


def _head(node: LineageNode) -> str:
    m = node.manifest
    stale = f" [yellow]SUPERSEDED (current: {node.current_version or 'none'})[/]" if node.superseded else ""
    return f"[bold]{m.asset}[/]{escape(f'[{m.partition}]')} [cyan]{m.version}[/] code {escape(m.code_version)}{stale}"


def _label(node: LineageNode) -> str:
    counts = ", ".join(f"{k}={v:,}" for k, v in sorted(node.manifest.counts.items()) if isinstance(v, int))
    lines = [f"{_head(node)} ({counts})"]
    if node.config_changes is None:
        lines.append("[dim]config: no default registered for this asset[/]")
    elif node.config_changes:
        lines.append("[magenta]config:[/] " + "; ".join(escape(format_change(c)) for c in node.config_changes))
    return "\n".join(lines)


def format_change(change: ConfigChange) -> str:
    default = "no default" if change.default is MISSING else f"default {_short(change.default)}"
    value = "unset" if change.value is MISSING else _short(change.value)
    return f"{change.key}={value} ({default})"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _change_dict(change: ConfigChange) -> dict[str, Any]:
    return {"key": change.key, "value": None if change.value is MISSING else change.value,
            "default": None if change.default is MISSING else change.default,
            "has_default": change.default is not MISSING, "set": change.value is not MISSING}
