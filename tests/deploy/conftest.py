"""A real PostgreSQL server for the tests: Debian's PostgreSQL 15 binaries, a cluster in a temporary
folder, listening on 127.0.0.1 only, stopped when the session ends."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

DATABASE, USER = "dagster", "factory"


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.fail("PostgreSQL is not installed: `apt-get install -y postgresql` (scripts/install.sh does it as root)")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres_user(command: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server as the `postgres` system user when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres() -> dict[str, str]:
    """The connection settings of a fresh server, as the DAGSTER_PG_* variables deploy/*.yaml read."""
    # Not under pytest's tmp_path: its folders are private to root, and the server runs as `postgres`.
    binaries, root = postgres_bin(), Path(tempfile.mkdtemp(prefix="factory-postgres-"))
    data, port = root / "data", free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    run = lambda *args: subprocess.run(as_postgres_user([str(binaries / args[0]), *args[1:]]), check=True,  # noqa: E731
                                       capture_output=True, text=True)
    run("initdb", "-D", str(data), "-U", USER, "-A", "trust", "--no-sync")
    run("pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-w", "-o",
        f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off", "start")
    try:
        run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", USER, DATABASE)
        yield {"DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": str(port), "DAGSTER_PG_DB": DATABASE,
               "DAGSTER_PG_USERNAME": USER, "DAGSTER_PG_PASSWORD": "unused-with-trust-auth"}
    finally:
        run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
