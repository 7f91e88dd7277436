"""Where the factory keeps things, read from the environment with local defaults.

Everything lives under one home folder (``FACTORY_HOME``, default ``./.factory``) unless a
variable points a part elsewhere, so a fresh checkout runs with no configuration at all.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = ".factory"


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
    """The crawl source (see ``factory.crawl.sources.parse_source``); no default on purpose."""
    return os.environ.get("FACTORY_CRAWL") or None


def chunk_count() -> int:
    value = int(os.environ.get("FACTORY_CHUNKS", "4"))
    if value < 1:
        raise ValueError(f"FACTORY_CHUNKS must be >= 1, got {value}")
    return value


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
