"""What every materialization step returns, and the reuse check they all share.

A step computes its version from code, config and inputs; if that version is committed it
is reused (no work, no write), otherwise the step writes it. Either way the partition's
``_current.json`` points at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from factory.store import Manifest, Store, VersionWriter


@dataclass(frozen=True)
class StepResult:
    manifest: Manifest
    reused: bool
    # Display-only figures for the orchestrator (tables, samples); the manifest holds the record.
    metadata: dict[str, Any] = field(default_factory=dict)


def reuse_committed(store: Store, writer: VersionWriter) -> StepResult | None:
    """The committed version this writer would produce, made current; None if it must be built."""
    manifest = writer.committed
    if manifest is None:
        return None
    store.set_current(manifest)
    return StepResult(manifest, reused=True)
