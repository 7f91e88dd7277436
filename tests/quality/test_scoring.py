"""The scoring step: tags every document with its educational score in batches while streaming, counts the
documents per integer score, pickles without its model, loads a classifier from object storage, and feeds the
attribute table through datatrove's Parquet writer."""

from __future__ import annotations

import pickle

import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from factory.quality.classifier import ClassifierConfig
from factory.quality.labelled_sets import LabelledSetConfig, load_labelled_set
from factory.quality.scoring import ATTRIBUTE_SCHEMA, EDU_SCORE, QualityScorer, attribute_row
from factory.quality.training import train_classifier


@pytest.fixture(scope="module")
def pages(shared_data):
    folder = shared_data / "classification" / "dclm_human_quality"
    return load_labelled_set(LabelledSetConfig(path=str(folder / "majority_data.jsonl")))


@pytest.fixture(scope="module")
def model_folder(pages, tmp_path_factory):
    rows = pages[:200]
    classifier, _ = train_classifier([r.text for r in rows], [r.score for r in rows], ClassifierConfig(kind="fasttext"))
    folder = classifier.save(tmp_path_factory.mktemp("classifier") / "model")
    return folder, classifier


def _documents(pages, count):
    return [Document(text=row.text, id=row.id, metadata={"url": f"https://example.org/{i}"})
            for i, row in enumerate(pages[200:200 + count])]


def test_every_document_is_tagged_in_order_and_counted_by_integer_score(model_folder, pages):
    folder, classifier = model_folder
    documents = _documents(pages, 150)
    scorer = QualityScorer(str(folder), batch_size=64)
    out = list(scorer.run(iter(documents)))
    assert [d.id for d in out] == [d.id for d in documents]
    expected = classifier.predict([d.text for d in documents])
    assert [d.metadata[EDU_SCORE] for d in out] == [round(float(s), 4) for s in expected]
    buckets = {key: value.total for key, value in scorer.stats.stats.items() if key.startswith("edu_int/")}
    assert sum(buckets.values()) == 150 == scorer.stats["scored"].total and len(buckets) >= 2
    assert scorer.stats["edu_score_sum"].total == pytest.approx(sum(d.metadata[EDU_SCORE] for d in out))


def test_the_step_streams_one_batch_at_a_time(model_folder, pages):
    consumed = []

    def source():
        for document in _documents(pages, 100):
            consumed.append(document.id)
            yield document

    stream = QualityScorer(str(model_folder[0]), batch_size=16).run(source())
    next(stream)
    assert len(consumed) == 16  # the first batch, not the shard
    assert len(list(stream)) == 99 and len(consumed) == 100


def test_the_step_pickles_small_and_loads_its_model_only_in_the_task(model_folder, pages):
    scorer = QualityScorer(str(model_folder[0]))
    assert len(pickle.dumps(scorer)) < 5_000  # a path, not a model
    assert list(scorer.run(iter([]))) == []
    assert len(list(scorer.run(iter(_documents(pages, 3))))) == 3
    assert len(pickle.dumps(scorer)) < 5_000  # the model it loaded stayed in the task's run, not on the step


def test_a_classifier_in_object_storage_is_copied_then_loaded(model_folder, pages):
    import fsspec

    memory = fsspec.filesystem("memory")
    for path in model_folder[0].iterdir():
        memory.pipe_file(f"/quality-test/model/{path.name}", path.read_bytes())
    documents = _documents(pages, 5)
    out = list(QualityScorer("memory://quality-test/model", batch_size=2).run(iter(documents)))
    local = list(QualityScorer(str(model_folder[0])).run(iter(_documents(pages, 5))))
    assert [d.metadata[EDU_SCORE] for d in out] == [d.metadata[EDU_SCORE] for d in local]
    with pytest.raises(FileNotFoundError, match="no classifier files under memory://nowhere"):
        memory.mkdir("/nowhere")
        list(QualityScorer("memory://nowhere").run(iter(_documents(pages, 1))))


def test_attribute_rows_round_half_up_and_name_the_missing_step():
    row = attribute_row(None, Document(text="x", id="a", metadata={EDU_SCORE: 2.5}))
    assert row == {"id": "a", "edu_score": 2.5, "edu_int": 3}
    assert attribute_row(None, Document(text="x", id="b", metadata={EDU_SCORE: 5.0}))["edu_int"] == 5
    with pytest.raises(KeyError, match="put QualityScorer before"):
        attribute_row(None, Document(text="x", id="c", metadata={}))


def test_scored_documents_write_the_attribute_table(model_folder, pages, tmp_path):
    from factory.store.shard_writer import shard_writer

    documents = _documents(pages, 40)
    writer = shard_writer(str(tmp_path), "attributes", ATTRIBUTE_SCHEMA, attribute_row)
    list(writer.run(QualityScorer(str(model_folder[0]), batch_size=16).run(iter(documents)), rank=3))
    table = pq.read_table(tmp_path / "attributes" / "part-00003.parquet")
    assert table.schema.equals(ATTRIBUTE_SCHEMA) and table.num_rows == 40
    assert table.column("id").to_pylist() == [d.id for d in documents]
    for score, bucket in zip(table.column("edu_score").to_pylist(), table.column("edu_int").to_pylist(), strict=True):
        assert 0 <= score <= 5 and bucket == min(5, int(score + 0.5))
