"""The contamination index on the factory's own benchmark files: what it finds, what it must not flag, and its version."""

from __future__ import annotations

from pathlib import Path

import pytest

from factory.decontamination.config import DecontaminationConfig
from factory.decontamination.index import ContaminationIndex
from factory.decontamination.items import BENCHMARK, HELDOUT, IndexedText, benchmark_items, question_text
from factory.decontamination.ngrams import informative_hashes, words
from factory.decontamination.step import build_index, plan_index
from factory.evaluation.config import EvalConfig
from factory.store import Store


@pytest.fixture(scope="module")
def hellaswag(shared_data: Path) -> tuple[ContaminationIndex, list[IndexedText]]:
    items = list(benchmark_items(shared_data / "eval", ["hellaswag"]))[:200]
    return ContaminationIndex.build(items, 13, 0.2)[0], items


def test_an_item_pasted_into_a_page_is_found_however_it_is_cased_punctuated_or_broken_into_lines(hellaswag, shared_data):
    index, items = hellaswag
    question, answer = items[7].texts[0], items[7].texts[1 + 0]
    page = "Welcome to our cooking and cleaning blog. Subscribe for more tips!\n\n{}\n\nShare this post on social media."
    variants = [f"{question} {answer}", f"{question} {answer}".upper().replace(".", "!"), "\n".join(question.split())]
    for variant in variants:
        found = index.matches(page.format(variant))
        assert [m.item for m in found][:1] == [items[7].id], variant
        assert found[0].source == "hellaswag" and found[0].ngrams >= 1 and len(found[0].example.split()) == 13


def test_numbers_and_bullets_alone_match_nothing():
    """simplify_text turns every number into 0: a calendar is "0 0 0 ...", as is a list of scores in an item."""
    scores = IndexedText(BENCHMARK, "mmlu", "1", ("Their scores were: 42, 38, 14, 13, 12, 12, 11, 11, 11, 10, 10, 10, 9, 8, 7, 6",), "")
    index, _ = ContaminationIndex.build([scores], 13, 0.2)
    calendar = "Mon Tue Wed Thu Fri Sat Sun • 1 • 2 • 3 • 4 • 5 • 6 • 7 • 8 • 9 • 10 • 11 • 12 • 13 • 14 • 15 • 16"
    assert index.matches(calendar) == []
    assert len(informative_hashes(words("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"), 13)) == 0
    assert words("a • b") == ["a", "b"]


def test_a_held_out_document_counts_only_when_the_page_holds_a_fifth_of_it(shared_data):
    from factory.evaluation.heldout import read_domain

    passage = read_domain("english_corpus", shared_data)[0].text  # a paragraph of an inaugural address
    held = IndexedText(HELDOUT, "english_corpus", "0", (passage,), passage[:50])
    index, table = ContaminationIndex.build([held], 13, 0.2)
    quoted = " ".join(passage.split()[:30])  # 18 of its ~300 n-grams
    one_sentence = f"An unrelated page about gardening in spring, with a quote: {quoted}."
    assert index.matches(one_sentence) == []  # a shared sentence is not a copy
    assert [m.item for m in index.matches(f"Notes. {passage} More notes.")] == ["english_corpus/0"]
    assert table.column("min_matches")[0].as_py() == max(1, round(0.2 * table.column("ngrams")[0].as_py() + 0.49))


def test_the_prompt_scaffolding_is_not_indexed():
    assert question_text("The following are questions (with answers) about anatomy.\n\nQuestion: What is X?\nAnswer:") == "What is X?"
    assert question_text("Q: Tracy went to the store. What will Tracy want to do next?\nA:") == (
        "Tracy went to the store. What will Tracy want to do next?")


def test_the_index_is_stored_reused_and_versioned_by_its_settings_and_task_files(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    evaluation = EvalConfig(tasks=("piqa", "arc_easy"))
    first = build_index(store, evaluation, DecontaminationConfig())
    assert not first.reused and first.manifest.stats["sources"]["piqa"]["items"] == 1838
    assert build_index(store, evaluation, DecontaminationConfig()).reused
    assert {f.path for f in first.manifest.files} >= {"hashes.npy", "owners.npy"}
    assert plan_index(evaluation, DecontaminationConfig(ngram_size=12)).version != first.manifest.version
    assert plan_index(EvalConfig(tasks=("piqa",)), DecontaminationConfig()).version != first.manifest.version
    assert plan_index(evaluation, DecontaminationConfig(action="report")).version == first.manifest.version  # a mix's choice
    with pytest.raises(ValueError, match="ngram_size"):
        DecontaminationConfig(ngram_size=2)
