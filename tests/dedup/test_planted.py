"""The oracle of the dedup tests (tests/support/planted.py) on small hand-made inputs whose answers are worked out
by hand: word 5-gram Jaccard, planting a copy at a target similarity, and which planted pairs a ``deduped``
version put together."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pytest

from support.planted import PlantedPair, jaccard, merged_pairs, plant, plant_pairs, shingles


def test_shingles_are_lowercased_word_5_grams_without_punctuation():
    assert shingles("A b, c. D e f") == {("a", "b", "c", "d", "e"), ("b", "c", "d", "e", "f")}
    assert shingles("a b c d") == set()  # fewer words than n: no shingle
    assert shingles("a b c", n=2) == {("a", "b"), ("b", "c")}


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("a b c d e f", "a b c d e f", 1.0),
    ("a b c d e f", "A, b c d e... F!", 1.0),  # case and punctuation are not words
    ("a b c d e f", "a b c d e g", 1 / 3),  # {abcde, bcdef} vs {abcde, bcdeg}: 1 shared of 3
    ("a b c d e f g", "a b c d e f", 2 / 3),  # {abcde, bcdef, cdefg} vs the first two
    ("a b c d e", "v w x y z", 0.0),
    ("a b c d", "a b c d e", 0.0),  # no shingle against one: 0 of 1
    ("", "a b", 1.0),  # neither has a shingle: the same (empty) set
])
def test_jaccard_of_word_5_gram_sets(a, b, expected):
    assert jaccard(a, b) == pytest.approx(expected)
    assert jaccard(b, a) == pytest.approx(expected)


def test_jaccard_with_another_n():
    assert jaccard("a b c", "a c b", n=1) == 1.0
    assert jaccard("a b c", "a b d", n=1) == pytest.approx(2 / 4)
    assert jaccard("a b c", "a b d", n=2) == pytest.approx(1 / 3)  # {ab, bc} vs {ab, bd}


def _document(prefix: str, words: int = 400) -> str:
    """Distinct words, so every 5-gram is distinct; a line break every 20 words to check the layout survives."""
    return "".join(f"{prefix}{i}" + ("\n" if i % 20 == 19 else " ") for i in range(words))


@pytest.mark.parametrize("target", [0.95, 0.9, 0.7, 0.45])
def test_plant_lands_at_or_just_below_the_target_and_reports_the_true_similarity(target):
    original, donor = _document("w"), _document("d")
    copy, similarity = plant(original, donor, target, seed=3)
    assert similarity == pytest.approx(jaccard(original, copy))
    assert target - 0.05 < similarity <= target
    # Words replaced one for one by the donor's, whitespace untouched.
    assert re.findall(r"\s+", copy) == re.findall(r"\s+", original)
    replaced = [(o, c) for o, c in zip(original.split(), copy.split()) if o != c]
    assert replaced and all(c.startswith("d") for _, c in replaced)
    assert len(copy.split()) == len(original.split())


def test_plant_is_deterministic_in_its_seed_and_leaves_a_document_at_the_target():
    original, donor = _document("w"), _document("d")
    assert plant(original, donor, 0.9, seed=1) == plant(original, donor, 0.9, seed=1)
    assert plant(original, donor, 0.9, seed=1)[0] != plant(original, donor, 0.9, seed=2)[0]
    assert plant(original, donor, 1.0, seed=1) == (original, 1.0)  # already at the target: unchanged


def test_plant_pairs_cycles_targets_takes_donors_half_way_round_and_records_the_similarity():
    documents = [(f"doc{k}", _document(f"x{k}-", 200)) for k in range(4)]
    pairs = plant_pairs(documents, [0.9, 0.5], seed=5)
    assert [(p.original_id, p.copy_id, p.target) for p in pairs] == [
        ("doc0", "doc0-planted-0.90", 0.9), ("doc1", "doc1-planted-0.50", 0.5),
        ("doc2", "doc2-planted-0.90", 0.9), ("doc3", "doc3-planted-0.50", 0.5)]
    donor_of = {"doc0": "x2-", "doc1": "x3-", "doc2": "x0-", "doc3": "x1-"}  # (i + 4 // 2) % 4
    texts = dict(documents)
    for pair in pairs:
        assert pair.similarity == pytest.approx(jaccard(texts[pair.original_id], pair.copy_text))
        assert pair.similarity <= pair.target
        own = f"x{pair.original_id[-1]}-"
        assert {w.rstrip("0123456789") for w in pair.copy_text.split()} == {own, donor_of[pair.original_id]}


class _FakeStore:
    """``read_table`` of a ``deduped`` version, from hand-written tables (the manifest is ignored)."""

    def __init__(self, documents: list[dict], minhash: list[dict], exact: list[dict]):
        self.tables = {
            "documents": pa.Table.from_pylist([{"id": d["id"], "metadata": json.dumps(d["metadata"])}
                                               for d in documents]),
            "removed/minhash": pa.Table.from_pylist(minhash) if minhash else pa.table({}),
            "removed/exact": pa.Table.from_pylist(exact) if exact else pa.table({}),
        }

    def read_table(self, manifest, name: str = "documents") -> pa.Table:
        return self.tables[name]


def _pair(original: str, copy: str) -> PlantedPair:
    return PlantedPair(original, copy, 0.9, 0.9, "")


def _removed(doc_id: str, cluster: int, key: str, reason: str = "near_duplicate") -> dict:
    return {"id": doc_id, "reason": reason, "cluster_id": cluster, "content_key": key}


def test_merged_pairs_counts_same_cluster_or_same_content_key_and_nothing_else():
    documents = [
        {"id": "o1", "metadata": {"minhash_cluster_id": 3, "content_key": "k-o1"}},  # heads cluster 3
        {"id": "o2", "metadata": {"content_key": "k-o2"}},  # o2, c2: both kept, neither clustered
        {"id": "c2", "metadata": {"content_key": "k-c2"}},
        {"id": "o3", "metadata": {"minhash_cluster_id": 5, "content_key": "k-o3"}},  # o3, c3: different clusters
        {"id": "c3", "metadata": {"minhash_cluster_id": 6, "content_key": "k-c3"}},
        {"id": "o4", "metadata": {"content_key": "k4"}},  # c4 removed as its exact duplicate
        {"id": "o5", "metadata": {"minhash_cluster_id": 7, "content_key": "k-o5"}},  # c5 went with x5, not o5
        {"id": "x5", "metadata": {"minhash_cluster_id": 8, "content_key": "k-x5"}},
        {"id": "x7", "metadata": {"minhash_cluster_id": 9, "content_key": "k-x7"}},  # o7 and c7 both went with x7
        {"id": "o8", "metadata": {}},  # no content key on either side: not "the same key"
        {"id": "c8", "metadata": {}},
        {"id": "c9", "metadata": {"minhash_cluster_id": 10, "content_key": "k-c9"}},  # the copy kept, o9 removed
    ]
    minhash = [_removed("c1", 3, "k-c1"), _removed("c5", 8, "k-c5"), _removed("o7", 9, "k-o7"),
               _removed("c7", 9, "k-c7"), _removed("o9", 10, "k-o9")]
    exact = [_removed("c4", -1, "k4", "exact_duplicate")]
    pairs = [_pair(f"o{k}", f"c{k}") for k in range(1, 11)]  # o10, c10: in no table at all
    store = _FakeStore(documents, minhash, exact)
    assert merged_pairs(store, None, pairs) == {"c1", "c4", "c7", "c9"}


def test_merged_pairs_with_nothing_removed_reads_the_kept_documents_alone():
    documents = [{"id": "o1", "metadata": {"minhash_cluster_id": 0, "content_key": "a"}},  # cluster 0 is a cluster
                 {"id": "c1", "metadata": {"minhash_cluster_id": 0, "content_key": "b"}},
                 {"id": "o2", "metadata": {"minhash_cluster_id": -1, "content_key": "k"}},
                 {"id": "c2", "metadata": {"minhash_cluster_id": -1, "content_key": "k"}},
                 {"id": "o3", "metadata": {"minhash_cluster_id": -1, "content_key": "p"}},
                 {"id": "c3", "metadata": {"minhash_cluster_id": -1, "content_key": "q"}}]
    store = _FakeStore(documents, [], [])
    assert merged_pairs(store, None, [_pair("o1", "c1"), _pair("o2", "c2"), _pair("o3", "c3")]) == {"c1", "c2"}
