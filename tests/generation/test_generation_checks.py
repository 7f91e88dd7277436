"""Output checks catch planted bad outputs by reason; diversity metrics flag template-locked sets."""

from __future__ import annotations

import pytest

from factory.generation import DiversityThresholds, OutputChecks, check_output, diversity_metrics, diversity_problems
from factory.generation.diversity import first_sentence
from generation_helpers import planted

SOURCE = (
    "The Fastnet race starts in Cowes and rounds the Fastnet Rock off the south coast of Ireland before finishing "
    "in Plymouth. In 2015 more than three hundred boats took part, from small family cruisers to giant trimarans."
)
GOOD = (
    "Q: Where does the Fastnet race start?\nA: It starts in Cowes, on the Isle of Wight.\n\n"
    "Q: How many boats sailed in 2015?\nA: More than three hundred, from cruisers to trimarans."
)
FAITHFUL = {"faithfulness": 0.9}  # the chunk's scorer's verdict, planted (tests/generation/test_faithfulness.py scores)


def check(output: str, checks: OutputChecks, finish: str = "stop", faithfulness: dict | None = FAITHFUL):
    return check_output(planted(output, finish), SOURCE, checks, faithfulness)


@pytest.mark.parametrize(("output", "finish", "reason"), [
    ("", "stop", "empty"),
    ("Sure.", "stop", "empty"),
    ("I'm sorry, but I cannot help with rewriting this document for you today.", "stop", "refused"),
    ("I'm ready to help. What's the document about? Please paste it so I can start.", "stop", "refused"),
    ("A: A: A: A: A: A: A: A: A: A: A: A: A: A: A: A: A: A: A: A: A: A: A: A:", "length", "looping"),
    (SOURCE, "stop", "copied_source"),
    (GOOD + "\n\nQ: Who won the", "length", "truncated"),
])
def test_planted_bad_outputs_are_rejected_for_their_reason(output, finish, reason):
    result = check(output, OutputChecks(), finish)
    assert (result.keep, result.reason) == (False, reason)


def test_a_good_output_is_kept():
    result = check(GOOD, OutputChecks())
    assert result.keep and result.reason == "" and result.measures["copied_share"] < 0.5


def test_trim_mode_keeps_a_truncated_output_up_to_its_last_full_sentence():
    result = check(GOOD + "\n\nQ: Who won the", OutputChecks(truncated="trim"), "length")
    assert result.keep and result.text.endswith("cruisers to trimarans.")


def test_none_switches_a_check_off():
    checks = OutputChecks(copied_max_share=None)
    assert check(SOURCE, checks).keep


def test_an_output_that_left_its_source_is_rejected_as_unfaithful_and_the_gate_can_be_switched_off():
    invented = {"faithfulness": 0.1}
    assert (check(GOOD, OutputChecks(), faithfulness=invented).reason) == "unfaithful"
    assert check(GOOD, OutputChecks(unfaithful_min_score=None), faithfulness=invented).keep
    assert check(GOOD, OutputChecks(unfaithful_min_score=None), faithfulness=None).keep


def test_the_unfaithful_gate_refuses_to_pass_an_output_it_was_given_no_score_for():
    with pytest.raises(ValueError, match="no faithfulness score"):
        check(GOOD, OutputChecks(), faithfulness=None)


def test_thresholds_are_validated():
    with pytest.raises(ValueError, match="copied_max_share must be in"):
        OutputChecks(copied_max_share=1.5)


def test_first_sentence_skips_format_headings():
    assert first_sentence("## Frequently asked questions\nQ: Where does it start? A: Cowes.") == "q where does it start"


def test_template_locked_outputs_fail_the_diversity_thresholds_and_varied_ones_pass():
    locked = [f"In this article we explore the topic. Item {i} is discussed in detail here." for i in range(10)]
    metrics = diversity_metrics(locked, [12] * 10)
    assert metrics["same_first_sentence_share"] == 1.0 and metrics["most_common_first_sentence_count"] == 10
    problems = diversity_problems(metrics, DiversityThresholds())
    assert any("same_first_sentence_share" in p for p in problems)
    varied = [
        "Cowes hosts the start of the race every other summer.",
        "Three hundred boats crossed the line in 2015, a record at the time.",
        "Giant trimarans finish in under two days when the wind holds.",
        "Family cruisers often take five days to reach Plymouth.",
    ]
    good = diversity_metrics(varied, [12, 14, 11, 9])
    assert good["same_first_sentence_share"] == 0.0 and good["distinct_2"] > 0.9
    assert diversity_problems(good, DiversityThresholds()) == []
    assert good["length_tokens"]["min"] == 9 and good["length_tokens"]["max"] == 14
