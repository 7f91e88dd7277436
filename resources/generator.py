"""The text generator as a Dagster resource: vLLM in process, an OpenAI-compatible server, or
transformers, chosen by ``backend``.

Model choice, explicit: ``model`` set -> that HF id or folder. Unset -> ``FACTORY_GENERATOR_MODEL``
if set; else the production default ``HuggingFaceTB/SmolLM2-1.7B-Instruct`` when a GPU is present
and the hub is reachable (``HF_HUB_OFFLINE`` unset); else (this CPU machine, offline) the local
SmolLM2-135M-Instruct folder from ``factory.models.ensure_smollm2()``. ``resolved_model()`` says
which, and the synthetic asset records it.

Engines are cached per process, keyed by their config: every partition and recipe a process
materializes (the demo, ``execute_in_process``, a run over several partitions) shares one
loaded engine. Where each run is its own process (Dagster's default launcher), point this
resource at a long-lived server instead (``backend: openai``) so no run reloads the model.

The server's API key is a secret: only an environment reference is configuration
(``api_key: {env: FACTORY_GENERATOR_API_KEY}`` in factory.yaml, ``EnvVar(...)`` in code; a plain value
in the settings file is refused), so Dagster's resource snapshots, the UI and the run storage hold the
variable's name, never its value. Unset, the key is read from ``FACTORY_GENERATOR_API_KEY``, the
variable the Pipes worker reads; it is left out of the extras, the manifests and the logs.
"""

import atexit
import logging
import os
import threading

from typing import ClassVar

from urllib.parse import urlparse

from pydantic import Field

from factory.generation import Generator, GeneratorConfig, load_generator
from factory.models.device import has_cuda
from factory.generation.backend import BACKENDS, LazyGenerator
from resources.checked import CheckedResource

log = logging.getLogger(__name__)
PRODUCTION_MODEL = "HuggingFaceTB/SmolLM2-1.7B-Instruct"
API_KEY_ENV = "FACTORY_GENERATOR_API_KEY"  # what the Pipes worker (workers/generate_synthetic.py) reads
SECRET = {"secret": True}  # a field that the settings file may only give as {env: NAME} (assets/definitions.py)
_ENGINES: dict[GeneratorConfig, Generator] = {}
_LOCK = threading.Lock()


def default_model() -> str:
    """The model used when none is configured (see the module docstring for the rule)."""
    if os.environ.get("FACTORY_GENERATOR_MODEL"):
        return os.environ["FACTORY_GENERATOR_MODEL"]
    offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false")
    if not offline and has_cuda():
        return PRODUCTION_MODEL
    from factory.models import ensure_smollm2

    return str(ensure_smollm2())


class GeneratorResource(CheckedResource):
    """Which backend and model generate synthetic text; the seed is the run's sampling seed."""

    key: ClassVar[str] = "generator"

    backend: str = Field(default="vllm", description="vllm (in process), openai (any OpenAI-compatible server) or transformers")
    model: str | None = Field(default=None, description="HF id or local folder; default: see default_model()")
    seed: int = Field(default=0, description="the run's sampling seed (engine-level; per request only with per_request_seed)")
    dtype: str = "auto"
    device: str = "auto"
    max_model_len: int = 2048
    kv_cache_gb: float | None = Field(default=None, description="vLLM KV cache size; default 2 GiB on CPU")
    gpu_memory_utilization: float = Field(default=0.85, description="vLLM on GPU: share of the GPU's memory it may take")
    enforce_eager: bool | None = Field(default=None, description="vLLM: no CUDA graphs / compilation; default on for CPU")
    batch_size: int = Field(default=8, description="transformers: prompts per generate() call")
    base_url: str | None = Field(default=None, description="openai backend: server URL, e.g. http://127.0.0.1:8000/v1")
    api_key: str | None = Field(default=None, json_schema_extra=SECRET,
                                description=f"openai backend: the server's API key, only as {{env: NAME}} / EnvVar('NAME'); "
                                            f"default {API_KEY_ENV}, else 'EMPTY'")
    served_model: str | None = None
    concurrency: int = Field(default=16, description="openai backend: requests in flight")
    max_retries: int = 4
    request_timeout_s: float = Field(default=600.0, description="openai backend: seconds before a request is retried")
    per_request_seed: bool = Field(default=False, description="send per-request seeds (crashed CPU vLLM once: off by default)")

    def check_config(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend {self.backend!r} is unknown: choose one of {sorted(BACKENDS)}")
        for name in ("concurrency", "batch_size", "max_model_len"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if not 0.0 < self.gpu_memory_utilization <= 1.0:
            raise ValueError(f"gpu_memory_utilization must be in (0, 1], got {self.gpu_memory_utilization}")
        if self.request_timeout_s <= 0:
            raise ValueError(f"request_timeout_s must be > 0 seconds, got {self.request_timeout_s}")
        if self.kv_cache_gb is not None and self.kv_cache_gb <= 0:
            raise ValueError(f"kv_cache_gb must be > 0 GiB or null (the default), got {self.kv_cache_gb}")
        if self.base_url:
            parsed = urlparse(self.base_url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValueError(f"base_url {self.base_url!r} is not an http(s):// URL, e.g. http://127.0.0.1:8000/v1")
        elif self.backend == "openai":
            raise ValueError("backend 'openai' needs base_url, the server's URL, e.g. http://127.0.0.1:8000/v1")

    def resolved_api_key(self) -> str:
        return self.api_key or os.environ.get(API_KEY_ENV) or "EMPTY"

    def worker_env(self) -> dict[str, str]:
        """The environment a Pipes worker needs for this generator: the key under the name the worker reads."""
        return {API_KEY_ENV: self.api_key} if self.api_key else {}

    def resolved_model(self) -> str:
        return self.model or default_model()

    def generator_config(self) -> GeneratorConfig:
        return GeneratorConfig(
            backend=self.backend, model=self.resolved_model(), seed=self.seed, dtype=self.dtype, device=self.device,
            max_model_len=self.max_model_len, gpu_memory_utilization=self.gpu_memory_utilization,
            kv_cache_gb=self.kv_cache_gb, enforce_eager=self.enforce_eager, batch_size=self.batch_size,
            base_url=self.base_url or "", api_key=self.resolved_api_key(), served_model=self.served_model or "",
            concurrency=self.concurrency, max_retries=self.max_retries, request_timeout_s=self.request_timeout_s,
            per_request_seed=self.per_request_seed,
        )

    def get(self) -> Generator:
        """The loaded generator for this config: loaded on first use, then shared in the process."""
        config = self.generator_config()
        with _LOCK:
            if config not in _ENGINES:
                log.info("loading generator %s/%s (once per process)", config.backend, config.model)
                _ENGINES[config] = load_generator(config)
            return _ENGINES[config]

    def lazy(self) -> Generator:
        """The same generator, loaded only when a partition actually generates (not on reuse)."""
        return LazyGenerator(self.generator_config(), self.get)


def loaded_engines() -> int:
    return len(_ENGINES)


def close_engines() -> None:
    """Shut every cached engine down (end of the demo, of a test session, of the process)."""
    with _LOCK:
        while _ENGINES:
            _, generator = _ENGINES.popitem()
            generator.close()


atexit.register(close_engines)
