"""transformers ``generate``: the fallback that runs wherever torch does (no vLLM needed).

Prompts are batched ``batch_size`` at a time with left padding; requests with different
sampling settings go in different batches. Each batch is seeded from the run's seed and its
first request id, so a resumed chunk samples exactly as it would have in the first run.
"""

from __future__ import annotations

import gc
import logging
import time
import zlib
from collections.abc import Sequence
from itertools import groupby

from factory.generation.backend import (
    FINISH_LENGTH, FINISH_STOP, Generation, GenerationRequest, Generator, GeneratorConfig, device_label,
)
from factory.models.device import resolve_device

log = logging.getLogger(__name__)


class TransformersGenerator(Generator):
    backend = "transformers"

    def __init__(self, config: GeneratorConfig):
        super().__init__(config)
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self._device = resolve_device(config.device)
        dtype = getattr(torch, config.dtype) if config.dtype != "auto" else (torch.bfloat16 if self._device.startswith("cuda") else torch.float32)
        started = time.time()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(config.model)
            self.model_ = AutoModelForCausalLM.from_pretrained(config.model, dtype=dtype).to(self._device).eval()
        except OSError as error:
            raise RuntimeError(f"transformers could not load {config.model!r}: {error}. Give a local HF folder or a cached model id") from error
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.load_s = time.time() - started
        log.info("transformers loaded %s on %s in %.1f s", config.model, self._device, self.load_s)

    @property
    def device_type(self) -> str:
        return device_label(self._device)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        results: list[Generation | None] = [None] * len(requests)
        indexed = sorted(enumerate(requests), key=lambda item: repr(item[1].sampling))
        for _, group in groupby(indexed, key=lambda item: repr(item[1].sampling)):
            members = list(group)
            for start in range(0, len(members), self.config.batch_size):
                batch = members[start:start + self.config.batch_size]
                for (index, _), generation in zip(batch, self._generate_batch([r for _, r in batch])):
                    results[index] = generation
        return [r for r in results if r is not None]

    def _generate_batch(self, requests: list[GenerationRequest]) -> list[Generation]:
        import torch

        sampling = requests[0].sampling
        prompts = [self.tokenizer.apply_chat_template(r.messages, tokenize=False, add_generation_prompt=True) for r in requests]
        encoded = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self._device)
        torch.manual_seed((self.config.seed * 1_000_003 + zlib.crc32(requests[0].request_id.encode())) % (2**31))
        kwargs = {"do_sample": False} if sampling.greedy else {
            "do_sample": True, "temperature": sampling.temperature, "top_p": sampling.top_p,
            "top_k": sampling.top_k if sampling.top_k > 0 else 0,
        }
        with torch.inference_mode():
            output = self.model_.generate(
                **encoded, max_new_tokens=sampling.max_tokens, repetition_penalty=sampling.repetition_penalty,
                pad_token_id=self.tokenizer.pad_token_id, **kwargs,
            )
        prompt_width = encoded["input_ids"].shape[1]
        eos = self.tokenizer.eos_token_id
        results = []
        for row, mask in zip(output, encoded["attention_mask"]):
            new = row[prompt_width:].tolist()
            ended = eos in new
            tokens = new[: new.index(eos)] if ended else [t for t in new if t != self.tokenizer.pad_token_id]
            results.append(Generation(
                text=self.tokenizer.decode(tokens, skip_special_tokens=True), prompt_tokens=int(mask.sum()),
                output_tokens=len(tokens) + (1 if ended else 0),
                finish_reason=FINISH_STOP if ended or len(tokens) < sampling.max_tokens else FINISH_LENGTH,
            ))
        return results

    def close(self) -> None:
        self.model_ = None
        gc.collect()
