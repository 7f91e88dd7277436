"""Faithfulness: a rephrasing of its page scores high, a fluent invention scores low and is rejected as unfaithful."""

from __future__ import annotations

import pytest

from factory.generation import OutputChecks, SyntheticConfig, generate_synthetic, load_recipe
from factory.generation.faithfulness import (BINS, content_terms, faithfulness_scorer, histogram, prompt_terms, source_windows,
                                             summed, supported_share)
from generation_helpers import DUMP, PlantedGenerator, planted, write_source

GARDEN = (
    "The Riverside Community Garden opened in 2009 on a former parking lot owned by the city. It has 64 raised beds, "
    "each rented for 35 dollars a season to residents of the neighbourhood. Members must work four hours a month on "
    "shared tasks such as turning the compost, repairing the fences and watering the herb beds in August. Pesticides "
    "are not allowed; gardeners use ladybirds and netting against aphids instead. The waiting list is long, so a bed "
    "left untended for six weeks is offered to the next family on the list. Every October the garden holds a harvest "
    "supper where members cook pumpkins, beans and tomatoes grown in the beds for their neighbours."
)
HONEST_FAQ = (
    "## Frequently asked questions\n"
    "Q: When did the Riverside Community Garden open?\nA: It opened in 2009, on a city parking lot.\n\n"
    "Q: How much does a raised bed cost?\nA: Each of the 64 beds rents for 35 dollars per season to local residents.\n\n"
    "Q: What work do members owe the garden?\nA: Four hours each month on shared jobs like compost, fences and watering herbs.\n\n"
    "Q: How are aphids controlled without pesticides?\nA: Gardeners release ladybirds and put up netting.\n\n"
    "Q: What happens to a neglected bed?\nA: After six weeks untended it goes to the next family on the waiting list."
)
INVENTED = (
    "## Frequently asked questions\n"
    "Q: Who founded the Academy of French Literature?\nA: The novelist Eric Rothjacket founded it in Lyon in 1925.\n\n"
    "Q: What did the academy publish?\nA: A yearly review of poetry, essays on translation and a guide to Parisian salons.\n\n"
    "Q: Why did the academy close?\nA: A dispute among its directors over a prize for an unknown playwright ended it."
)


@pytest.fixture(scope="module")
def scorer():
    return faithfulness_scorer()


def test_a_rephrasing_of_its_page_scores_far_above_an_invention_and_above_the_gate(scorer):
    recipe = load_recipe("finephrase_faq")
    honest, invented = scorer.score([HONEST_FAQ, INVENTED], [GARDEN, GARDEN], recipe)
    threshold = OutputChecks().unfaithful_min_score
    assert honest["faithfulness"] >= threshold > invented["faithfulness"]
    assert honest["supported_share"] > 0.6 > 0.2 > invented["supported_share"]
    assert honest["source_similarity"] > invented["source_similarity"] + 0.3


def test_the_prompts_own_words_do_not_count_as_unsupported():
    recipe = load_recipe("finephrase_faq")
    assert {"question", "answer", "frequent"} <= prompt_terms(recipe)
    faq_words = "## Frequently asked questions\nQ: question?\nA: answer."
    assert supported_share(faq_words + " Riverside garden beds", GARDEN, prompt_terms(recipe)) == 1.0
    assert supported_share(faq_words + " Riverside garden beds", GARDEN) < 1.0


def test_content_terms_stem_and_drop_stop_words_but_keep_numbers():
    assert content_terms("The gardens were opened in 2009 by 64 gardeners") == {"garden", "open", "2009", "64"}


def test_a_long_source_is_read_in_windows_so_an_output_about_its_second_half_is_not_unfaithful():
    windows = source_windows("word " * 500)
    assert len(windows) == 3 and all(len(w.split()) <= 180 for w in windows)
    assert source_windows("") == [""]


def test_histograms_bin_every_score_and_sum_over_parts():
    assert histogram([0.0, 0.04, 0.5, 1.0]) == [2] + [0] * 9 + [1] + [0] * 8 + [1]
    part = {"histogram": histogram([0.1, 0.9]), "kept_histogram": histogram([0.9]), "sum": 1.0, "kept_sum": 0.9,
            "least_faithful_kept": [{"faithfulness": 0.9, "id": "a"}]}
    total = summed([part, part, {}])
    assert (total["scored"], total["kept"], total["mean"], total["kept_mean"], total["bins"]) == (4, 2, 0.5, 0.9, BINS)
    assert [row["id"] for row in total["least_faithful_kept"]] == ["a", "a"]


def test_the_step_rejects_a_planted_invention_as_unfaithful_and_keeps_an_honest_rephrasing(store):
    docs = [{"id": f"garden-{i}", "text": GARDEN + f" This is copy {i} of the page.", "url": f"https://example.org/{i}",
             "dump": DUMP, "source_file": "garden.jsonl", "tokens": 150} for i in range(2)]
    write_source(store, docs)

    def respond(request):
        return planted(HONEST_FAQ if request.request_id == "garden-0" else INVENTED)

    result = generate_synthetic(store, PlantedGenerator(respond), dump=DUMP, recipe=load_recipe("finephrase_faq"),
                                config=SyntheticConfig())
    manifest = result.manifest
    assert manifest.stats["rejections"]["unfaithful"] == 1 and manifest.counts["accepted"] == 1
    (kept,) = store.read_table(manifest, "documents").to_pylist()
    (rejected,) = store.read_table(manifest, "rejected").to_pylist()
    assert (kept["source_id"], rejected["source_id"], rejected["reason"]) == ("garden-0", "garden-1", "unfaithful")
    faithfulness = manifest.stats["faithfulness"]
    assert faithfulness["scored"] == 2 and faithfulness["kept"] == 1
    assert faithfulness["least_faithful_kept"][0]["source_id"] == "garden-0"
    assert manifest.config["faithfulness"]["embedder"]["sha256"]  # the scorer's model is part of the version, by content
