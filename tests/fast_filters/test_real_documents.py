"""The fast filters against datatrove's on real documents of ../shared/data (C4, the Common Crawl WARC/WET files
extracted both ways, WebOrganizer, DCLM, the Dolma samples and topic sets, the NLTK corpus): identical decisions,
reasons, kept text and line statistics, with FineWeb's settings and, on C4, datatrove's defaults. The suite compares
every eighth document of every file (about 2,600); `python bench/filter_equivalence.py` compares all of them (about
20,000, ten minutes on two cores) and records the result."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fast_filters.equivalence import compare_real_documents


@pytest.mark.timeout(600)
def test_every_eighth_real_document_gets_datatrove_decisions_reasons_and_text(shared_data: Path):
    compared, differences = compare_real_documents(shared_data, range(1))
    assert compared > 2_400
    assert differences == [], f"{len(differences)} differences, first ones: {differences[:10]}"
