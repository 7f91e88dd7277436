"""Inputs that are no longer current: staleness that Dagster's own status cannot see.

Dagster marks an asset stale when an upstream materialization is newer; it does not know that
a mix was built from ``deduped[dump=X]@v1`` while ``_current.json`` now names ``v2`` (a rerun with
new filter settings, a reverted config that made an older version current again, a run on
another Dagster instance). The manifests record the exact versions used, so the store can tell.
"""

from __future__ import annotations

from dataclasses import dataclass

from factory.audit.index import StoreIndex, VersionKey, key_of
from factory.store import InputRef, Manifest, Store


@dataclass(frozen=True)
class SupersededInput:
    ref: InputRef  # the input version the manifest (or one of its upstreams) was built from
    current: str | None  # the version its partition's _current.json names now; None if it has no pointer
    used_by: str  # the version that named it as an input (``mixed[web-only]@abc``): the checked one for direct inputs

    def to_dict(self) -> dict[str, str | None]:
        return {"asset": self.ref.asset, "partition": self.ref.partition, "version": self.ref.version,
                "current": self.current, "used_by": self.used_by}

    def describe(self) -> str:
        now = self.current or "no current version"
        return f"{self.ref.asset}[{self.ref.partition}]@{self.ref.version} (current: {now}), used by {self.used_by}"


def superseded_inputs(store: Store | StoreIndex, manifest: Manifest, transitive: bool = True) -> list[SupersededInput]:
    """Every input version of ``manifest`` that is no longer its partition's current version.

    ``transitive=True`` (the default) walks the whole upstream graph as recorded (the versions
    actually used, superseded or not), so a leaderboard whose mix read a superseded deduped version
    is reported even though its own proxy_eval inputs are current; ``transitive=False`` checks the
    manifest's direct inputs only. Each input version is reported once, in walk order (nearest
    first). Inputs whose manifest is missing from the store are walked no further (``factory verify``
    reports them). Reads only the manifests and ``_current.json`` pointers it reaches; pass a
    ``StoreIndex`` to share its cache across calls.
    """
    index = store if isinstance(store, StoreIndex) else StoreIndex(store)
    found: list[SupersededInput] = []
    seen: set[VersionKey] = set()
    pending = [manifest]
    while pending:
        consumer = pending.pop(0)
        for ref in consumer.inputs:
            if key_of(ref) in seen:
                continue
            seen.add(key_of(ref))
            current = index.current_version(ref.asset, ref.partition)
            if current != ref.version:
                found.append(SupersededInput(ref, current, consumer.short))
            upstream = index.manifest(ref.asset, ref.partition, ref.version) if transitive else None
            if upstream is not None:
                pending.append(upstream)
    return found
