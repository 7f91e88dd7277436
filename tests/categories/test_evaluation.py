"""The held-out scores, checked on a case small enough to work out by hand."""

from __future__ import annotations

import pytest

from factory.categories import CATEGORIES, evaluate_predictions


def test_scores_a_hand_worked_example():
    truth = ["News", "News", "News", "Forum", "Forum", "Creative"]
    guess = ["News", "News", "Forum", "Forum", "News", "Creative"]
    found = evaluate_predictions(truth, guess)
    assert found.accuracy == pytest.approx(4 / 6, abs=1e-4)
    assert found.majority_baseline == 0.5
    two_thirds = pytest.approx(2 / 3, abs=1e-4)
    assert found.per_category["News"] == {"precision": two_thirds, "recall": two_thirds, "f1": two_thirds, "support": 3}
    assert found.per_category["Forum"]["f1"] == 0.5 and found.per_category["Creative"]["f1"] == 1.0
    assert found.macro_f1 == pytest.approx((2 / 3 + 0.5 + 1.0) / 3, abs=1e-4)  # categories never seen are left out
    news, forum = CATEGORIES.index("News"), CATEGORIES.index("Forum")
    assert found.confusion[news][forum] == 1 and found.confusion[forum][news] == 1
    assert found.to_dict()["confusion_order"] == list(CATEGORIES)


def test_unknown_categories_and_mismatched_lengths_fail():
    with pytest.raises(ValueError, match="Sports"):
        evaluate_predictions(["Sports"], ["News"])
    with pytest.raises(ValueError, match="as many predictions"):
        evaluate_predictions(["News"], [])
