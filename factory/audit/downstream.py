"""Everything derived from a version: which mixes, models and leaderboards used a crawl chunk or a recipe version.

Built from the store index's reverse map (one pass over the manifests), so asking costs one scan
however deep the graph is. A consumer reached twice (a dump's deduped version under every mix) is
listed in full once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape

from factory.audit.index import StoreIndex, VersionKey, short


@dataclass
class DownstreamNode:
    key: VersionKey
    current: bool  # still its partition's current version
    consumers: list[DownstreamNode] = field(default_factory=list)
    shown_above: bool = False

    def to_dict(self) -> dict[str, Any]:
        asset, partition, version = self.key
        data = {"asset": asset, "partition": partition, "version": version, "current": self.current}
        if self.shown_above:
            return {**data, "shown_above": True}
        return {**data, "consumers": [c.to_dict() for c in self.consumers]}


def build_downstream(index: StoreIndex, key: VersionKey) -> DownstreamNode:
    return _node(index, key, set())


def _node(index: StoreIndex, key: VersionKey, shown: set[VersionKey]) -> DownstreamNode:
    node = DownstreamNode(key, index.current_version(key[0], key[1]) == key[2])
    if key in shown:
        node.shown_above = True
        return node
    shown.add(key)
    node.consumers = [_node(index, consumer, shown) for consumer in index.consumers(key)]
    return node


def by_asset(node: DownstreamNode) -> dict[str, list[str]]:
    """Every derived version, grouped by asset (the root itself excluded)."""
    grouped: dict[str, set[str]] = {}
    pending = list(node.consumers)
    while pending:
        item = pending.pop()
        grouped.setdefault(item.key[0], set()).add(short(item.key))
        pending.extend(item.consumers)
    return {asset: sorted(keys) for asset, keys in sorted(grouped.items())}


def render(node: DownstreamNode):
    from rich.tree import Tree

    tree = Tree(_label(node))
    _add(tree, node)
    if not node.consumers:
        tree.add("[dim]nothing in the store was made from this version[/]")
    return tree


def _add(tree, node: DownstreamNode) -> None:
    for consumer in node.consumers:
        branch = tree.add(_label(consumer) + (" [dim](shown above)[/]" if consumer.shown_above else ""))
        _add(branch, consumer)


def _label(node: DownstreamNode) -> str:
    state = "" if node.current else " [yellow](not current)[/]"
    return f"[bold]{escape(short(node.key))}[/]{state}"
