"""A mix that repeats one source many times is flagged on the leaderboard; Markdown keeps `deduped[*]` literal."""

from __future__ import annotations

import pytest

from factory.evaluation.leaderboard_report import escape, markdown
from factory.evaluation.ranking import DecisionConfig
from factory.evaluation.repetition import describe, repeated_sources

SOURCES = [{"source": "deduped[*]", "repeats": 0.66, "documents_given": 1323},
           {"source": "synthetic[*]", "repeats": 31.2, "documents_given": 10}]


def test_only_sources_repeated_more_than_the_limit_are_flagged():
    assert repeated_sources(SOURCES) == [{"source": "synthetic[*]", "repeats": 31.2, "documents_given": 10}]
    assert repeated_sources(SOURCES, over=40) == []
    assert describe(repeated_sources(SOURCES)) == "synthetic[*] x31.2 (10 documents)"


def test_the_limit_is_checked():
    with pytest.raises(ValueError, match="flag_repeats_over must be >= 1"):
        DecisionConfig(flag_repeats_over=0.5)


def test_the_leaderboard_markdown_flags_the_repeated_mix_and_escapes_its_lineage():
    row = {"rank": 1, "mix": "web-synthetic-95-5", "role": "candidate", "primary": 2.97, "seed_std": 0.01, "seed_min": 2.96,
           "seed_max": 2.98, "seeds": 3, "centred_acc": 0.0, "prob_correct": 0.3, "task_bpb": 2.97, "tokens_trained": 1000,
           "synthetic_faithfulness": 0.55, "max_repeats": 31.2, "repeated": describe(repeated_sources(SOURCES)),
           "lineage": "deduped[*] w=0.95 1,000 tok <- dump=c4@v; synthetic[*] w=0.05 50 tok <- dump=c4/recipe=faq@v"}
    text = markdown([row], [], [], DecisionConfig())
    line = next(line for line in text.splitlines() if "web-synthetic-95-5" in line)
    assert "**flagged**: synthetic\\[\\*\\] x31.2 (10 documents)" in line
    assert "| 0.55 |" in line and "deduped" not in line, "the lineage is a list below the tables, not a column"
    lineage = next(line for line in text.splitlines() if line.startswith("- web-synthetic-95-5:"))
    assert "deduped\\[\\*\\] w=0.95" in lineage
    assert text.index("**Decisions**") < text.index("**Lineage**"), "the ranking and the decisions come first"
    assert escape("a|b_c") == "a\\|b\\_c"
    header = next(line for line in text.splitlines() if line.startswith("| rank"))
    assert header.count("task_bpb") == 1 and "task BPB" not in header, "one name per metric, the primary not repeated"
    assert all(line.count("|") == header.count("|") for line in (header, line)), "every row has the header's columns"
