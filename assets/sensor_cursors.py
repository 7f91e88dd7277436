"""The sensors' cursors as the daemon keeps them in the instance, for the demo to read and advance.

`factory demo` evaluates the sensors in its own process. Were it to start each from an empty
cursor and keep the result to itself, the daemon behind `factory ui` would later start from an
empty cursor too and request every chunk again. So the demo reads each sensor's stored cursor and
writes back the one its evaluation returns, exactly as `dagster sensor cursor --set` does, on the
code location that `workspace.yaml` names (loaded in process: same names, same selector ids).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import DagsterInstance
from dagster._cli.workspace.cli_target import (  # the same loaders `dagster sensor cursor` uses
    get_code_location_from_workspace,
    get_remote_repository_from_code_location,
    get_workspace_from_cli_opts,
)
from dagster._core.remote_representation.external import RemoteRepository
from dagster._core.scheduler.instigation import InstigatorState, InstigatorStatus, InstigatorType, SensorInstigatorData
from dagster.version import __version__ as dagster_version
from dagster_shared.cli import WorkspaceOpts

WORKSPACE_FILE = str(Path(__file__).resolve().parents[1] / "workspace.yaml")  # the one `factory ui` serves


class SensorCursors:
    def __init__(self, instance: DagsterInstance, repository: RemoteRepository):
        self.instance, self.repository = instance, repository

    def get(self, sensor_name: str) -> str | None:
        state = self._state(sensor_name)
        return state.instigator_data.cursor if state and state.instigator_data else None

    def set(self, sensor_name: str, cursor: str | None) -> None:
        """Store ``cursor`` as the sensor's, keeping its status (running or stopped) and tick history."""
        if cursor is None:
            return
        sensor, state = self.repository.get_sensor(sensor_name), self._state(sensor_name)
        if state is None:
            self.instance.add_instigator_state(InstigatorState(
                sensor.get_remote_origin(), InstigatorType.SENSOR, InstigatorStatus.DECLARED_IN_CODE,
                SensorInstigatorData(min_interval=sensor.min_interval_seconds, cursor=cursor, sensor_type=sensor.sensor_type),
            ))
            return
        data = state.instigator_data
        self.instance.update_instigator_state(state.with_data(SensorInstigatorData(
            last_tick_timestamp=data.last_tick_timestamp, last_run_key=data.last_run_key,
            min_interval=sensor.min_interval_seconds, cursor=cursor,
            last_tick_start_timestamp=data.last_tick_start_timestamp,
            last_sensor_start_timestamp=data.last_sensor_start_timestamp, sensor_type=sensor.sensor_type,
        )))

    def _state(self, sensor_name: str) -> InstigatorState | None:
        sensor = self.repository.get_sensor(sensor_name)
        return self.instance.get_instigator_state(sensor.get_remote_origin_id(), sensor.selector_id)


@contextmanager
def sensor_cursors(instance: DagsterInstance, workspace_file: str = WORKSPACE_FILE) -> Iterator[SensorCursors]:
    opts = WorkspaceOpts(workspace=(workspace_file,))
    with get_workspace_from_cli_opts(instance, version=dagster_version, workspace_opts=opts, allow_in_process=True) as workspace:
        location = get_code_location_from_workspace(workspace, None)
        yield SensorCursors(instance, get_remote_repository_from_code_location(location, None))
