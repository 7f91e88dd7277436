"""The embedding classifier on a small real subset: it learns, and its safetensors head reloads exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest

from factory.categories import CATEGORIES, evaluate_classifier, load_classifier, train_category_classifier


def _subset(pages, per_category: int):
    chosen = []
    for name in CATEGORIES:
        chosen.extend([page for page in pages if page.category == name][:per_category])
    return chosen


@pytest.mark.slow
def test_learns_and_round_trips_without_pickle(split, tmp_path):
    train, held_out = _subset(split[0], 20), _subset(split[1], 4)
    classifier = train_category_classifier(train, "embedding", {"max_tokens": 64})
    found = evaluate_classifier(classifier, held_out)
    assert found.accuracy >= 2 / len(CATEGORIES), found.to_dict()  # 20 pages a category; chance is 1/8
    folder = classifier.save(tmp_path / "embedding")
    assert sorted(path.name for path in folder.iterdir()) == ["classifier.json", "head.safetensors"]
    saved = json.loads((folder / "classifier.json").read_text())
    assert saved["kind"] == "embedding" and saved["embedder"]["max_tokens"] == 64
    loaded = load_classifier(folder)
    texts = [page.text for page in held_out[:8]]
    np.testing.assert_allclose(loaded.predict_proba(texts), classifier.predict_proba(texts), rtol=0, atol=1e-6)
    assert loaded.identity() == classifier.identity()


def test_a_category_missing_from_training_gets_probability_zero():
    from factory.categories.embedding_classifier import EmbeddingSettings, fit_head

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(60, 8)).astype(np.float32)
    labels = [0] * 20 + [3] * 20 + [5] * 20
    vectors[np.array(labels) == 3] += 2.0
    weight, bias = fit_head(vectors, labels, EmbeddingSettings())
    logits = vectors @ weight.T + bias
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    assert probabilities[:, [1, 2, 4, 6, 7]].max() == pytest.approx(0.0, abs=1e-12)
