"""Educational-value classifiers on real human labels (DCLM): both kinds rank held-out pages far better than
chance, save and load without pickle to identical predictions, train deterministically (fastText twice in
one process included), and count unparseable annotations instead of losing them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pydantic import ValidationError

from factory.quality.agreement import roc_auc
from factory.quality.classifier import ClassifierConfig, ClassifierLoadError, fasttext_line, load_classifier
from factory.quality.labelled_sets import LabelledSetConfig, load_labelled_set, without
from factory.quality.training import evaluate, fit_ridge, split_by_id, train_classifier

# Measured on this data (bench/results/quality_classifier.json): fastText 0.91, embedding (128 tokens) 0.71.
FASTTEXT_MIN_AUC, EMBEDDING_MIN_AUC = 0.8, 0.65


@pytest.fixture(scope="module")
def dclm(shared_data):
    """(train, held_out): DCLM majority-vote pages less the agreement pages, and the agreement pages."""
    folder = shared_data / "classification" / "dclm_human_quality"
    agreement = load_labelled_set(LabelledSetConfig(path=str(folder / "agreement_data.jsonl")))
    majority = load_labelled_set(LabelledSetConfig(path=str(folder / "majority_data.jsonl")))
    return without(majority, agreement), agreement


@pytest.fixture(scope="module")
def fasttext_model(dclm):
    train, _ = dclm
    return train_classifier([row.text for row in train], [row.score for row in train],
                            ClassifierConfig(kind="fasttext"))


@pytest.fixture(scope="module")
def embedding_model(dclm):
    train, _ = dclm
    rows = train[:120]
    return train_classifier([row.text for row in rows], [row.score for row in rows],
                            ClassifierConfig(kind="embedding", max_tokens=128))


def _auc(classifier, rows) -> float:
    return roc_auc(classifier.predict([row.text for row in rows]).tolist(), [int(row.label) for row in rows])


def test_fasttext_trained_on_majority_labels_ranks_held_out_pages_as_people_did(fasttext_model, dclm):
    classifier, report = fasttext_model
    assert (report.trained_on, report.unparseable, report.score_histogram) == (218, 0, {0: 98, 4: 120})
    assert _auc(classifier, dclm[1]) > FASTTEXT_MIN_AUC


@pytest.mark.slow
def test_embedding_classifier_trained_on_majority_labels_beats_chance(dclm):
    train, held_out = dclm
    classifier, _ = train_classifier([row.text for row in train], [row.score for row in train],
                                     ClassifierConfig(kind="embedding", max_tokens=128))
    assert _auc(classifier, held_out) > EMBEDDING_MIN_AUC


def test_fasttext_trains_identically_twice_in_one_process(dclm):
    """The installed fastText wheel leaves most of its input matrix uninitialised with thread=1: without our
    own initial vectors the second model in a process differed or died with NaN."""
    rows = dclm[0][:100]
    texts, scores = [row.text for row in rows], [row.score for row in rows]
    first, _ = train_classifier(texts, scores, ClassifierConfig(kind="fasttext", epoch=5))
    second, _ = train_classifier(texts, scores, ClassifierConfig(kind="fasttext", epoch=5))
    probe = [row.text for row in dclm[1][:50]]
    assert np.array_equal(first.predict(probe), second.predict(probe))
    assert first.identity() == second.identity()


def test_unparseable_annotations_are_counted_and_not_trained_on(dclm, tmp_path):
    rows = dclm[0][:60]
    scores = [None if i % 10 == 0 else row.score for i, row in enumerate(rows)]
    classifier, report = train_classifier([row.text for row in rows], scores,
                                          ClassifierConfig(kind="fasttext", epoch=5))
    assert (report.documents, report.trained_on, report.unparseable) == (60, 54, 6)
    saved = json.loads((classifier.save(tmp_path) / "classifier.json").read_text())
    assert saved["trained_on"]["unparseable"] == 6 and saved["trained_on"]["trained_on"] == 54
    measured = evaluate(classifier, [row.text for row in rows], scores)
    assert (measured["documents"], measured["scored"], measured["unparseable"]) == (60, 54, 6)
    assert len(measured["confusion"]) == 6 and sum(map(sum, measured["confusion"])) == 54


def test_a_single_score_value_cannot_train_a_classifier():
    with pytest.raises(ValueError, match=r"at least two different scores, got \{3: 2\} \(1 unparseable\)"):
        train_classifier(["a page", "another page", "a third"], [3, 3, None], ClassifierConfig(kind="fasttext"))


def test_fasttext_round_trips_without_pickle_to_identical_predictions(fasttext_model, dclm, tmp_path):
    classifier, _ = fasttext_model
    folder = classifier.save(tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == ["classifier.json", "model.bin"]
    loaded = load_classifier(folder)
    probe = [row.text for row in dclm[1][:80]] + ["", "__label__5 stuffed\nwith a label and a newline"]
    scores = classifier.predict(probe)
    assert np.array_equal(scores, loaded.predict(probe)) and ((0 <= scores) & (scores <= 5)).all()
    assert loaded.identity() == classifier.identity() and loaded.identity()["kind"] == "fasttext"


def test_damaged_weights_are_refused(fasttext_model, tmp_path):
    folder = fasttext_model[0].save(tmp_path / "model")
    with open(folder / "model.bin", "r+b") as handle:
        handle.seek(200)
        handle.write(b"\xff\xff\xff\xff")
    with pytest.raises(ClassifierLoadError, match="model.bin is missing or does not match its SHA-256"):
        load_classifier(folder)
    with pytest.raises(ClassifierLoadError, match="no classifier.json"):
        load_classifier(tmp_path)


def test_embedding_round_trips_and_refuses_another_embedding_model(embedding_model, dclm, tmp_path):
    classifier, report = embedding_model
    folder = classifier.save(tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == ["classifier.json", "head.safetensors"]
    probe = [row.text for row in dclm[1][:16]]
    loaded = load_classifier(folder)
    assert np.array_equal(classifier.predict(probe), loaded.predict(probe))
    identity = loaded.identity()
    assert identity["embedder"]["max_tokens"] == 128 and identity == classifier.identity()
    described = json.loads((folder / "classifier.json").read_text())
    described["embedder"]["sha256"] = "0" * 64
    (folder / "classifier.json").write_text(json.dumps(described))
    with pytest.raises(ClassifierLoadError, match="trained on embeddings of .* install the model it was trained with"):
        load_classifier(folder)


def test_ridge_head_matches_scikit_learn():
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    features, targets = rng.normal(size=(80, 12)), rng.normal(size=80) * 2 + 1
    weights, intercept = fit_ridge(features, targets, alpha=3.0)
    reference = Ridge(alpha=3.0).fit(features, targets)
    assert np.allclose(weights, reference.coef_) and intercept == pytest.approx(reference.intercept_)


def test_split_by_id_is_deterministic_and_independent_of_order_and_company():
    ids = [f"doc-{i}" for i in range(2000)]
    train, held_out = split_by_id(ids, 0.25)
    assert 0.22 < len(held_out) / len(ids) < 0.28 and sorted(train + held_out) == list(range(2000))
    reversed_held = {ids[::-1][i] for i in split_by_id(ids[::-1], 0.25)[1]}
    assert reversed_held == {ids[i] for i in held_out}
    assert {ids[i] for i in split_by_id(ids[:500], 0.25)[1]} == {ids[i] for i in held_out if i < 500}
    with pytest.raises(ValueError, match="held_out_fraction must be in"):
        split_by_id(ids, 1.0)


def test_settings_name_only_their_kind_and_bad_values_name_the_field():
    assert ClassifierConfig(kind="fasttext", max_tokens=64).settings() == ClassifierConfig(kind="fasttext").settings()
    assert set(ClassifierConfig().settings()) == {"kind", "max_tokens", "ridge_alpha"}
    for fields, named in [({"kind": "svm"}, "kind"), ({"lr": 0}, "lr"), ({"max_tokens": 4096}, "max_tokens"),
                          ({"epochs": 3}, "epochs")]:
        with pytest.raises(ValidationError, match=named):
            ClassifierConfig(**fields)


def test_fasttext_reads_lowercased_tokens_on_one_line_with_no_labels():
    assert fasttext_line("Hello, World!\nIt's __label__5 time") == "hello , world ! it ' s label 5 time"
