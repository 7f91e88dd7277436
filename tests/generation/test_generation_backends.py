"""Each backend that runs here produces outputs from the real SmolLM2-135M on real C4 pages."""

from __future__ import annotations

import pytest

from factory.generation import GeneratorConfig, load_generator
from factory.generation.server import vllm_server
from generation_helpers import small_requests

MAX_TOKENS = 32


def assert_real_outputs(generations, requests):
    assert len(generations) == len(requests)
    for generation in generations:
        assert generation.finish_reason in ("stop", "length")
        assert 0 < generation.output_tokens <= MAX_TOKENS and generation.prompt_tokens > 100
        assert generation.text.strip(), "a real model writes something for a real page"
    assert len({g.text for g in generations}) > 1, "different pages give different outputs"


@pytest.mark.slow
def test_vllm_in_process_generates_for_two_recipes_on_one_engine(vllm_resource, c4_docs):
    from resources.generator import loaded_engines

    engine = vllm_resource.get()
    requests = small_requests(["finephrase_faq", "finephrase_tutorial"], c4_docs[:4], MAX_TOKENS)
    assert_real_outputs(engine.generate(requests), requests)
    assert vllm_resource.get() is engine and loaded_engines() == 1 and engine.device_type == "cpu"


@pytest.mark.slow
def test_transformers_generates(transformers_generator, c4_docs):
    requests = small_requests(["wrap_easy"], c4_docs[:4], MAX_TOKENS)
    assert_real_outputs(transformers_generator.generate(requests), requests)


@pytest.mark.slow
def test_openai_backend_against_a_real_vllm_server(smollm2_dir, c4_docs, tmp_path):
    requests = small_requests(["nemotron_distill"], c4_docs[:4], MAX_TOKENS)
    with vllm_server(str(smollm2_dir), log_path=tmp_path / "server.log") as base_url:
        generator = load_generator(GeneratorConfig(backend="openai", model=str(smollm2_dir), base_url=base_url, concurrency=4))
        assert_real_outputs(generator.generate(requests), requests)
        assert generator.device_type.startswith("remote:127.0.0.1") and generator.retries_used == 0


def test_openai_backend_names_the_server_when_it_is_unreachable(c4_docs):
    generator = load_generator(GeneratorConfig(backend="openai", model="m", base_url="http://127.0.0.1:9/v1", max_retries=1))
    with pytest.raises(RuntimeError, match=r"server http://127.0.0.1:9/v1 failed request 'c4-\d+' after 2 attempts"):
        generator.generate(small_requests(["wrap_easy"], c4_docs[:1], 8))
    assert generator.retries_used == 1
