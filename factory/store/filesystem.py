"""One fsspec filesystem for a store root: a local folder, or S3 through s3fs.

S3 credentials come from the usual AWS variables (or explicit options); the endpoint from
``FACTORY_S3_ENDPOINT``/``AWS_ENDPOINT_URL`` so the same code talks to AWS, MinIO or moto.
Transient S3 errors are retried with backoff (``StorageOptions.for_protocol``), in the driver and in
every datatrove task alike, since both get their options from here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

import fsspec

from factory import settings
from factory.faults import crash_point
from factory.store.manifest import SourceFile

TMP_SUFFIX = ".tmp"  # a leftover of a write that never finished: ignored by readers, removed by the next writer

# botocore's retries of every S3 call (see ``StorageOptions.for_protocol``): operational, not part of any version.
S3_RETRY_MODE = "standard"
S3_MAX_ATTEMPTS = 10  # attempts per call, the first included (botocore's ``total_max_attempts``)
_ATTEMPT_KEYS = ("total_max_attempts", "max_attempts")  # botocore's ``max_attempts`` counts retries, not attempts


@dataclass(frozen=True)
class StorageOptions:
    endpoint_url: str | None = None
    key: str | None = None
    secret: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def resolved(self) -> StorageOptions:
        """These options with the endpoint this process reads from the environment filled in: what a task on
        another machine (a Ray or Slurm worker without FACTORY_S3_ENDPOINT) needs to reach the same store."""
        return dataclasses.replace(self, endpoint_url=self.endpoint_url or settings.s3_endpoint())

    def for_protocol(self, protocol: str) -> dict[str, Any]:
        """fsspec options for ``protocol``. For S3: no listings cache (other writers change the bucket), the
        endpoint and credentials, and retries of transient errors.

        Retries are botocore's: ``mode=S3_RETRY_MODE`` ("standard"), ``total_max_attempts=S3_MAX_ATTEMPTS``
        (10 attempts per call, the first included). Retried: 500, 502, 503 and 504 responses (``InternalError``,
        ``SlowDown``...), S3's throttling codes, ``RequestTimeout``, and connections refused, reset or closed
        without a response. Not retried: other 4xx (a missing key, a denied request). Backoff: exponential with
        full jitter, ``rand(0, 1) * min(2 ** (attempt - 1), 20)`` seconds: about 55 s in all before the 10th
        attempt (111 s at most), enough to ride out a short outage. Even at 20% of requests failing at random,
        a call fails all 10 attempts about once in 10 million. Standard mode's retry quota (500 units per
        client, 5 per retry, given back when a retried call succeeds) stops a client retrying after about 100
        retries that never succeed, so an endpoint that is down fails calls instead of stalling every one.
        "adaptive" mode adds a client-side rate limiter that slows down after throttling: worth it when many
        workers write under one prefix and S3 keeps answering SlowDown.

        s3fs wraps every call in a loop of its own (``S3FileSystem.retries``: 5 rounds, 0.1-0.8 s apart; a
        class attribute, not an option) that re-runs a call still failing with ``SlowDown``, a dropped
        connection or a timeout once botocore has given up (not a 500): at most 5 x 10 attempts for a call
        that keeps failing that way, fewer once the quota runs out. That is why botocore's share stays at 10.

        Change them through ``extra``, merged into these defaults, e.g. ``StorageOptions(extra={"config_kwargs":
        {"retries": {"total_max_attempts": 4, "mode": "adaptive"}, "connect_timeout": 5}})``
        (``{"retries": {"total_max_attempts": 1}}`` switches retries off), or with botocore's own
        ``AWS_MAX_ATTEMPTS``/``AWS_RETRY_MODE`` variables, which replace the default they name.
        """
        if protocol not in ("s3", "s3a"):
            return dict(self.extra)
        options: dict[str, Any] = {"use_listings_cache": False, **self.extra}
        options["config_kwargs"] = _with_retry_defaults(self.extra.get("config_kwargs") or {})
        endpoint = self.endpoint_url or settings.s3_endpoint()
        if endpoint:
            options.setdefault("client_kwargs", {})["endpoint_url"] = endpoint
        if self.key:
            options["key"] = self.key
        if self.secret:
            options["secret"] = self.secret
        return options


def _with_retry_defaults(config_kwargs: dict[str, Any]) -> dict[str, Any]:
    """botocore ``Config`` arguments: ``config_kwargs`` over the factory's retry defaults (a copy)."""
    given = dict(config_kwargs.get("retries") or {})
    defaults: dict[str, Any] = {}
    if "mode" not in given and not os.environ.get("AWS_RETRY_MODE"):
        defaults["mode"] = S3_RETRY_MODE
    if not any(key in given for key in _ATTEMPT_KEYS) and not os.environ.get("AWS_MAX_ATTEMPTS"):
        defaults["total_max_attempts"] = S3_MAX_ATTEMPTS
    retries = {**defaults, **given}
    return {**config_kwargs, "retries": retries} if retries else dict(config_kwargs)


def local_source(name: str, path) -> SourceFile:
    """A local file (a labelled set, labelled pages) as a version's source: by its configured name, not where this
    machine keeps it, and its content."""
    return SourceFile(url=name, size=os.path.getsize(path), checksum=f"sha256:{local_sha256(path)[:16]}", format="jsonl")


def local_sha256(path) -> str:
    """SHA-256 of a local file, read in blocks (models and labelled sets are hashed into versions by content)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            digest.update(block)
    return digest.hexdigest()


def protocol_of(uri: str) -> str:
    return uri.split("://", 1)[0] if "://" in uri else "file"


def open_filesystem(uri: str, options: StorageOptions | None = None) -> tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem and the protocol-less path of ``uri``."""
    options = options or StorageOptions()
    fs, path = fsspec.core.url_to_fs(uri, **options.for_protocol(protocol_of(uri)))
    return fs, path.rstrip("/")


def is_local(fs: fsspec.AbstractFileSystem) -> bool:
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    return "file" in protocols or "local" in protocols


def write_atomic(fs: fsspec.AbstractFileSystem, path: str, data: bytes, crash_at: str | None = None) -> None:
    """Whole-or-nothing write: an S3 PUT is atomic; a local file is written under a unique
    temporary name and renamed into place, so two writers of one path never share a temp file.
    ``crash_at``: the crash point between the temporary file and the rename (see ``factory.faults``)."""
    if not is_local(fs):
        if crash_at:
            crash_point(crash_at)
        fs.pipe_file(path, data)
        return
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    tmp = f"{path}.{uuid.uuid4().hex[:12]}{TMP_SUFFIX}"
    fs.pipe_file(tmp, data)
    if crash_at:
        crash_point(crash_at)
    fs.mv(tmp, path)


FolderSpec = str | tuple[str, dict[str, Any]]


def join_folder(spec: FolderSpec, relpath: str) -> FolderSpec:
    """A datatrove DataFolder spec (a path, or a URI with fsspec options) for a subfolder of ``spec``."""
    if isinstance(spec, str):
        return f"{spec.rstrip('/')}/{relpath}"
    uri, options = spec
    return f"{uri.rstrip('/')}/{relpath}", options
