"""Shared fixtures: real data from ../shared/data, a local or S3 (moto) store, the cached model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHIPPED_DEMO_TIMEOUT_S = 1500  # the README promises the demo in ~10 minutes here; a hang fails well before CI's limit
# Offline, and caches inside the project: set before anything imports transformers or datasets.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("FACTORY_CACHE", str(REPO / ".factory" / "cache"))
os.environ.setdefault("DAGSTER_HOME", str(REPO / ".factory" / "dagster-tests"))  # per xdist worker: pytest_configure
# Tests size their own resources; the project's factory.yaml (the demo's sizes) applies only where a test says so.
os.environ.setdefault("FACTORY_SETTINGS", "none")
# The labelled pages the category and quality classifiers train on (relative paths in their settings).
os.environ.setdefault("FACTORY_LABELLED_DATA", str(Path(os.environ.get("FACTORY_SHARED_DATA", REPO.parent / "shared" / "data"))
                                                   / "classification"))

from factory import settings  # noqa: E402

settings.set_offline_defaults()


def pytest_configure(config):
    """A pytest-xdist worker gets its own Dagster instance (two processes writing one SQLite instance lock each other
    out; the worker's id is known here, not when this file is imported) and the environment of a plain run."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker and os.environ["DAGSTER_HOME"] == str(REPO / ".factory" / "dagster-tests"):
        os.environ["DAGSTER_HOME"] = str(REPO / ".factory" / f"dagster-tests-{worker}")
    if worker:  # xdist sets COLUMNS=80 in its workers, which fixes the width of every rich console made at import
        os.environ.pop("COLUMNS", None)


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


@dataclass(frozen=True)
class ShippedDemo:
    """`factory demo` run to completion with the shipped factory.yaml in a fresh home: its environment, store and report."""

    home: Path
    env: dict[str, str]
    report: dict
    output: str

    @property
    def store_root(self) -> str:
        return str(self.home / "store")

    def run(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
        """A `factory` command against the demo's store and instance."""
        return subprocess.run([str(Path(sys.executable).parent / "factory"), *args], cwd=REPO, env=self.env,
                              capture_output=True, text=True, timeout=timeout)


def shipped_demo_env(home: Path) -> dict[str, str]:
    """What `make demo` sees on a fresh clone: the repository's factory.yaml and no FACTORY_* overrides, in a fresh home
    (the model cache is shared: converting SmolLM2 is per machine, not per store)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FACTORY_", "DAGSTER_"))}
    return env | {"FACTORY_HOME": str(home), "FACTORY_SETTINGS": str(REPO / "factory.yaml"),
                  "FACTORY_CACHE": os.environ["FACTORY_CACHE"], "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


@pytest.fixture(scope="session")
def shipped_demo(tmp_path_factory) -> ShippedDemo:
    """The README's main job as shipped, run once per session (about ten minutes on 2 cores); tests that need a whole
    store read this one instead of building their own. Put them in tests/demo/: under `make test` one worker runs a
    folder (see ``pytest_xdist_make_scheduler``), so the demo runs once."""
    home = tmp_path_factory.mktemp("shipped-demo")
    env = shipped_demo_env(home)
    report = home / "demo-report.json"
    demo = subprocess.run([str(Path(sys.executable).parent / "factory"), "demo", "--report", str(report)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=SHIPPED_DEMO_TIMEOUT_S)
    output = demo.stdout + demo.stderr
    if demo.returncode != 0:
        pytest.fail(f"`factory demo` with the shipped factory.yaml exited {demo.returncode}:\n{output[-6000:]}")
    return ShippedDemo(home, env, json.loads(report.read_text()), output)


# The two longest, most CPU-hungry folders share one unit, run one after the other by one worker while the other
# worker takes every other folder: run side by side they slowed each other past their time limits on 2 cores.
HEAVY_UNIT = {"demo": "demo", "fast_filters": "demo"}


def pytest_xdist_make_scheduler(config, log):
    """`make test` runs two pytest-xdist workers (``-n 2 --dist loadscope``), and each test folder is one unit of
    work: a folder's session and module fixtures (a trained classifier, a Ray cluster, `dagster dev`, the shipped
    demo) are built by one worker only. (xdist's own ``loadgroup`` cannot be used: its group suffix on node ids is
    lost on pytest 9.) The units go out in collection order, the shipped demo's first: it is the longest, and the
    other worker takes the rest meanwhile."""
    from xdist.scheduler import LoadScopeScheduling

    class FolderScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            parts = nodeid.split("::", 1)[0].split("/")
            folder = parts[1] if len(parts) > 2 and parts[0] == "tests" else "tests"
            return HEAVY_UNIT.get(folder, folder)

    config.option.loadscopereorder = False
    return FolderScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """The shipped demo's unit first, the demo itself before the equivalence test (see above)."""
    def heavy_first(item) -> int:
        folder = Path(str(item.path)).relative_to(REPO / "tests").parts[0]
        return 0 if folder == "demo" else 1 if folder in HEAVY_UNIT else 2

    items.sort(key=heavy_first)
