"""The manifest: what a committed dataset version is, where it came from, and what made it.

It is written last, so its presence is the commit. Its ``inputs`` (other store versions) and
``sources`` (external files such as WARCs) make the lineage graph, readable without Dagster.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

MANIFEST_NAME = "_manifest.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class InputRef:
    """A store version this version was made from."""

    asset: str
    partition: str
    version: str
    uri: str
    content_hash: str = ""


@dataclass(frozen=True)
class SourceFile:
    """An external file this version was made from (a WARC, a WET, a JSONL dump)."""

    url: str
    size: int
    checksum: str
    records: int | None = None
    format: str = ""
    # Size + ETag/mtime from the listing, without reading the file: what decides whether it changed.
    # Empty in manifests written before it existed.
    fingerprint: str = ""


@dataclass(frozen=True)
class FileEntry:
    """A data file of the version, relative to the version's folder."""

    path: str
    size: int
    sha256: str
    rows: int | None = None


@dataclass(frozen=True)
class Manifest:
    asset: str
    partition: str
    version: str
    content_hash: str
    code_version: str
    config: dict[str, Any]
    inputs: list[InputRef]
    files: list[FileEntry]
    counts: dict[str, int]
    uri: str = ""
    sources: list[SourceFile] = field(default_factory=list)
    operational: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None
    packages: dict[str, str] = field(default_factory=dict)  # recorded: every tracked package
    libraries: dict[str, str] = field(default_factory=dict)  # part of the version: those that decide the output
    parts: int = 0
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)
        raw["inputs"] = [InputRef(**item) for item in raw.get("inputs", [])]
        raw["files"] = [FileEntry(**item) for item in raw.get("files", [])]
        raw["sources"] = [SourceFile(**item) for item in raw.get("sources", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in raw.items() if key in known})

    def files_under(self, name: str) -> list[FileEntry]:
        """The files of one named table of the version (``documents``, ``removed/url_filter``)."""
        prefix = name.rstrip("/") + "/"
        return [entry for entry in self.files if entry.path.startswith(prefix)]

    @property
    def short(self) -> str:
        return f"{self.asset}[{self.partition}]@{self.version}"
