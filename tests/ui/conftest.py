"""One `dagster dev` for the UI tests: its own DAGSTER_HOME, store and small crawl, all in tmp.

The crawl is a tmp folder of two dumps made of symlinked files from ../shared/data/web:
- `text`: two JSONL files of 10 pages each, one per chunk (FACTORY_CHUNKS=2) — the backfill test's;
- `html`: one WARC file (chunk 001) — materialized with a leaderboard by tests/ui/seed_instance.py, in a
  process of its own with the server's environment, started beside the server once it has created the
  instance (the backfill test runs meanwhile; the browser test waits for it).
Symlinked *files*, not folders: the crawl source skips a symlinked dump folder (fsspec lists it as
"other", not "directory").
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from ui_helpers import LOCATION, SEEDED_PARTITION

from factory.store import Store
from support.categories import classifier_in

REPO = Path(__file__).resolve().parents[2]
SEED = Path(__file__).with_name("seed_instance.py")
ARTIFACTS = REPO / ".factory" / "test-artifacts" / "ui"
CRAWL_FILES = {
    # Text and a WARC: the backfill's runs, launched by the daemon, extract HTML in Dagster's spawned step processes.
    "text": ["dolma/cc_en_head-0091.jsonl.gz", "olmo_c4/paloma_c4_100_domains_www.theguardian.com_val.jsonl.gz",
             "dolma/sample-0000.warc.gz"],
    "html": ["dolma/sample-0000.warc.gz"],
}
SERVER_START_TIMEOUT_S = 180
SEED_TIMEOUT_S = 420


def pytest_configure(config):
    config.addinivalue_line("markers", "ui: starts `dagster dev` (and Chromium): select with -m ui, "
                                       "skip with -m 'not ui'")


class GraphQLError(AssertionError):
    pass


@dataclass(frozen=True)
class DagsterUI:
    """A running `dagster dev`: its URL, the environment it runs with, and where its files are."""

    url: str
    env: dict[str, str]
    store_root: Path
    log: Path

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", body, {"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response)
        if answer.get("errors"):
            raise GraphQLError(f"GraphQL errors: {answer['errors']}")
        return answer["data"]

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_crawl(folder: Path, web_data: Path) -> Path:
    for dump, files in CRAWL_FILES.items():
        (folder / dump).mkdir(parents=True)
        for relpath in files:
            (folder / dump / Path(relpath).name).symlink_to(web_data / relpath)
    return folder


def ui_environment(root: Path, crawl: Path) -> dict[str, str]:
    """What both the seeding process and `dagster dev` (its code server and run workers) read."""
    return {
        **os.environ,
        "DAGSTER_HOME": str(root / "dagster"),
        "FACTORY_HOME": str(root / "factory"),
        "FACTORY_STORE": str(root / "store"),
        "FACTORY_CRAWL": str(crawl),
        "FACTORY_CHUNKS": "2",
        "FACTORY_MIXES": str(root / "mixes"),
        "FACTORY_PROXY_CONFIG": "test-micro",
        "FACTORY_EVAL_LIMIT": "3",
        "FACTORY_SETTINGS": "none",  # not the repo's factory.yaml: resource defaults plus the variables above
        "FACTORY_CACHE": os.environ.get("FACTORY_CACHE", str(REPO / ".factory" / "cache")),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
    }


def start_seeding(env: dict[str, str], shared_data: Path, log: Path) -> subprocess.Popen:
    """Materialize what the browser test opens, in the background (a run worker of its own, in effect)."""
    command = [sys.executable, str(SEED), "--crawl", SEEDED_PARTITION, "--shared-data", str(shared_data),
               "--mixes", env["FACTORY_MIXES"]]
    with log.open("w") as out:
        return subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)


def _default_signals() -> None:
    # A parent that ignores SIGTERM/SIGINT passes that on through exec; the server must die on them.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_until_loaded(ui: DagsterUI, process: subprocess.Popen) -> None:
    """/server_info answers first; the code location loads a few seconds later."""
    deadline = time.time() + SERVER_START_TIMEOUT_S
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dagster dev exited with {process.returncode}; log {ui.log}:\n{ui.log_tail()}")
        try:
            urllib.request.urlopen(f"{ui.url}/server_info", timeout=5).read()
            entries = ui.graphql("{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
                                 "locationOrLoadError { __typename ... on PythonError { message } } } } } }")
            (entry,) = entries["workspaceOrError"]["locationEntries"]
            if entry["loadStatus"] == "LOADED":
                if entry["locationOrLoadError"]["__typename"] != "RepositoryLocation":
                    pytest.fail(f"the code location did not load: {entry['locationOrLoadError']}")
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, GraphQLError, KeyError, ValueError):
            pass
        time.sleep(0.5)
    pytest.fail(f"dagster dev did not load {LOCATION['repositoryLocationName']} in {SERVER_START_TIMEOUT_S} s; "
                f"log {ui.log}:\n{ui.log_tail()}")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def prepare_dagster_home(env: dict[str, str]) -> None:
    """The factory's own DAGSTER_HOME setup (dagster.yaml with telemetry off, the welcome dialog seen)."""
    from assets.instance import ensure_dagster_home

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
        ensure_dagster_home()


def mark_welcome_seen(ui: DagsterUI) -> None:
    """The "Join the Dagster community" dialog covers a fresh UI until this is called (or the file exists)."""
    if not (Path(ui.env["DAGSTER_HOME"]) / ".nux" / "nux.yaml").exists():
        print("[ui] ensure_dagster_home did not mark the welcome dialog seen: calling setNuxSeen")
        ui.graphql("mutation { setNuxSeen }")


def stop_sensors(ui: DagsterUI) -> list[str]:
    """Stop the sensors that run by default (as the UI's toggle does): their runs would take the run slots
    and the cores the tests measure. Returns the names stopped."""
    query = """query($repo: RepositorySelector!) { sensorsOrError(repositorySelector: $repo) {
                 ... on Sensors { results { name sensorState { id status } } } } }"""
    stopped = []
    for sensor in ui.graphql(query, {"repo": LOCATION})["sensorsOrError"]["results"]:
        if sensor["sensorState"]["status"] == "RUNNING":
            result = ui.graphql("mutation($id: String!) { stopSensor(id: $id) { __typename "
                                "... on StopSensorMutationResult { instigationState { status } } } }",
                                {"id": sensor["sensorState"]["id"]})["stopSensor"]
            assert result["__typename"] == "StopSensorMutationResult", (sensor["name"], result)
            stopped.append(sensor["name"])
    return stopped


@dataclass
class UISession:
    ui: DagsterUI
    shared_data: Path
    seed_log: Path
    seeding: subprocess.Popen | None = None

    def start_seeding(self) -> None:
        if self.seeding is None:
            self.seeding = start_seeding(self.ui.env, self.shared_data, self.seed_log)


@pytest.fixture(scope="session")
def ui_session(request, tmp_path_factory, shared_data):
    """`dagster dev -h 127.0.0.1 -p <free port> -w workspace.yaml` on a fresh instance and, when a selected
    test needs it, the seeding started beside it as soon as the server has created the instance.
    Both stopped at the end."""
    root = tmp_path_factory.mktemp("dagster-ui")
    env = ui_environment(root, make_crawl(root / "crawl", shared_data / "web"))
    prepare_dagster_home(env)
    classifier_in(Store(str(root / "store")))  # filtered's input, committed as categories_job would (from the cache)
    port = free_port()
    ui = DagsterUI(url=f"http://127.0.0.1:{port}", env=env, store_root=root / "store", log=root / "dagster-dev.log")
    started = time.time()
    with ui.log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "dagster", "dev", "-h", "127.0.0.1", "-p", str(port),
                                   "-w", "workspace.yaml"],
                                  cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True, preexec_fn=_default_signals)
    session = UISession(ui, shared_data, root / "seed.log")
    try:
        wait_until_loaded(ui, server)
        stopped = stop_sensors(ui)
        mark_welcome_seen(ui)
        if any("seeded_ui" in item.fixturenames for item in request.session.items):
            session.start_seeding()
        print(f"\n[ui] dagster dev at {ui.url} ready in {time.time() - started:.0f} s; stopped sensors {stopped}; "
              f"DAGSTER_HOME {env['DAGSTER_HOME']}; log {ui.log}")
        yield session
    finally:
        if session.seeding is not None and session.seeding.poll() is None:
            session.seeding.kill()
            session.seeding.wait(timeout=30)
        stop(server)


@pytest.fixture(scope="session")
def dagster_ui(ui_session) -> DagsterUI:
    """The running server; the seeding may still be going on beside it."""
    return ui_session.ui


@pytest.fixture(scope="session")
def seeded_ui(ui_session) -> DagsterUI:
    """The running server once the seeding is done: `filtered` SEEDED_PARTITION and `leaderboard` materialized."""
    started = time.time()
    ui_session.start_seeding()
    try:
        code = ui_session.seeding.wait(timeout=SEED_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"seeding the UI instance took over {SEED_TIMEOUT_S} s; log {ui_session.seed_log}")
    if code != 0:
        tail = "\n".join(ui_session.seed_log.read_text(errors="replace").splitlines()[-40:])
        pytest.fail(f"seeding the UI instance failed (exit {code}); log {ui_session.seed_log}:\n{tail}")
    print(f"\n[ui] seeding: waited {time.time() - started:.0f} s more for it; "
          f"{ui_session.seed_log.read_text().strip().splitlines()[-1]}")
    return ui_session.ui


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
