"""Any OpenAI-compatible chat server (``vllm serve``, SGLang, TGI): an async client with a
concurrency limit and retries with exponential backoff.

Requests run concurrently up to ``concurrency`` so the server can batch them; a request that
fails with a transient error (connection, timeout, 429, 5xx) is retried ``max_retries`` times.
The server's model and device are its own: ``device_type`` reports ``remote:<host>``, so the
accelerator-hours of a run against a server are billed to that label, not to this machine.
The API key (``config.api_key``) goes to the server only: labels and messages show the server's
URL without any user or password in it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import zlib
from collections.abc import Sequence
from urllib.parse import urlparse

from factory.generation.backend import FINISH_LENGTH, FINISH_STOP, Generation, GenerationRequest, Generator, GeneratorConfig

log = logging.getLogger(__name__)


class OpenAIGenerator(Generator):
    backend = "openai"
    supports_request_seed = True

    def __init__(self, config: GeneratorConfig):
        super().__init__(config)
        self.served_model = config.served_model or config.model
        self.retries_used = 0

    @property
    def device_type(self) -> str:
        return f"remote:{urlparse(public_url(self.config.base_url)).netloc}"

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        if not requests:
            return []
        return asyncio.run(self._generate_all(list(requests)))

    async def _generate_all(self, requests: list[GenerationRequest]) -> list[Generation]:
        from openai import AsyncOpenAI

        client = AsyncOpenAI(base_url=self.config.base_url, api_key=self.config.api_key, timeout=self.config.request_timeout_s, max_retries=0)
        limit = asyncio.Semaphore(self.config.concurrency)
        try:
            return list(await asyncio.gather(*(self._one(client, limit, r) for r in requests)))
        finally:
            await client.close()

    async def _one(self, client, limit: asyncio.Semaphore, request: GenerationRequest) -> Generation:
        import openai

        sampling = request.sampling
        extra_body = {"repetition_penalty": sampling.repetition_penalty}
        if sampling.top_k > 0:
            extra_body["top_k"] = sampling.top_k
        seed = (self.config.seed * 1_000_003 + zlib.crc32(request.request_id.encode())) % (2**31) if self.config.per_request_seed else None
        for attempt in range(self.config.max_retries + 1):
            try:
                async with limit:
                    response = await client.chat.completions.create(
                        model=self.served_model, messages=request.messages, temperature=sampling.temperature,
                        top_p=sampling.top_p, max_tokens=sampling.max_tokens, seed=seed, extra_body=extra_body,
                    )
                break
            except (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError, openai.InternalServerError) as error:
                if attempt == self.config.max_retries:
                    raise RuntimeError(
                        f"OpenAI-compatible server {public_url(self.config.base_url)} failed request {request.request_id!r} "
                        f"after {attempt + 1} attempts: {error}. Check that the server is up and serves {self.served_model!r}"
                    ) from error
                self.retries_used += 1
                delay = min(30.0, 0.5 * 2**attempt) * (0.5 + random.random())
                log.warning("request %s failed (%s); retry %d in %.1f s", request.request_id, type(error).__name__, attempt + 1, delay)
                await asyncio.sleep(delay)
        choice = response.choices[0]
        usage = response.usage
        return Generation(
            text=choice.message.content or "",
            prompt_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            finish_reason=FINISH_LENGTH if choice.finish_reason == "length" else FINISH_STOP,
        )


def public_url(url: str) -> str:
    """``url`` without a ``user:password@`` part, for labels, manifests and messages."""
    parsed = urlparse(url)
    if "@" not in parsed.netloc:
        return url
    return parsed._replace(netloc=parsed.netloc.rsplit("@", 1)[1]).geturl()
