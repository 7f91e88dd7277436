"""Input-addressed versions, as in Marin's executor.

A version is the hash of what determines the output: asset, code version, the versioned
config (models in it by content hash), the versions of the libraries that decide the output and
the versions of the inputs. Operational settings (workers, batch sizes that do not
change results) stay out, so changing them reuses committed data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from factory.store.manifest import InputRef, SourceFile

VERSION_LENGTH = 16


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def compute_version(
    asset: str,
    code_version: str,
    config: dict[str, Any],
    inputs: Sequence[InputRef] = (),
    sources: Sequence[SourceFile] = (),
    libraries: Mapping[str, str] | None = None,
) -> str:
    identity = {
        "asset": asset,
        "code_version": code_version,
        "config": config,
        "libraries": dict(sorted((libraries or {}).items())),
        "inputs": sorted((ref.asset, ref.partition, ref.version) for ref in inputs),
        "sources": sorted((src.url, src.checksum) for src in sources),
    }
    return hashlib.sha256(canonical_json(identity).encode()).hexdigest()[:VERSION_LENGTH]


def content_hash(checksums: Iterable[tuple[str, str]]) -> str:
    """Hash of a version's content: its file paths and their checksums."""
    digest = hashlib.sha256()
    for path, checksum in sorted(checksums):
        digest.update(f"{path}\0{checksum}\n".encode())
    return digest.hexdigest()[:VERSION_LENGTH]
