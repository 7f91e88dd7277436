"""The datatrove tagger: every document gets a category, counts add up, it streams, pickles, reads s3://."""

from __future__ import annotations

import pickle

import pytest
from datatrove.data import Document

from factory.categories import CATEGORIES, CategoryTagger, ClassifierFolderError, load_classifier, tag_texts


def _documents(pages, tokens: bool = True) -> list[Document]:
    return [Document(text=page.text, id=str(i), metadata={"url": page.url, **({"tokens": 100 + i} if tokens else {})})
            for i, page in enumerate(pages)]


def test_tags_every_document_and_counts_per_category(saved_fasttext, split):
    pages = split[1][:11]
    tagger = CategoryTagger(str(saved_fasttext), batch_size=4)
    tagged = list(tagger.run(iter(_documents(pages))))
    assert [d.id for d in tagged] == [str(i) for i in range(11)]
    found = [d.metadata["category"] for d in tagged]
    assert set(found) <= set(CATEGORIES)
    assert found == tag_texts(load_classifier(saved_fasttext), [p.text for p in pages], batch_size=3)
    assert sum(tagger.stats[name].total for name in CATEGORIES) == 11
    assert sum(tagger.stats[f"{name}_tokens"].total for name in CATEGORIES) == sum(100 + i for i in range(11))
    assert {name: tagger.stats[name].total for name in set(found)} == {name: found.count(name) for name in set(found)}


def test_streams_one_batch_at_a_time(saved_fasttext, split):
    consumed = []

    def documents():
        for document in _documents(split[1][:10], tokens=False):
            consumed.append(document.id)
            yield document

    output = CategoryTagger(str(saved_fasttext), batch_size=3).run(documents())
    next(output)
    assert len(consumed) == 3
    assert len(list(output)) == 9 and len(consumed) == 10


def test_pickles_before_and_after_loading_its_model(saved_fasttext, split):
    tagger = CategoryTagger(str(saved_fasttext))
    assert pickle.dumps(tagger)
    list(tagger.run(iter(_documents(split[1][:2]))))
    assert tagger._classifier is not None
    assert len(pickle.dumps(tagger)) < 10_000  # the model stays behind: the copy holds only the folder's address


def test_reads_a_model_folder_from_s3(saved_fasttext, split, s3_endpoint, s3_bucket, monkeypatch):
    from factory.store.filesystem import open_filesystem

    monkeypatch.setenv("FACTORY_S3_ENDPOINT", s3_endpoint)
    uri = f"s3://{s3_bucket}/models/categories"
    fs, path = open_filesystem(uri)
    for file in saved_fasttext.iterdir():
        fs.put_file(str(file), f"{path}/{file.name}")
    tagged = list(CategoryTagger(uri, batch_size=2).run(iter(_documents(split[1][:3]))))
    expected = load_classifier(saved_fasttext).predict([p.text for p in split[1][:3]])
    assert [d.metadata["category"] for d in tagged] == expected
    with pytest.raises(ClassifierFolderError, match="not a saved category classifier"):
        list(CategoryTagger(f"s3://{s3_bucket}/models/missing").run(iter(_documents(split[1][:1]))))
