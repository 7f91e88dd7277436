"""Proxy configs: shipped ones load; bad ones name the field; operational fields stay out of the identity."""

from __future__ import annotations

import pytest

from factory.training.config import ProxyConfig, ProxyConfigError, configs_dir, load_proxy_config
from factory.training.model import build_model, flops_per_token, parameter_counts


def test_shipped_configs_load_and_gpu_sizes_span_135m_to_1_7b():
    from transformers import LlamaConfig

    from factory.training.model import llama_config

    names = sorted(p.stem for p in configs_dir().glob("*.yaml"))
    assert {"tiny-cpu", "proxy-135m", "proxy-360m", "proxy-1.7b"} <= set(names)
    sizes = {}
    for name in ("proxy-135m", "proxy-1.7b"):
        config = load_proxy_config(name)
        shape: LlamaConfig = llama_config(config.model, config.context)
        h, layers, inter, vocab = shape.hidden_size, shape.num_hidden_layers, shape.intermediate_size, shape.vocab_size
        kv = shape.num_key_value_heads * (h // shape.num_attention_heads)
        sizes[name] = vocab * h + layers * (2 * h * h + 2 * h * kv + 3 * h * inter)
    assert 130e6 < sizes["proxy-135m"] < 140e6 and 1.6e9 < sizes["proxy-1.7b"] < 1.9e9


def test_bad_config_names_field():
    raw = {"name": "x", "model": {"hidden_size": 30, "intermediate_size": 64, "num_layers": 1, "num_heads": 4}}
    with pytest.raises(ProxyConfigError, match="hidden_size 30 must be divisible by num_heads 4"):
        ProxyConfig.from_dict(raw)
    with pytest.raises(ProxyConfigError, match="unknown model field"):
        ProxyConfig.from_dict({"name": "x", "model": {"hidden": 32}})
    with pytest.raises(ProxyConfigError, match="not found"):
        load_proxy_config("no-such-config")


def test_operational_fields_do_not_change_identity():
    config = load_proxy_config("tiny-cpu")
    assert config.with_overrides(threads=1, device="cpu").identity() == config.identity()
    assert config.with_overrides(train_tokens=5).identity() != config.identity()


def test_flops_per_token_counts_tied_head_once():
    config = load_proxy_config("test-micro")
    counts = parameter_counts(build_model(config))
    assert flops_per_token(config, counts) == 6 * counts["params"] + 12 * 1 * 32 * 64
