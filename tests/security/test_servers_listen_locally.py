"""Every server the factory starts listens on 127.0.0.1 unless told otherwise: the Dagster UI (`factory ui`,
which runs `dagster dev`), vLLM's OpenAI-compatible server, and the local Ray the curation executor starts.
One test starts the real UI and reads every listening socket of its process tree."""

from __future__ import annotations

import contextlib
import inspect
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
LOCAL = "127.0.0.1"


def test_factory_ui_runs_dagster_dev_on_127_0_0_1(monkeypatch, tmp_path):
    import assets.cli
    import assets.ui_server

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    commands = []
    monkeypatch.setattr(assets.ui_server, "serve", lambda command, env: commands.append(command) or 0)
    result = CliRunner().invoke(assets.cli.app, ["ui", "--port", "3999"])
    assert result.exit_code == 0, result.output
    [command] = commands
    assert command[command.index("-h") + 1] == LOCAL and command[command.index("-p") + 1] == "3999"


def test_the_vllm_server_listens_on_127_0_0_1_unless_a_host_is_given():
    from factory.generation.server import DEFAULT_HOST, server_command, vllm_server

    assert DEFAULT_HOST == LOCAL
    assert inspect.signature(vllm_server).parameters["host"].default == LOCAL
    command = server_command("model-dir", port=8123)
    assert command[command.index("--host") + 1] == LOCAL
    command = server_command("model-dir", port=8123, host="10.0.0.5")
    assert command[command.index("--host") + 1] == "10.0.0.5"


def test_the_local_ray_is_started_on_127_0_0_1_without_a_dashboard(monkeypatch):
    """What the factory asks of Ray. Ray's own daemons (GCS, raylet, agents) still bind every interface: see docs."""
    import ray

    from factory.curation.executors import ExecutorSpec

    calls = []
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", lambda **kwargs: calls.append(kwargs))
    ExecutorSpec(kind="ray", workers=1)._ensure_ray()
    [kwargs] = calls
    assert kwargs["_node_ip_address"] == LOCAL and kwargs["include_dashboard"] is False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCAL, 0))
        return sock.getsockname()[1]


def _listening(root: psutil.Process) -> list[tuple[str, str, int]]:
    found = []
    for process in [root, *root.children(recursive=True)]:
        try:
            for connection in process.net_connections(kind="inet"):
                if connection.status == psutil.CONN_LISTEN:
                    found.append((" ".join(process.cmdline()[:4]), connection.laddr.ip, connection.laddr.port))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def test_the_real_factory_ui_listens_only_on_127_0_0_1(tmp_path):
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster"), "FACTORY_HOME": str(tmp_path / "factory"),
           "FACTORY_SETTINGS": "none", "FACTORY_CRAWL": str(tmp_path / "no-crawl"), "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "ui.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(Path(sys.executable).parent / "factory"), "ui", "--port", str(port)], cwd=REPO, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    started: list[psutil.Process] = []
    try:
        deadline = time.time() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://{LOCAL}:{port}/server_info", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.time() > deadline:
                    pytest.fail(f"factory ui did not answer on {LOCAL}:{port}:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(1)
        listening = _listening(psutil.Process(process.pid))
        assert (LOCAL, port) in {(ip, p) for _, ip, p in listening}
        exposed = [entry for entry in listening if entry[1] != LOCAL]
        assert not exposed, f"listening beyond 127.0.0.1: {exposed}"
        # Stopped as a service manager or a terminal would stop it: SIGTERM to `factory ui` alone. Every process it
        # started (dagster dev, the webserver, the daemon, the code server) must be gone within 10 s.
        started = psutil.Process(process.pid).children(recursive=True)
        assert len(started) >= 3, [p.cmdline()[:4] for p in started]
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        _, alive = psutil.wait_procs(started, timeout=10)
        assert not alive, f"left running after factory ui stopped: {[(p.pid, p.cmdline()[:4]) for p in alive]}"
    finally:
        _stop_group(process)
        for leftover in started:  # dagster dev runs in a session of its own: not in the group stopped above
            with contextlib.suppress(psutil.NoSuchProcess):
                leftover.kill()


def _stop_group(process: subprocess.Popen, grace_s: float = 30.0) -> None:
    """SIGTERM to the UI's process group (dagster dev, webserver, daemon, code server), then SIGKILL what is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.time() + grace_s
    while time.time() < deadline:
        process.poll()
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
