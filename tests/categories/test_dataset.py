"""The held-out split: decided by URL, so it is the same every run and no held-out page ever trains."""

from __future__ import annotations

from collections import Counter

import pytest

from factory.categories import CATEGORIES, LabelledPagesError, is_held_out, load_labelled_pages, split_pages


def test_split_is_disjoint_complete_and_about_a_fifth(pages, split):
    train, held_out = split
    assert len(pages) == 10_892
    assert len(train) + len(held_out) == len(pages)
    assert not {p.url for p in train} & {p.url for p in held_out}
    assert 0.18 < len(held_out) / len(pages) < 0.22


def test_split_does_not_depend_on_order(pages, split):
    train, held_out = split_pages(list(reversed(pages)))
    assert {p.url for p in held_out} == {p.url for p in split[1]}
    assert is_held_out(held_out[0].url) and not is_held_out(train[0].url)


def test_every_category_is_held_out_too(split):
    assert set(Counter(p.category for p in split[1])) == set(CATEGORIES)


def test_a_missing_file_says_what_to_give(tmp_path):
    with pytest.raises(LabelledPagesError, match="weborganizer folder"):
        load_labelled_pages(tmp_path)
