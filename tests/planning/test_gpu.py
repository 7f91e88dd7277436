"""GPU rates: only GPU measurements count as GPU rates; otherwise quoted defaults or FLOPs at an assumed MFU."""

from __future__ import annotations

import pytest

from factory.planning import ASSUMED, DERIVED, MEASURED, measure_generation, measure_training
from factory.planning.gpu import parameter_count
from factory.store import Store
from factory.training.config import load_proxy_config
from factory.training.mfu import PEAK_BF16_FLOPS
from factory.training.model import flops_per_token


def test_generation_rate_counts_only_gpu_partitions_and_ratio_counts_all(measured_store):
    rates = measure_generation(measured_store)
    assert rates.tokens_per_s.kind == MEASURED and rates.tokens_per_s.partitions == 1
    assert rates.tokens_per_s.value == pytest.approx(5_000)
    assert "SmolLM2-1.7B-Instruct" in rates.tokens_per_s.basis and "cuda:NVIDIA H100" in rates.tokens_per_s.basis
    assert rates.output_ratio.value == pytest.approx(5_100 / 10_200) and rates.output_ratio.partitions == 2


def test_generation_without_a_gpu_run_uses_the_quoted_h100_rate(tmp_path):
    rates = measure_generation(Store(str(tmp_path / "empty")))
    assert rates.tokens_per_s.kind == ASSUMED and rates.tokens_per_s.value == 4_750
    assert "H100" in rates.tokens_per_s.basis and "SmolLM2-1.7B" in rates.tokens_per_s.basis
    assert rates.output_ratio.kind == ASSUMED


def test_training_rate_is_measured_for_the_same_config_on_a_gpu(measured_store):
    rate = measure_training(measured_store, load_proxy_config("test-micro"))
    assert rate.tokens_per_s.kind == MEASURED and rate.tokens_per_s.value == 1_000_000
    assert "MFU 10.0%" in rate.tokens_per_s.basis


def test_training_rate_of_another_config_comes_from_flops_at_assumed_mfu(measured_store):
    config = load_proxy_config("proxy-1.7b")
    rate = measure_training(measured_store, config)  # the store only trained test-micro
    per_token = flops_per_token(config, parameter_count(config.model))
    assert rate.tokens_per_s.kind == DERIVED
    assert rate.tokens_per_s.rests_on == ("mfu (assumed)", "peak_flops (assumed)")
    assert rate.tokens_per_s.value == pytest.approx(0.40 * PEAK_BF16_FLOPS["H100"] / per_token)
    assert rate.params == parameter_count(config.model)["params"]
    assert 1.6e9 < rate.params < 1.8e9  # SmolLM2-1.7B's shape


@pytest.mark.parametrize("name", ["test-micro", "tiny-cpu"])
def test_parameter_count_matches_the_model_the_trainer_builds(name):
    from factory.training.model import build_model, parameter_counts

    config = load_proxy_config(name)
    assert parameter_count(config.model) == parameter_counts(build_model(config))
