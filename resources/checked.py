"""Resources that check their whole configuration when they are built, before any run starts.

A resource is built when the settings file is read (``assets.definitions.build_resources``: the UI's
code location, the ``dagster`` CLI, the demo, the sensors) and again by Dagster when a run or a
sensor evaluation starts, with ``EnvVar`` values resolved. ``check_config`` runs both times, so a bad
value fails the settings file with the resource key, the field, the value and what is valid, and a
value that only arrives through the environment fails when the run starts, before any step reads
or writes data. While a field still holds an unresolved ``EnvVar`` the check waits for run start.
"""

from __future__ import annotations

from typing import Any

from dagster import ConfigurableResource, EnvVar
from dagster._config.field_utils import IntEnvVar  # EnvVar.int(...): not exported at the top level
from pydantic import ConfigDict, model_validator


class CheckedResource(ConfigurableResource):
    """A ConfigurableResource whose ``check_config`` runs on every construction with resolved values."""

    # Errors name the field and the problem, never echo the whole input: it may hold a resolved secret.
    model_config = ConfigDict(hide_input_in_errors=True)

    def check_config(self) -> None:
        """Raise ValueError (naming the field, the value and what is valid) for a configuration that cannot work."""

    @model_validator(mode="wrap")
    @classmethod
    def _checked(cls, data: Any, handler):
        resource = handler(data)
        if isinstance(data, dict) and any(isinstance(value, EnvVar | IntEnvVar) for value in data.values()):
            return resource  # checked again at run start, once Dagster has resolved the environment
        try:
            resource.check_config()
        except (ValueError, TypeError, OSError) as error:
            raise ValueError(str(error)) from None
        return resource
