"""Seeded uniform samples of a documents version: bounded, filtered, with scores joined and synthetic lineage."""

from __future__ import annotations

from collections import Counter

import pytest

from factory.inspection import InspectionError, documents_version, sample_documents
from factory.inspection.rows import read_rows
from tests.inspection.helpers import DUMP, MODEL, RECIPE, SHARD_ROWS, SHARDS


def ids(documents) -> list[str]:
    return [document.id for document in documents]


def test_sample_is_bounded_seeded_and_distinct(tiny):
    first = sample_documents(tiny.store, "deduped", "c4", 5, seed=7)
    assert len(first) == 5 and len(set(ids(first))) == 5
    assert ids(sample_documents(tiny.store, "deduped", "c4", 5, seed=7)) == ids(first)
    assert ids(sample_documents(tiny.store, "deduped", {"dump": DUMP}, 5, seed=8)) != ids(first)
    everything = sample_documents(tiny.store, "deduped", "dump=c4", 1000, seed=1)
    assert sorted(ids(everything)) == sorted(tiny.category)


def test_every_document_can_be_drawn_from_both_shards(tiny):
    drawn = Counter(sample_documents(tiny.store, "deduped", "c4", 1, seed=seed)[0].id for seed in range(300))
    first_shard = set(list(tiny.category)[:SHARD_ROWS])
    in_first = sum(count for doc_id, count in drawn.items() if doc_id in first_shard)
    assert 100 < in_first < 200, f"shard 0 drawn {in_first} of 300 times; expected about half"
    assert len(drawn) > 0.8 * SHARD_ROWS * SHARDS


def test_documents_carry_text_category_score_and_version(tiny):
    for document in sample_documents(tiny.store, "deduped", "c4", 60, seed=3):
        assert document.text == tiny.texts[document.id] and document.url == document.id
        assert document.category == tiny.category[document.id]
        assert document.edu_score == pytest.approx(tiny.edu_score[document.id])
        expected_source = "metadata" if document.id in tiny.metadata_scored else tiny.scores.short
        assert document.score_source == expected_source
        assert document.version_short == tiny.deduped.short and document.source_file.endswith(".json.gz")
        assert document.synthetic is None


def test_category_filter_is_case_insensitive_and_uniform(tiny):
    news = {doc_id for doc_id, category in tiny.category.items() if category == "News"}
    found = sample_documents(tiny.store, "deduped", "c4", 100, seed=0, category="news")
    assert set(ids(found)) == news and all(d.category == "News" for d in found)
    drawn = Counter(sample_documents(tiny.store, "deduped", "c4", 1, seed=s, category="News")[0].id for s in range(120))
    assert set(drawn) == news, "every News document must be reachable by the reservoir"


def test_score_filter_uses_metadata_first_then_the_attributes(tiny):
    found = sample_documents(tiny.store, "deduped", "c4", 100, seed=0, score_min=3.5)
    expected = {doc_id for doc_id, score in tiny.edu_score.items() if score >= 3.5}
    assert set(ids(found)) == expected
    assert any(d.score_source == "metadata" for d in found) and any(d.score_source == tiny.scores.short for d in found)
    both = sample_documents(tiny.store, "deduped", "c4", 100, seed=0, category="Educational", score_min=2)
    assert set(ids(both)) == {d for d in expected | {k for k, v in tiny.edu_score.items() if v >= 2}
                              if tiny.category[d] == "Educational" and tiny.edu_score[d] >= 2}


def test_synthetic_documents_show_their_source_recipe_and_model(tiny):
    documents = sample_documents(tiny.store, "synthetic", f"dump={DUMP}/recipe={RECIPE}", 10, seed=0)
    assert len(documents) == 3
    for document in documents:
        lineage = document.synthetic
        assert lineage is not None and lineage.recipe == RECIPE and lineage.recipe_version == 2 and lineage.model == MODEL
        assert lineage.source.version == tiny.deduped.short
        assert tiny.texts[lineage.source.id].startswith(lineage.source.snippet.removesuffix(" …"))


def test_partition_keys_as_the_ui_writes_them(tiny):
    assert documents_version(tiny.store, "filtered", f"000|{DUMP}").version == tiny.filtered.version
    assert documents_version(tiny.store, "filtered", f"{DUMP}|000").version == tiny.filtered.version
    assert len(sample_documents(tiny.store, "filtered", f"000|{DUMP}", 10, seed=0)) == 4


@pytest.mark.parametrize(("asset", "partition", "category", "message"), [
    ("dedupd", "c4", None, "unknown asset 'dedupd'"),
    ("deduped", "cc-2024", None, "partition 'cc-2024' matches no folder"),
    ("deduped", {"dump": "HOLDOUT"}, None, "no current version of deduped[dump=HOLDOUT]"),
    ("quality_scores", "c4", None, "has no documents table"),
    ("deduped", "c4", "Recipes", "unknown category 'Recipes': use one of Educational"),
])
def test_mistakes_name_what_failed(tiny, asset, partition, category, message):
    with pytest.raises(InspectionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        sample_documents(tiny.store, asset, partition, 3, seed=0, category=category)


def test_row_reads_cross_row_groups(tiny):
    entry = tiny.deduped.files_under("documents")[1]  # written with 8-row row groups
    rows = read_rows(tiny.store, tiny.deduped, entry, [0, 7, 8, 17, 29])
    assert [rows[i]["id"] for i in (0, 7, 8, 17, 29)] == [list(tiny.category)[SHARD_ROWS + i] for i in (0, 7, 8, 17, 29)]
    with pytest.raises(IndexError, match="past the shard's 30 rows"):
        read_rows(tiny.store, tiny.deduped, entry, [30])
