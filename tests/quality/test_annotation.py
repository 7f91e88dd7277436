"""Educational-value annotations: the versioned prompt, scores parsed from what small models really answer,
unparseable answers kept and counted, and agreement with human labels against hand and library computation."""

from __future__ import annotations

import random

import pytest

from factory.generation.backend import Generation, Generator, GeneratorConfig
from factory.quality import agreement, annotate, load_prompt, parse_score, roc_auc


@pytest.mark.parametrize(("answer", "score", "how"), [
    ("The extract explains photosynthesis clearly.\nEducational score: 4", 4, "score_line"),
    ("Educational Score: **3**\n", 3, "score_line"),
    ("educational score is 2.", 2, "score_line"),
    ("First I thought 1 point... Educational score: 1\nOn reflection, Educational score: 2", 2, "score_line"),
    ("This page earns 3 points: it introduces the topic.", 3, "points_mention"),
    ("I would rate it 2/5 because it is an advert.", 2, "points_mention"),
    ("Score: 4 out of 5", 4, "points_mention"),
    ("It is a shop page with no value.", None, "unparseable"),
    ("Educational score: 7", None, "unparseable"),  # outside the scale
    ("Educational score: 2.5", None, "unparseable"),  # not a whole number of points
    ("In 2014, 12 points were scored by the team.", None, "unparseable"),
    ("", None, "unparseable"),
])
def test_scores_are_parsed_from_what_models_answer(answer, score, how):
    parsed = parse_score(answer)
    assert (parsed.score, parsed.how) == (score, how)


def test_the_prompt_is_versioned_greedy_and_renders_the_extract_cut_to_size():
    prompt = load_prompt()
    assert prompt.tag == "edu_score@v2" and prompt.sampling.greedy
    messages = prompt.render("Photosynthesis turns light into sugar.")
    assert messages[0]["role"] == "system" and "Photosynthesis turns light" in messages[-1]["content"]
    assert messages[-1]["content"].rstrip().endswith("Educational score: <points>")


class Planted(Generator):
    """Answers by document id: a clean score line, a points mention, or nothing usable."""

    backend = "planted"

    def __init__(self, answers):
        super().__init__(GeneratorConfig(backend="transformers", model="planted"))
        self.answers, self.seen = answers, []

    @property
    def device_type(self) -> str:
        return "cpu"

    def generate(self, requests):
        self.seen += [r.messages[-1]["content"] for r in requests]
        return [Generation(self.answers[r.request_id], 100, 20, "stop") for r in requests]


def test_every_document_is_annotated_and_unparseable_answers_are_kept():
    answers = {"a": "Educational score: 5", "b": "Worth 1 point.", "c": "I cannot grade this."}
    generator = Planted(answers)
    annotations = annotate(generator, load_prompt(), [("a", "x" * 10_000), ("b", "short"), ("c", "page")], max_chars=500)
    assert [(a.id, a.score, a.how) for a in annotations] == [("a", 5, "score_line"), ("b", 1, "points_mention"),
                                                             ("c", None, "unparseable")]
    assert annotations[2].answer == "I cannot grade this."  # kept, for a user to look at
    assert "x" * 500 in generator.seen[0] and "x" * 501 not in generator.seen[0]


def test_auc_and_spearman_match_hand_and_library_computation():
    from scipy.stats import spearmanr
    from sklearn.metrics import roc_auc_score

    assert roc_auc([3, 2, 2, 0], [1, 1, 0, 0]) == pytest.approx((1 + 1 + 1 + 0.5) / 4)
    rng = random.Random(0)
    labels = [rng.randint(0, 1) for _ in range(300)]
    scores = [min(5, max(0, round(rng.gauss(1.5 + label, 1.2)))) for label in labels]
    result = agreement(scores, labels)
    assert result.auc == pytest.approx(roc_auc_score(labels, scores), abs=1e-4)
    assert result.spearman == pytest.approx(spearmanr(scores, labels).statistic, abs=1e-4)
    assert result.auc > 0.6 and result.mean_score[1] > result.mean_score[0]


def test_unparseable_scores_are_counted_not_scored():
    result = agreement([4, None, 1, None, 0], [1, 1, 0, 0, 0])
    assert (result.documents, result.scored, result.unparseable) == (5, 3, 2)
    assert result.auc == 1.0 and result.histogram == {0: {0: 1, 1: 1}, 1: {4: 1}}
    assert agreement([2, 2], [1, 1]).auc is None  # one class: no AUC, rather than a made-up one
