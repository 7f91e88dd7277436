"""The embedded Dagster instance: SQLite under DAGSTER_HOME, telemetry off."""

from __future__ import annotations

from pathlib import Path

from factory import settings

DAGSTER_YAML = """\
telemetry:
  enabled: false
# One run at a time per pool by default: GPU steps (generation, training) share the `gpu` pool.
concurrency:
  pools:
    default_limit: 1
"""


def ensure_dagster_home() -> Path:
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    return home
