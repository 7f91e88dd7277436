"""The one generation interface every backend implements.

A backend takes chat requests (messages + sampling settings) and returns, in order, the text,
the token counts and why generation stopped (``stop`` or ``length``). Batching, concurrency and
retries are the backend's business; checks, chunking and commits are the step's. Backends
report the device they ran on so the step can bill accelerator-hours by device type.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from factory.generation.sampling import SamplingSettings

log = logging.getLogger(__name__)

FINISH_STOP, FINISH_LENGTH = "stop", "length"


@dataclass(frozen=True)
class GenerationRequest:
    messages: list[dict[str, str]]
    sampling: SamplingSettings
    request_id: str = ""


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    output_tokens: int
    finish_reason: str  # "stop" (end of sequence) or "length" (hit max_tokens)


@dataclass(frozen=True)
class GeneratorConfig:
    """What a generator loads and how it runs.

    ``model`` is an HF id or a local folder. ``seed`` is the run's sampling seed: set once per
    engine (vLLM, transformers) and sent per request only where ``per_request_seed`` is on
    (per-request seeds crashed CPU vLLM's server once, so that is off by default).
    """

    backend: str = "vllm"
    model: str = ""
    seed: int = 0
    dtype: str = "auto"  # vllm/transformers dtype; "auto": float32 on CPU, bfloat16 on GPU
    device: str = "auto"  # "auto", "cpu", "cuda"
    max_model_len: int = 2048
    gpu_memory_utilization: float = 0.85
    kv_cache_gb: float | None = None  # vLLM KV cache; None: 2 GiB on CPU (vLLM would take 85% of RAM), by utilization on GPU
    enforce_eager: bool | None = None  # None: on for CPU (compilation costs minutes there), off on GPU
    batch_size: int = 8  # transformers: prompts per generate() call
    base_url: str = ""  # openai backend: e.g. http://127.0.0.1:8000/v1
    api_key: str = field(default="EMPTY", repr=False)  # a secret: never in a repr, a log line or an error
    served_model: str = ""  # openai backend: the model name the server knows (default: model)
    concurrency: int = 16
    max_retries: int = 4
    request_timeout_s: float = 600.0
    per_request_seed: bool = False

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"generator backend {self.backend!r} is unknown: expected one of {sorted(BACKENDS)}")
        if not self.model:
            raise ValueError("generator model is empty: give an HF model id or a local folder")
        if self.concurrency < 1 or self.batch_size < 1:
            raise ValueError(f"concurrency and batch_size must be >= 1, got {self.concurrency} and {self.batch_size}")
        if self.backend == "openai" and not self.base_url:
            raise ValueError("the openai backend needs base_url (e.g. http://127.0.0.1:8000/v1)")


class Generator(abc.ABC):
    """A loaded model behind one backend; ``close()`` frees it (engines hold GBs)."""

    backend: str = ""
    supports_request_seed: bool = False

    def __init__(self, config: GeneratorConfig):
        self.config = config

    @property
    def model(self) -> str:
        return self.config.model

    def model_identity(self) -> dict:
        """The model by content (weights' hash and quantization, or the hub revision): part of the version."""
        from factory.models.identity import model_identity

        return model_identity(self.model)

    @property
    @abc.abstractmethod
    def device_type(self) -> str:
        """``cpu`` or the accelerator's name (``cuda:NVIDIA H100 80GB HBM3``)."""

    @abc.abstractmethod
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """One Generation per request, in request order."""

    def close(self) -> None:  # noqa: B027 - optional for backends that hold nothing
        """Release the model; the generator cannot be used afterwards."""

    def __enter__(self) -> Generator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


BACKENDS = ("vllm", "openai", "transformers")


class LazyGenerator(Generator):
    """A generator whose engine loads on first use: a partition that reuses its committed version
    never loads a model."""

    def __init__(self, config: GeneratorConfig, load: Callable[[], Generator]):
        super().__init__(config)
        self.backend = config.backend
        self._load, self._engine = load, None

    @property
    def engine(self) -> Generator:
        if self._engine is None:
            self._engine = self._load()
        return self._engine

    @property
    def device_type(self) -> str:
        return self.engine.device_type

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        return self.engine.generate(requests)

    def close(self) -> None:
        """Close the engine if it was loaded (an engine shared through a cache must not be closed this way)."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None


def device_label(device: str) -> str:
    """``cpu`` or ``cuda:<GPU name>``: the key of accelerator-hours in manifests."""
    if device.startswith("cuda"):
        import torch

        return f"cuda:{torch.cuda.get_device_name(0)}"
    return "cpu"
