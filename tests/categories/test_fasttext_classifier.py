"""The default classifier, trained on the real training pages and scored on the held-out ones."""

from __future__ import annotations

import json

import numpy as np
import pytest

from factory.categories import (
    CATEGORIES, CategoryTrainingError, ClassifierFolderError, evaluate_classifier, load_classifier,
    train_category_classifier,
)

# Measured with the default settings: accuracy 0.587, macro F1 0.567, majority baseline 0.257 (2,175 pages).
MIN_ACCURACY_OVER_MAJORITY = 0.2
MIN_MACRO_F1 = 0.45


def test_beats_the_majority_baseline_on_held_out_pages(fasttext_classifier, split):
    found = evaluate_classifier(fasttext_classifier, split[1])
    assert found.pages == len(split[1])
    assert found.accuracy >= found.majority_baseline + MIN_ACCURACY_OVER_MAJORITY, found.to_dict()
    assert found.macro_f1 >= MIN_MACRO_F1, found.to_dict()
    assert all(found.per_category[name]["f1"] > 0.3 for name in CATEGORIES), found.per_category


def test_probabilities_cover_the_eight_categories(fasttext_classifier, split):
    texts = [page.text for page in split[1][:50]] + ["", "word\nnext line"]
    probabilities = fasttext_classifier.predict_proba(texts)
    assert probabilities.shape == (len(texts), len(CATEGORIES))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    assert fasttext_classifier.predict([]) == []


def test_save_and_load_give_identical_predictions(fasttext_classifier, saved_fasttext, split):
    loaded = load_classifier(saved_fasttext)
    texts = [page.text for page in split[1][:500]]
    np.testing.assert_array_equal(loaded.predict_proba(texts), fasttext_classifier.predict_proba(texts))
    assert loaded.identity() == fasttext_classifier.identity()


def test_saved_folder_holds_no_pickle(saved_fasttext):
    files = sorted(path.name for path in saved_fasttext.iterdir())
    assert files == ["classifier.json", "model.bin"]
    for path in saved_fasttext.iterdir():
        assert not path.read_bytes()[:1] == b"\x80", f"{path} starts like a pickle"
    assert json.loads((saved_fasttext / "classifier.json").read_text())["kind"] == "fasttext"


def test_training_is_deterministic(split):
    """Also after the heap was used: fastText leaves 9/10 of its input matrix as allocated with thread=1."""
    subset = split[0][:800]
    first = train_category_classifier(subset, "fasttext", {"epoch": 3})
    garbage = [np.random.default_rng(0).random(2_000_000) for _ in range(3)]
    del garbage
    second = train_category_classifier(subset, "fasttext", {"epoch": 3})
    assert first.identity()["sha256"] == second.identity()["sha256"]


def test_a_folder_whose_weights_changed_is_refused(saved_fasttext, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "classifier.json").write_text((saved_fasttext / "classifier.json").read_text())
    (copy / "model.bin").write_bytes((saved_fasttext / "model.bin").read_bytes()[:-1] + b"\0")
    with pytest.raises(ClassifierFolderError, match="mixes two models"):
        load_classifier(copy)
    with pytest.raises(ClassifierFolderError, match="not a saved category classifier"):
        load_classifier(tmp_path / "nothing")


def test_bad_settings_and_kinds_are_named(split):
    with pytest.raises(CategoryTrainingError, match="epochs"):
        train_category_classifier(split[0][:10], "fasttext", {"epochs": 3})
    with pytest.raises(CategoryTrainingError, match="lr"):
        train_category_classifier(split[0][:10], "fasttext", {"lr": -1})
    with pytest.raises(CategoryTrainingError, match="unknown category classifier kind 'svm'"):
        train_category_classifier(split[0][:10], "svm")
