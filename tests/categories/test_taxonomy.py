"""The mapping from WebOrganizer's labels to the 8 categories covers every format, as the real files name them."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from factory.categories import CATEGORIES, CATEGORY_MEANINGS, FORMAT_RULES, UnknownLabelError, category_of


def test_categories_are_the_eight_in_labelling_order():
    assert CATEGORIES == ("Educational", "Advertising", "Forum", "News", "Creative", "Boilerplate", "Nonsensical",
                          "Other")
    assert set(CATEGORY_MEANINGS) == set(CATEGORIES)


def test_every_real_format_maps_to_a_category_with_a_reason(weborganizer):
    formats = json.loads((weborganizer / "formats.json").read_text())
    assert len(formats) == 24
    rules = {rule.format_id: rule for rule in FORMAT_RULES}
    for entry in formats:
        rule = rules[entry["domain_id"]]
        name = entry.get("domain_fullname") or entry["domain_name"].replace("<br>", " ")
        assert rule.name.replace(" ", "") == name.replace(" ", ""), f"{entry['domain_id']}: {rule.name} vs {name}"
        assert rule.category in CATEGORIES and rule.reason


def test_every_category_gets_training_pages(pages):
    counts = Counter(page.category for page in pages)
    assert set(counts) == set(CATEGORIES)
    assert min(counts.values()) >= 300, counts


def test_adult_pages_are_never_educational_news_or_creative():
    assert category_of(7, topic_id=12) == "Educational"
    assert category_of(7, topic_id=0) == "Other"
    assert category_of(2, topic_id=0) == "Other"
    assert category_of(16, topic_id=0) == "Advertising"  # an adult product page is still an ad


def test_an_unknown_format_names_itself():
    with pytest.raises(UnknownLabelError, match="format id 24"):
        category_of(24)
