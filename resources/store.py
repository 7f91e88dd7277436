"""The versioned store as a Dagster resource: a local folder by default, S3 by configuration.

A bad store fails before any work, in two places. When the resources are built (the settings file,
the UI's code location, a sensor), the URL itself is checked: a local folder or ``s3://bucket/prefix``
with a valid bucket name, and an ``http(s)://`` endpoint. When a run or a sensor starts
(``setup_for_execution``, before any step reads or writes data), the store is probed: S3 credentials
must be found, then a small object is written under the root and deleted again, so a missing
bucket, rejected credentials, an unreachable endpoint or a local folder that cannot be created or
written is reported with the URL and what to do, not as a botocore traceback in the middle of a step.
"""

from __future__ import annotations

from typing import ClassVar

import os
import re
import uuid
from urllib.parse import urlparse

from dagster import InitResourceContext
from pydantic import Field

from factory import settings
from factory.store import StorageOptions, Store
from factory.store.filesystem import protocol_of
from resources.checked import CheckedResource

S3_PROTOCOLS = ("s3", "s3a")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
PROBE_PREFIX = "_store_probe-"  # ends in .tmp: readers ignore it even if a crash left it behind


class StoreConfigError(ValueError):
    """A store URL that cannot be used, or a store that cannot be reached or written: names the URL and the fix."""


class StoreResource(CheckedResource):
    """Root of the versioned store. Unset fields fall back to FACTORY_STORE and FACTORY_S3_ENDPOINT.

    Credentials are never config: S3 clients (here, in datatrove's tasks and in the Pipes workers)
    read them from the environment (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile, or the
    instance's or pod's role), which a deployment fills from its secrets."""

    key: ClassVar[str] = "store"

    root: str | None = Field(default=None, description="local folder or s3://bucket/prefix; default FACTORY_STORE or .factory/store")
    endpoint_url: str | None = Field(default=None, description="S3 endpoint (MinIO, moto); default FACTORY_S3_ENDPOINT/AWS_ENDPOINT_URL")

    def check_config(self) -> None:  # the URL's shape, when the resources are built; the probe runs at run start
        check_store_url(self.root_uri(), self.endpoint(), self._root_key(""), self._endpoint_key())

    def root_uri(self) -> str:
        return self.root or settings.store_root()

    def endpoint(self) -> str | None:
        return self.endpoint_url or settings.s3_endpoint()

    def storage_options(self) -> StorageOptions:
        return StorageOptions(endpoint_url=self.endpoint_url)

    def pipes_extras(self) -> dict[str, str | None]:
        """Where a Pipes worker finds the store; its credentials travel in the environment, never here."""
        return {"store_root": self.root_uri(), "store_endpoint": self.endpoint()}

    def get(self) -> Store:
        return Store(self.root_uri(), self.storage_options())

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self.probe()

    def probe(self) -> None:
        """Write and delete one small object under the root: raises StoreConfigError naming the URL and the fix."""
        uri = self.root_uri()
        where = f"store root {uri!r} ({self._root_key()})"
        protocol = protocol_of(uri)
        if protocol in S3_PROTOCOLS:
            _check_credentials(where)
        try:
            store = self.get()
            path = f"{store.root}/{PROBE_PREFIX}{uuid.uuid4().hex[:12]}.tmp"
            store.put(path, b"")
            store.fs.rm_file(path)
        except Exception as error:  # noqa: BLE001 - every failure becomes one message with the URL and the fix
            raise StoreConfigError(_explain(error, where, uri, self.endpoint())) from None

    def _root_key(self, prefix: str = "resources.store.") -> str:
        return f"{prefix}root" if self.root else ("FACTORY_STORE" if os.environ.get("FACTORY_STORE") else "FACTORY_HOME/store")

    def _endpoint_key(self) -> str:
        return "endpoint_url" if self.endpoint_url else "FACTORY_S3_ENDPOINT/AWS_ENDPOINT_URL"


def check_store_url(uri: str, endpoint: str | None, root_key: str = "root", endpoint_key: str = "endpoint_url") -> None:
    """The URL's shape only (no I/O): a local folder, or s3://bucket/prefix with a valid bucket, and an http(s) endpoint."""
    protocol = protocol_of(uri)
    if protocol not in ("file", "local", *S3_PROTOCOLS):
        raise StoreConfigError(f"{root_key}: store root {uri!r} has the unknown protocol {protocol!r}; use a local folder "
                               "(e.g. /data/factory) or s3://bucket/prefix")
    if protocol in S3_PROTOCOLS:
        bucket = uri.split("://", 1)[1].split("/", 1)[0]
        if not _BUCKET.match(bucket) or ".." in bucket:
            raise StoreConfigError(f"{root_key}: store root {uri!r}: {bucket!r} is not a valid S3 bucket name "
                                   "(3-63 characters: lowercase letters, digits, '.' and '-')")
        if endpoint is not None:
            parsed = urlparse(endpoint)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise StoreConfigError(f"{endpoint_key}: S3 endpoint {endpoint!r} is not an http(s):// URL "
                                       "(e.g. http://127.0.0.1:9000 for MinIO)")


def _check_credentials(where: str) -> None:
    """Credentials as boto finds them (variables, profile, container or instance role); none: say which variables."""
    import botocore.session

    if botocore.session.get_session().get_credentials() is None:
        missing = [name for name in CREDENTIAL_VARIABLES if not os.environ.get(name)]
        raise StoreConfigError(f"{where}: no S3 credentials found: {', '.join(missing) or 'none of the AWS variables'} "
                               "not set, and no AWS_PROFILE or instance/pod role; set them in this process's environment "
                               "(credentials are never read from factory.yaml)")


def _explain(error: Exception, where: str, uri: str, endpoint: str | None) -> str:
    import botocore.exceptions as boto

    at = f" at endpoint {endpoint}" if endpoint else ""
    if isinstance(error, boto.NoCredentialsError | boto.PartialCredentialsError):
        return (f"{where}: no usable S3 credentials ({error}); set {' and '.join(CREDENTIAL_VARIABLES)} "
                "(or AWS_PROFILE) in this process's environment")
    if isinstance(error, boto.EndpointConnectionError | boto.ConnectTimeoutError):
        return f"{where}: cannot reach S3{at}: {error}; check FACTORY_S3_ENDPOINT / resources.store.endpoint_url"
    if protocol_of(uri) in S3_PROTOCOLS:
        bucket = uri.split("://", 1)[1].split("/", 1)[0]
        if isinstance(error, FileNotFoundError):
            return f"{where}: the bucket {bucket!r} does not exist{at}: create it, or point the store at an existing bucket"
        if isinstance(error, PermissionError):
            return (f"{where}: S3 refused a test write to bucket {bucket!r}{at} ({error}): check that the credentials "
                    f"({', '.join(CREDENTIAL_VARIABLES)}) are valid and may write under the root")
        return f"{where}: a test write{at} failed: {type(error).__name__}: {error}"
    reason = getattr(error, "strerror", None) or str(error)
    return (f"{where}: the local folder cannot be created or written ({type(error).__name__}: {reason}); "
            "choose a writable folder (FACTORY_STORE or resources.store.root)")
