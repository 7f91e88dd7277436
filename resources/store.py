"""The versioned store as a Dagster resource: a local folder by default, S3 by configuration."""


from dagster import ConfigurableResource
from pydantic import Field

from factory import settings
from factory.store import StorageOptions, Store


class StoreResource(ConfigurableResource):
    """Root of the versioned store. Unset fields fall back to FACTORY_STORE and FACTORY_S3_ENDPOINT.

    Credentials are never config: S3 clients (here, in datatrove's tasks and in the Pipes workers)
    read them from the environment (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile, or the
    instance's or pod's role), which a deployment fills from its secrets."""

    root: str | None = Field(default=None, description="local folder or s3://bucket/prefix; default FACTORY_STORE or .factory/store")
    endpoint_url: str | None = Field(default=None, description="S3 endpoint (MinIO, moto); default FACTORY_S3_ENDPOINT/AWS_ENDPOINT_URL")

    def storage_options(self) -> StorageOptions:
        return StorageOptions(endpoint_url=self.endpoint_url)

    def pipes_extras(self) -> dict[str, str | None]:
        """Where a Pipes worker finds the store; its credentials travel in the environment, never here."""
        return {"store_root": self.root or settings.store_root(), "store_endpoint": self.endpoint_url or settings.s3_endpoint()}

    def get(self) -> Store:
        return Store(self.root or settings.store_root(), self.storage_options())
