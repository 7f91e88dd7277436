"""Classifier metrics against values worked out by hand and against scikit-learn: MSE, the keep decision at
3 (rounded half up, as edu_int), and the 6x6 confusion matrix."""

from __future__ import annotations

import numpy as np
import pytest

from factory.quality.metrics import binary_f1, confusion_matrix, mse, regression_report, score_buckets

PREDICTED = [0.2, 2.5, 3.4, 4.9, 1.0, 2.4]
TRUE = [0, 3, 2, 5, 1, 4]


def test_scores_round_half_up_and_clip_to_the_scale():
    assert score_buckets([2.5, 3.5, 0.49999, -1.0, 7.2, 4.5]).tolist() == [3, 4, 0, 0, 5, 5]
    assert score_buckets([1.0]).dtype == np.int8


def test_mse_by_hand():
    # differences 0.2, -0.5, 1.4, -0.1, 0, -1.6: squares sum to 4.82
    assert mse(PREDICTED, TRUE) == pytest.approx(4.82 / 6)


def test_keep_decision_at_3_by_hand():
    # predicted buckets 0, 3, 3, 5, 1, 2: kept 1, 2, 3; truly >= 3: 1, 3, 5; both: 1, 3
    found = binary_f1(PREDICTED, TRUE)
    assert (found["true_positives"], found["predicted_positives"], found["positives"]) == (2, 3, 3)
    assert found["precision"] == pytest.approx(2 / 3, abs=1e-4) and found["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert found["f1"] == pytest.approx(2 / 3, abs=1e-4)


def test_nothing_kept_gives_zero_precision_and_f1_with_the_counts_to_tell_why():
    found = binary_f1([1.0, 2.0, 0.0], [4, 4, 0])
    assert (found["precision"], found["recall"], found["f1"], found["predicted_positives"]) == (0.0, 0.0, 0.0, 0)


def test_confusion_matrix_by_hand():
    matrix = confusion_matrix(PREDICTED, TRUE)
    expected = np.zeros((6, 6), dtype=int)
    for true, predicted in [(0, 0), (3, 3), (2, 3), (5, 5), (1, 1), (4, 2)]:
        expected[true, predicted] += 1
    assert matrix.shape == (6, 6) and (matrix == expected).all()


def test_metrics_match_scikit_learn_on_random_scores():
    from sklearn import metrics

    rng = np.random.default_rng(0)
    true = rng.integers(0, 6, 500)
    predicted = np.clip(true + rng.normal(0, 1.2, 500), 0, 5)
    buckets = np.clip(np.floor(predicted + 0.5), 0, 5).astype(int)
    assert mse(predicted, true) == pytest.approx(metrics.mean_squared_error(true, predicted))
    assert (confusion_matrix(predicted, true) == metrics.confusion_matrix(true, buckets, labels=range(6))).all()
    found = binary_f1(predicted, true)
    assert found["f1"] == pytest.approx(metrics.f1_score(true >= 3, buckets >= 3), abs=1e-4)
    assert found["precision"] == pytest.approx(metrics.precision_score(true >= 3, buckets >= 3), abs=1e-4)


def test_report_is_json_ready_and_mismatched_lengths_are_refused():
    import json

    report = regression_report(PREDICTED, TRUE)
    assert json.loads(json.dumps(report))["confusion"][4][2] == 1
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\)"):
        mse([1.0, 2.0], [1, 2, 3])
