"""Category distributions list all 8 categories, keep untagged rows apart, and read documents tables."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from factory.categories import CATEGORIES, category_distribution, category_of_metadata, table_category_counts
from factory.documents import DOCUMENT_SCHEMA


def test_every_category_is_present_with_shares_of_the_tagged():
    found = category_distribution({"News": 3, "Forum": 1, "untagged": 4}, {"News": 30, "Forum": 10, "untagged": 5})
    assert list(found["categories"]) == list(CATEGORIES)
    assert found["documents"] == 4 and found["untagged"] == 4 and found["tokens"] == 40
    assert found["categories"]["News"] == {"documents": 3, "share": 0.75, "tokens": 30, "token_share": 0.75}
    assert found["categories"]["Creative"]["documents"] == 0


def test_empty_counts_give_zeros_and_unknown_names_fail():
    assert all(entry == {"documents": 0, "share": 0.0} for entry in category_distribution({})["categories"].values())
    with pytest.raises(ValueError, match="Sports"):
        category_distribution({"Sports": 1})


def test_reads_categories_out_of_a_documents_table():
    metadata = [{"category": "News"}, {"category": "News"}, {}]
    rows = [{"id": str(i), "text": "t", "url": "", "dump": "", "source_file": "", "tokens": 10 * (i + 1),
             "metadata": json.dumps(row)} for i, row in enumerate(metadata)]
    counts, tokens = table_category_counts(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA))
    assert counts == {"News": 2, "untagged": 1} and tokens == {"News": 30, "untagged": 30}
    assert category_of_metadata(None) == "untagged" and category_of_metadata({"category": "Other"}) == "Other"
