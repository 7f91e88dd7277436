"""One fsspec filesystem for a store root: a local folder, or S3 through s3fs.

S3 credentials come from the usual AWS variables (or explicit options); the endpoint from
``FACTORY_S3_ENDPOINT``/``AWS_ENDPOINT_URL`` so the same code talks to AWS, MinIO or moto.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import fsspec

from factory import settings


@dataclass(frozen=True)
class StorageOptions:
    endpoint_url: str | None = None
    key: str | None = None
    secret: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def for_protocol(self, protocol: str) -> dict[str, Any]:
        if protocol not in ("s3", "s3a"):
            return dict(self.extra)
        options: dict[str, Any] = {"use_listings_cache": False, **self.extra}
        endpoint = self.endpoint_url or settings.s3_endpoint()
        if endpoint:
            options.setdefault("client_kwargs", {})["endpoint_url"] = endpoint
        if self.key:
            options["key"] = self.key
        if self.secret:
            options["secret"] = self.secret
        return options


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


def write_atomic(fs: fsspec.AbstractFileSystem, path: str, data: bytes) -> None:
    """Whole-or-nothing write: an S3 PUT is atomic; a local file is written under a unique
    temporary name and renamed into place, so two writers of one path never share a temp file."""
    if not is_local(fs):
        fs.pipe_file(path, data)
        return
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    tmp = f"{path}.{uuid.uuid4().hex[:12]}.tmp"
    fs.pipe_file(tmp, data)
    fs.mv(tmp, path)


FolderSpec = str | tuple[str, dict[str, Any]]


def join_folder(spec: FolderSpec, relpath: str) -> FolderSpec:
    """A datatrove DataFolder spec (a path, or a URI with fsspec options) for a subfolder of ``spec``."""
    if isinstance(spec, str):
        return f"{spec.rstrip('/')}/{relpath}"
    uri, options = spec
    return f"{uri.rstrip('/')}/{relpath}", options
