"""One fsspec filesystem for a store root: a local folder, or S3 through s3fs.

S3 credentials come from the usual AWS variables (or explicit options); the endpoint from
``FACTORY_S3_ENDPOINT``/``AWS_ENDPOINT_URL`` so the same code talks to AWS, MinIO or moto.
"""

from __future__ import annotations

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
