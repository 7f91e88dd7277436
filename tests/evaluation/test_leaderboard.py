"""Pairwise decisions and the promotion rule on per-item tables, without training anything."""

from __future__ import annotations

import random

import pytest

from factory.evaluation.ranking import DecisionConfig, MixResult, known_answers, pairwise, promotion


def _heldout(mix_shift: float, seeds=(0, 1, 2), seed_noise: float = 0.01, docs: int = 30, rng_seed: int = 0) -> list[dict]:
    """Held-out rows of a fake proxy: bits = bytes x (2 + shift + a seed offset + item noise)."""
    rng = random.Random(rng_seed)
    rows = []
    for seed in seeds:
        offset = rng.gauss(0, seed_noise)
        for domain in ("c4", "english_corpus"):
            for item in range(docs):
                size = 500 + 37 * item
                rows.append({"seed": seed, "domain": domain, "item": str(item), "bytes": size,
                             "bits": size * (2 + mix_shift + offset + 0.001 * ((item * 7919) % 13))})
    return rows


def _result(mix: str, rows: list[dict], role=None) -> MixResult:
    return MixResult(mix, role, evaluation=None, model=None, mixed=None, tables={"heldout": rows})


CONFIG = DecisionConfig(primary_metric="heldout_bpb", resamples=400)


def test_identical_mixes_are_never_promoted():
    rows = _heldout(0.0)
    result = promotion([_result("base", rows, "baseline"), _result("copy", list(rows), "candidate")], "copy", "base", CONFIG)
    assert not result.passed and result.decision.verdict == "undecided" and result.decision.estimate == 0
    assert "copy is not promoted over base" in result.describe()


def test_a_clearly_better_mix_is_promoted_and_the_known_pair_is_correct():
    better, worse = _result("kept", _heldout(-0.2, rng_seed=1)), _result("removed", _heldout(0.0, rng_seed=2))
    assert promotion([better, worse], "kept", "removed", CONFIG).passed
    (known,) = known_answers([better, worse], {"kept": "removed"}, CONFIG)
    assert known.outcome == "correct" and known.decision.estimate == pytest.approx(0.2, abs=0.05)
    (reversed_pair,) = known_answers([better, worse], {"removed": "kept"}, CONFIG)
    assert reversed_pair.outcome == "wrong"


def test_a_minimum_effect_blocks_a_small_but_real_win():
    better, worse = _result("a", _heldout(-0.05, seed_noise=0.001, rng_seed=3)), _result("b", _heldout(0.0, seed_noise=0.001, rng_seed=4))
    assert promotion([better, worse], "a", "b", CONFIG).passed
    strict = DecisionConfig(primary_metric="heldout_bpb", min_effect=0.1, resamples=400)
    assert not promotion([better, worse], "a", "b", strict).passed


def test_every_pair_is_decided_best_ranked_first():
    results = [_result("mid", _heldout(-0.1, rng_seed=5)), _result("worst", _heldout(0.1, rng_seed=6)), _result("best", _heldout(-0.3, rng_seed=7))]
    decisions = pairwise(results, CONFIG)
    assert [(d.a, d.b) for d in decisions] == [("best", "mid"), ("best", "worst"), ("mid", "worst")]
    assert all(d.verdict == "A better" for d in decisions)


def test_one_seed_is_never_decided():
    single = promotion([_result("a", _heldout(-0.5, seeds=(0,))), _result("b", _heldout(0.0, seeds=(0,)))], "a", "b", CONFIG)
    assert not single.passed and "seed" in single.decision.reason


def test_a_bad_decision_config_names_the_field():
    with pytest.raises(ValueError, match="unknown metric"):
        DecisionConfig(primary_metric="perplexity")
    with pytest.raises(ValueError, match="confidence"):
        DecisionConfig(confidence=1.5)


def test_the_leaderboard_says_why_nothing_is_decided():
    from factory.evaluation.leaderboard_report import why_undecided

    noisy = [_result("a", _heldout(0.0, seed_noise=0.05, rng_seed=8)), _result("b", _heldout(0.01, seed_noise=0.05, rng_seed=9))]
    rows = [{"mix": r.mix, "seed_std": 0.05} for r in noisy]
    assert "below the noise" in why_undecided(rows, pairwise(noisy, CONFIG), CONFIG)
    clear = [_result("a", _heldout(-0.3, rng_seed=10)), _result("b", _heldout(0.0, rng_seed=11))]
    assert why_undecided(rows, pairwise(clear, CONFIG), CONFIG) == ""


def test_an_unknown_primary_metric_in_the_settings_file_fails_before_any_run(tmp_path, monkeypatch):
    from assets.definitions import build_resources
    from factory.settings import SettingsError

    settings = tmp_path / "factory.yaml"
    settings.write_text("resources:\n  decisions:\n    primary_metric: perplexity\n")
    monkeypatch.setenv("FACTORY_SETTINGS", str(settings))
    with pytest.raises(SettingsError, match=r"(?s)resources.decisions.*primary_metric.*perplexity"):
        build_resources()
