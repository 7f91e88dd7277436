"""Human labels, kept in the store beside the version they judge, one JSON-lines file per labelling session.

Layout: ``<root>/_labels/<asset>/<partition path>/<version>/<session-id>.jsonl``, one object per labelled
document: ``{"id", "label", "classifier_category", "timestamp"}``. The folder starts with ``_`` so audits and
asset listings pass it by; keying by version means labels never get mixed with a later version's documents.
A session rewrites its whole file atomically after every label (a few hundred short lines), so a crash or a
closed terminal loses nothing, and a label changed after going back replaces the earlier one in place.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from factory.store import Manifest, Store, partition_path
from factory.store.partitions import check_value

LABELS_DIR = "_labels"


@dataclass(frozen=True)
class LabelRecord:
    id: str
    label: str
    classifier_category: str | None
    timestamp: str  # ISO 8601, UTC


def labels_dir(store: Store, asset: str, partition: str, version: str) -> str:
    asset, version = check_value(asset, "asset name"), check_value(version, "version")
    return f"{store.root}/{LABELS_DIR}/{asset}/{partition_path(partition)}/{version}"


def new_session_id() -> str:
    """Sorts by start time; the random tail keeps two sessions started in the same second apart."""
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


class LabelSession:
    """The labels one person gives in one sitting, written to the store as they are given."""

    def __init__(self, store: Store, manifest: Manifest, session_id: str | None = None):
        self.store = store
        self.session_id = check_value(session_id or new_session_id(), "session id")
        self.path = f"{labels_dir(store, manifest.asset, manifest.partition, manifest.version)}/{self.session_id}.jsonl"
        self._records: dict[str, LabelRecord] = {}

    def record(self, doc_id: str, label: str, classifier_category: str | None) -> LabelRecord:
        """Label ``doc_id`` (again: the new label replaces the old) and write the session file."""
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        record = LabelRecord(doc_id, label, classifier_category, now)
        self._records[doc_id] = record
        data = "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in self._records.values())
        self.store.put_atomic(self.path, data.encode())
        return record

    def label_of(self, doc_id: str) -> str | None:
        record = self._records.get(doc_id)
        return record.label if record else None

    @property
    def records(self) -> list[LabelRecord]:
        return list(self._records.values())


def read_sessions(store: Store, asset: str, partition: str, version: str) -> dict[str, list[LabelRecord]]:
    """Every session's labels of one version, by session id (oldest session first)."""
    folder = labels_dir(store, asset, partition, version)
    sessions = {}
    for path in store.glob(f"{folder}/*.jsonl"):
        lines = [line for line in store.get(path).decode().splitlines() if line.strip()]
        try:
            sessions[path.rsplit("/", 1)[-1].removesuffix(".jsonl")] = [LabelRecord(**json.loads(line)) for line in lines]
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: not a label file ({error}); move it out of {folder}") from error
    return sessions


def read_labels(store: Store, asset: str, partition: str, version: str) -> list[LabelRecord]:
    """The labels of one version over all sessions; a document labelled in several keeps its latest label."""
    latest: dict[str, LabelRecord] = {}
    for records in read_sessions(store, asset, partition, version).values():
        for record in records:
            if record.id not in latest or record.timestamp >= latest[record.id].timestamp:
                latest[record.id] = record
    return list(latest.values())
