"""Real C4 documents as a source dataset, and one engine per backend per test session."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from factory.generation import GeneratorConfig
from factory.models import count_tokens
from generation_helpers import C4_FILE, DUMP


@pytest.fixture(scope="session")
def c4_docs(web_data: Path) -> list[dict]:
    """The first 12 real C4 pages of 80-400 SmolLM2 tokens, as `documents` rows."""
    rows = []
    with gzip.open(web_data / C4_FILE, "rt") as handle:
        for number, line in enumerate(handle):
            record = json.loads(line)
            tokens = count_tokens([record["text"]])[0]
            if 80 <= tokens <= 400:
                rows.append({"id": f"c4-{number:05d}", "text": record["text"], "url": record.get("url", ""), "dump": DUMP,
                             "source_file": C4_FILE, "tokens": tokens, "metadata": json.dumps({"date": record.get("timestamp", "")})})
            if len(rows) == 12:
                return rows
    raise AssertionError(f"{C4_FILE} has fewer than 12 pages of 80-400 tokens")


@pytest.fixture(scope="session")
def vllm_resource(smollm2_dir):
    """The in-process vLLM engine, loaded once per session through the resource's process cache."""
    from resources.generator import GeneratorResource, close_engines

    resource = GeneratorResource(backend="vllm", model=str(smollm2_dir))
    resource.get()
    yield resource
    close_engines()


@pytest.fixture(scope="session")
def transformers_generator(smollm2_dir):
    from factory.generation import load_generator

    generator = load_generator(GeneratorConfig(backend="transformers", model=str(smollm2_dir), batch_size=4))
    yield generator
    generator.close()

