"""The embedded Dagster instance: SQLite under DAGSTER_HOME, telemetry off, runs queued to fit the machine."""

from __future__ import annotations

import os
from pathlib import Path

from factory import settings

MANAGED_MARK = "# Written by the factory (assets/instance.py); delete this line to keep your own edits."
DAGSTER_YAML = """\
{mark}
telemetry:
  enabled: false
concurrency:
  # Runs queue beyond one per CPU core ({cores} here): eight crawl runs at once on 2 cores starved each other.
  runs:
    max_concurrent_runs: {cores}
  # One run at a time per pool by default: GPU steps (generation, training) share the `gpu` pool.
  pools:
    default_limit: 1
# A run that fails (a crawl run under load, a flaky read) is retried once by the daemon, from its failed steps;
# the store skips whatever its first attempt committed.
run_retries:
  enabled: true
  max_retries: 1
"""


def dagster_yaml(cores: int | None = None) -> str:
    return DAGSTER_YAML.format(mark=MANAGED_MARK, cores=max(1, cores or os.cpu_count() or 1))


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME with the factory's dagster.yaml (rewritten while it carries the factory's mark, so
    upgrades reach it; left alone once a user removes the mark) and the welcome dialog marked as seen,
    so a new user meets the asset graph, not a newsletter form."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text().startswith(MANAGED_MARK):
        wanted = dagster_yaml()
        if not config.exists() or config.read_text() != wanted:
            config.write_text(wanted)
    nux = home / ".nux" / "nux.yaml"  # where `dagster._core.nux` looks
    if not nux.exists():
        nux.parent.mkdir(exist_ok=True)
        nux.write_text("seen: 1\n")
    return home
