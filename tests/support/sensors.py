"""Sensors as the daemon evaluates them: with every resource the planner reads."""

from __future__ import annotations

from dagster import build_sensor_context


def sensor_resources(**overrides) -> dict:
    """The Definitions' resources under the test settings (``FACTORY_SETTINGS``), with ``overrides`` by key."""
    from assets.definitions import build_resources

    return {**build_resources(), **overrides}


def tick(sensor, instance=None, cursor: str | None = None, **overrides):
    """One evaluation of ``sensor`` with ``sensor_resources(**overrides)``."""
    return sensor(build_sensor_context(instance=instance, cursor=cursor, resources=sensor_resources(**overrides)))


def requested(result) -> list:
    """The partition keys a tick requested (none for a skip)."""
    return [request.partition_key for request in getattr(result, "run_requests", None) or []]
