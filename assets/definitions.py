"""The factory's Definitions: every asset, job, sensor and resource, merged in one place."""

from __future__ import annotations

import importlib
import logging
import os
import typing

from dagster import Definitions, EnvVar, load_asset_checks_from_modules, load_assets_from_modules
from pydantic import ValidationError

from assets.curation_sensors import deduped_sensor
from assets.plans import ASSET_MODULES
from assets.proxy_sensors import contamination_sensor, leaderboard_sensor, mix_sensor, training_sensor
from assets.quality_sensors import categories_sensor, quality_model_sensor, quality_sensor
from assets.sensors import crawl_sensor
from assets.staleness import STALENESS_CHECKS, staleness_job, staleness_schedule
from assets.synthetic_sensors import recipe_sensor, synthetic_sensor
from factory import settings
from factory.mixing import MixRecipeError
from factory.mixing.bounds import mix_bound_problems
from resources import resource_types

log = logging.getLogger(__name__)
# Every sensor, in the order the factory's data flows: `make demo` ticks them in this order, each until it requests
# nothing more (assets/demo.py), so the main job is exactly what the daemon's sensors would do.
SENSORS = [categories_sensor, crawl_sensor, deduped_sensor, quality_model_sensor, quality_sensor, recipe_sensor,
           synthetic_sensor, contamination_sensor, mix_sensor, training_sensor, leaderboard_sensor]
RESOURCE_TYPES = resource_types()  # every resource class by the key it declares (resources/__init__.py)


def build_resources() -> dict:
    """One set of resources for the UI, the CLI, the sensors and the demo: the settings file's fields
    (``resources: {key: {field: value}}``) on top of the defaults; the environment picks local or S3.

    A field may name an environment variable instead of a value (``api_key: {env: FACTORY_GENERATOR_API_KEY}``),
    which becomes Dagster's ``EnvVar``: resolved when a run starts, shown and stored by its name only.
    Secret fields (``json_schema_extra={"secret": True}``) accept nothing else. Every resource checks its
    configuration when it is built here, so a bad value fails now, naming the key, the field and the value."""
    unknown = sorted(set(settings.load_settings().get("resources") or {}) - set(RESOURCE_TYPES))
    if unknown:
        raise settings.SettingsError(f"settings file {settings.settings_file()}: unknown resource(s) {unknown}; "
                                     f"expected some of {sorted(RESOURCE_TYPES)}")
    launcher = {"kind": os.environ.get("FACTORY_GPU_LAUNCHER", "subprocess"), "image": os.environ.get("FACTORY_IMAGE"),
                "namespace": os.environ.get("FACTORY_K8S_NAMESPACE")}
    resources = {key: _configured(key, resource_type, launcher if key == "gpu_launcher" else {})
                 for key, resource_type in RESOURCE_TYPES.items()}
    _check_mix_bounds(resources)
    return resources


def _check_mix_bounds(resources: dict) -> None:
    """The demo's mixes must fit what the synthetic settings can generate: one that cannot is refused now, before any
    run, rather than at the mix step after generation. Another requested mix that cannot is named in a warning (its
    run will fail), so that a catalogue of recipes for larger settings does not take down the code location; nor does
    a recipe file that does not load, which the mix sensor names."""
    bound = resources["synthetic_settings"].token_bound()
    if bound is None:
        return
    try:
        recipes = resources["mix_recipes"].load()
    except MixRecipeError:
        return
    problems = mix_bound_problems(recipes, {"synthetic": bound})
    if demo := [problem for name, problem in problems.items() if recipes[name].demo]:
        raise settings.SettingsError(f"settings file {settings.settings_file()}: {demo[0]}")
    for problem in problems.values():
        log.warning("%s (the mix sensor will request it)", problem)


def _configured(key: str, resource_type: type, defaults: dict):
    where = f"settings file {settings.settings_file()}: resources.{key}"
    given = settings.resource_settings(key)
    unknown = sorted(set(given) - set(resource_type.model_fields))
    if unknown:
        raise settings.SettingsError(f"{where}: unknown field(s) {unknown}; {resource_type.__name__} has {sorted(resource_type.model_fields)}")
    fields = {**defaults, **{name: _value(where, name, value, resource_type.model_fields[name]) for name, value in given.items()}}
    try:
        return resource_type(**fields)
    except ValidationError as error:
        problems = "; ".join(_problem(resource_type, problem) for problem in error.errors())
        raise settings.SettingsError(f"{where}: {problems}") from None


def _value(where: str, name: str, value, field):
    """A settings-file value as the resource takes it: ``{env: NAME}`` becomes ``EnvVar``; secrets take nothing else."""
    secret = bool((field.json_schema_extra or {}).get("secret"))
    if isinstance(value, dict) and set(value) == {"env"}:
        variable = value["env"]
        if not isinstance(variable, str) or not variable.strip():
            raise settings.SettingsError(f"{where}.{name}: {{env: ...}} needs the name of an environment variable, got {variable!r}")
        accepts = typing.get_args(field.annotation) or (field.annotation,)
        if str in accepts:
            return EnvVar(variable)
        if int in accepts:
            return EnvVar.int(variable)
        raise settings.SettingsError(f"{where}.{name}: {{env: {variable}}} works for text and integer fields only")
    if secret and value is not None:  # never echo the value: it is the secret
        raise settings.SettingsError(f"{where}.{name} is a secret: give the name of the environment variable that holds it, "
                                     f"e.g. {name}: {{env: FACTORY_GENERATOR_API_KEY}}, never the value itself")
    return value


def _problem(resource_type: type, problem: dict) -> str:
    """One pydantic error as 'field: what is wrong, got value' (secret fields never show their value)."""
    field = ".".join(str(part) for part in problem.get("loc", ()))
    message = problem.get("msg", "").removeprefix("Value error, ")
    name = str(problem["loc"][0]) if problem.get("loc") else ""
    secret = name in resource_type.model_fields and (resource_type.model_fields[name].json_schema_extra or {}).get("secret")
    shown = f", got {problem['input']!r}" if field and "input" in problem and not secret else ""
    return f"{field}: {message}{shown}" if field else message


ASSET_MODULE_OBJECTS = [importlib.import_module(name) for name in ASSET_MODULES]
defs = Definitions(
    assets=load_assets_from_modules(ASSET_MODULE_OBJECTS),
    asset_checks=[*load_asset_checks_from_modules(ASSET_MODULE_OBJECTS), *STALENESS_CHECKS],
    # Every job a sensor requests (no second list), and the staleness checks' job.
    jobs=[*{job.name: job for sensor in SENSORS if sensor.targets for job in sensor.jobs}.values(), staleness_job],
    schedules=[staleness_schedule],
    sensors=SENSORS,
    resources=build_resources(),
)
