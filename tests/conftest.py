"""Shared fixtures: real data from ../shared/data, a local or S3 (moto) store, the cached model."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Offline, and caches inside the project: set before anything imports transformers or datasets.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("FACTORY_CACHE", str(REPO / ".factory" / "cache"))
os.environ.setdefault("DAGSTER_HOME", str(REPO / ".factory" / "dagster-tests"))
# Tests size their own resources; the project's factory.yaml (the demo's sizes) applies only where a test says so.
os.environ.setdefault("FACTORY_SETTINGS", "none")
# The labelled pages the category and quality classifiers train on (relative paths in their settings).
os.environ.setdefault("FACTORY_LABELLED_DATA", str(Path(os.environ.get("FACTORY_SHARED_DATA", REPO.parent / "shared" / "data"))
                                                   / "classification"))

from factory import settings  # noqa: E402

settings.set_offline_defaults()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = Path(os.environ.get("FACTORY_SHARED_DATA", REPO.parent / "shared" / "data"))
    if not path.exists():
        pytest.fail(f"real test data not found at {path}: set FACTORY_SHARED_DATA to the shared/data folder")
    return path


@pytest.fixture(scope="session")
def web_data(shared_data: Path) -> Path:
    return shared_data / "web"


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 endpoint on 127.0.0.1 (moto's server), with credentials in the environment."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint) -> str:
    import boto3

    name = f"factory-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture(params=["local", "s3"])
def store_root(request, tmp_path) -> str:
    """A fresh store root, once as a local folder and once as a bucket on the S3 endpoint."""
    if request.param == "local":
        return str(tmp_path / "store")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    os.environ["FACTORY_S3_ENDPOINT"] = endpoint
    return f"s3://{bucket}/store"


@pytest.fixture
def store(store_root):
    from factory.store import Store

    return Store(store_root)


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    """The real SmolLM2-135M-Instruct as an HF folder, converted once into the project cache."""
    from factory.models import ensure_smollm2

    return ensure_smollm2()
