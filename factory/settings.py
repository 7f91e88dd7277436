"""Where the factory keeps things and how big its runs are: the environment, then the settings file.

Everything lives under one home folder (``FACTORY_HOME``, default ``./.factory``) unless a
variable points a part elsewhere, so a fresh checkout runs with no configuration at all.

The settings file (``FACTORY_SETTINGS``, default ``./factory.yaml`` when it exists; ``none`` for
no file) holds the crawl source and the resources' settings. The demo, the UI (``dagster dev``),
the ``dagster`` CLI and the sensors all build their resources from it, so they compute the same
versions and a partition one of them made is a no-op for the others. An environment variable
(``FACTORY_CRAWL``...) beats the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULT_HOME = ".factory"
DEFAULT_SETTINGS_FILE = "factory.yaml"
SETTINGS_KEYS = ("crawl_source", "labelled_data", "resources")


class SettingsError(ValueError):
    """A settings file that cannot be read or has unknown keys."""


def home() -> Path:
    return Path(os.environ.get("FACTORY_HOME", DEFAULT_HOME)).absolute()


def store_root() -> str:
    """The versioned store: a local folder or ``s3://bucket/prefix``."""
    return os.environ.get("FACTORY_STORE") or str(home() / "store")


def cache_dir() -> Path:
    """Converted models and other per-machine caches, shared by every step."""
    return Path(os.environ.get("FACTORY_CACHE") or home() / "cache").absolute()


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or home() / "dagster").absolute()


def crawl_uri() -> str | None:
    """The crawl source (see ``factory.crawl.sources.parse_source``): FACTORY_CRAWL, else the settings file's
    ``crawl_source`` (relative folders are taken from the file's folder); no built-in default on purpose."""
    if os.environ.get("FACTORY_CRAWL"):
        return os.environ["FACTORY_CRAWL"]
    text = load_settings().get("crawl_source")
    if not text:
        return None
    base = settings_file().parent  # type: ignore[union-attr]  # a crawl_source implies a file
    return ",".join(_from_folder(base, item.strip()) for item in str(text).split(","))


def labelled_path(path: str, what: str) -> str:
    """A labelled data file: as given when absolute or a URI, else under the labelled-data folder
    (FACTORY_LABELLED_DATA, else the settings file's ``labelled_data``, relative to the file)."""
    if "://" in path or Path(path).is_absolute():
        return path
    folder = os.environ.get("FACTORY_LABELLED_DATA")
    if not folder:
        text = load_settings().get("labelled_data")
        if not text:
            raise SettingsError(f"{what}: {path!r} is relative, and no labelled-data folder is set: set labelled_data in "
                                "factory.yaml or FACTORY_LABELLED_DATA (e.g. ../shared/data/classification), or give an absolute path")
        folder = _from_folder(settings_file().parent, str(text))  # type: ignore[union-attr]
    return str(Path(folder) / path)


def settings_file() -> Path | None:
    """The settings file in use: FACTORY_SETTINGS (``none``: no file), else ./factory.yaml if it exists."""
    chosen = os.environ.get("FACTORY_SETTINGS")
    if chosen is not None:
        if chosen.strip().lower() in ("", "none"):
            return None
        path = Path(chosen).absolute()
        if not path.is_file():
            raise SettingsError(f"FACTORY_SETTINGS={chosen!r}: no such file; point it at a YAML settings file or set it to 'none'")
        return path
    default = Path(DEFAULT_SETTINGS_FILE).absolute()
    return default if default.is_file() else None


def load_settings() -> dict[str, Any]:
    path = settings_file()
    if path is None:
        return {}
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise SettingsError(f"settings file {path} is not valid YAML: {error}") from error
    if not isinstance(loaded, dict):
        raise SettingsError(f"settings file {path}: expected a mapping with the keys {list(SETTINGS_KEYS)}, got {type(loaded).__name__}")
    unknown = sorted(set(loaded) - set(SETTINGS_KEYS))
    if unknown:
        raise SettingsError(f"settings file {path}: unknown key(s) {unknown}; expected {list(SETTINGS_KEYS)}")
    for key in ("crawl_source", "labelled_data"):
        if loaded.get(key) is not None and not isinstance(loaded[key], str):
            raise SettingsError(f"settings file {path}: {key} must be text (a folder or URI), got {loaded[key]!r}")
    source = loaded.get("crawl_source")
    if source is not None and not isinstance(source, str):
        raise SettingsError(f"settings file {path}: crawl_source must be text (folders, comma-separated, or "
                            f"commoncrawl:CC-MAIN-...), got {source!r}")
    resources = loaded.get("resources")
    if resources is not None and not isinstance(resources, dict):
        raise SettingsError(f"settings file {path}: resources must map resource keys to their fields, got {resources!r}")
    for key, fields in (resources or {}).items():
        if fields is not None and not isinstance(fields, dict):
            raise SettingsError(f"settings file {path}: resources.{key} must map field names to values, got {fields!r}")
    return loaded


def resource_settings(key: str) -> dict[str, Any]:
    """The settings file's fields for the resource bound to ``key`` (empty when none are set)."""
    return dict((load_settings().get("resources") or {}).get(key) or {})


def _from_folder(base: Path, item: str) -> str:
    if "://" in item or ":" in item.split("/", 1)[0] or Path(item).is_absolute():
        return item  # s3://..., commoncrawl:CC-MAIN-..., /abs/path
    return str((base / item).resolve())


def env_int(name: str, unit: str, default: int | None = None, minimum: int | None = None) -> int | None:
    """An integer environment variable (``default`` when unset or empty); a bad value names the variable and what
    it counts (``unit``), so a typo fails when the resources are built, not deep inside a step."""
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number of {unit}, got {text!r}") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"{name} must be >= {minimum} {unit}, got {value}")
    return value


def chunk_count() -> int:
    return env_int("FACTORY_CHUNKS", "chunks per dump", default=4, minimum=1)  # type: ignore[return-value]


def s3_endpoint() -> str | None:
    return os.environ.get("FACTORY_S3_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL") or None


def set_offline_defaults() -> None:
    """Nothing is downloaded at run time: hubs offline, caches inside the factory's cache."""
    cache = cache_dir()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HOME", str(cache / "hf"))
    os.environ.setdefault("VLLM_CACHE_ROOT", str(cache / "vllm"))
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(cache / "torchinductor"))
    os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
    os.environ.setdefault("DAGSTER_HOME", str(dagster_home()))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
