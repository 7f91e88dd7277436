"""`factory ui`'s server: `dagster dev` in a process group of its own, stopped whole.

`dagster dev` starts the webserver, the daemon and a code server. Stopping `factory ui` used to leave them all running
(SIGTERM ended only the Python that launched them; a second SIGINT did not reach them). Here a SIGINT or SIGTERM to
`factory ui` is passed to the whole group as SIGINT, `dagster dev`'s own clean shutdown; whatever is left after the
grace period is killed, so nothing outlives the command.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

GRACE_S = 8.0  # dagster dev's clean shutdown, then SIGKILL: everything is gone within 10 s


def serve(command: list[str], env: dict[str, str], grace_s: float = GRACE_S) -> int:
    """Run ``command`` in a new process group until it exits or this process is told to stop; returns its exit code
    (0 when stopped by a signal)."""
    server = subprocess.Popen(command, env=env, start_new_session=True)
    stopping: list[int] = []

    def on_signal(signum, _frame) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while server.poll() is None and not stopping:
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop_group(server, grace_s)
    return 0 if stopping else server.returncode


def stop_group(server: subprocess.Popen, grace_s: float) -> None:
    """SIGINT to the server's process group, then SIGKILL to what is left of it after ``grace_s``."""
    try:
        os.killpg(server.pid, signal.SIGINT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and _group_alive(server):
        time.sleep(0.2)
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait(timeout=5)


def _group_alive(server: subprocess.Popen) -> bool:
    """Whether any process of the server's group is still running (the leader may have exited before its children)."""
    server.poll()
    try:
        os.killpg(server.pid, 0)
    except ProcessLookupError:
        return False
    return True
