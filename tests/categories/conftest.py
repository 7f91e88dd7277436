"""The real WebOrganizer pages, split once, and the default classifier trained once on their training side."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def weborganizer(shared_data: Path) -> Path:
    return shared_data / "classification" / "weborganizer"


@pytest.fixture(scope="session")
def pages(weborganizer):
    from factory.categories import load_labelled_pages

    return load_labelled_pages(weborganizer)


@pytest.fixture(scope="session")
def split(pages):
    from factory.categories import split_pages

    return split_pages(pages)


@pytest.fixture(scope="session")
def fasttext_classifier(split):
    """The default classifier with default settings on all ~8,700 training pages (about 15 s on one core)."""
    from factory.categories import train_category_classifier

    return train_category_classifier(split[0], "fasttext")


@pytest.fixture(scope="session")
def saved_fasttext(fasttext_classifier, tmp_path_factory) -> Path:
    return fasttext_classifier.save(tmp_path_factory.mktemp("categories") / "fasttext")
