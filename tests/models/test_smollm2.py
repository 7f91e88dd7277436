"""The packaged SmolLM2-135M-Instruct, converted once into a plain HF folder."""

from __future__ import annotations

import json
import time

from factory.models import count_tokens, ensure_smollm2


def test_cached_folder_is_a_plain_llama_with_its_tokenizer(smollm2_dir):
    config = json.loads((smollm2_dir / "config.json").read_text())
    assert config["model_type"] == "llama"
    assert "quantization_config" not in config
    assert (smollm2_dir / "tokenizer.json").exists()
    assert any(p.suffix == ".safetensors" for p in smollm2_dir.iterdir())


def test_second_lookup_reuses_the_cache(smollm2_dir):
    started = time.time()
    assert ensure_smollm2() == smollm2_dir
    assert time.time() - started < 1.0


def test_token_counts_come_from_the_smollm2_tokenizer(smollm2_dir):
    short, long = count_tokens(["Hello world.", "Hello world. " * 50])
    assert 2 <= short <= 4
    assert long > 40 * short / 2
