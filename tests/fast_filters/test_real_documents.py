"""The fast filters against datatrove's on every real document in ../shared/data (about 20,000: C4, the Common
Crawl WARC/WET files extracted both ways, WebOrganizer, DCLM, the Dolma samples and topic sets, the NLTK
corpus): identical decisions, reasons, kept text and line statistics, with FineWeb's settings and, on C4,
datatrove's defaults. Two processes share the work (a few minutes on two cores)."""

from __future__ import annotations

import multiprocessing
from itertools import islice
from pathlib import Path

import pytest

from factory.curation.config import CurationConfig
from support.real_documents import real_documents
from tests.fast_filters.equivalence import all_differences

SLICES = 8  # per file; the work is spread as (file, slice) pairs
DATATROVE_DEFAULTS = CurationConfig.from_overrides({"c4_quality": {"filter_no_terminal_punct": True}})


def _differences(job: tuple[str, str, int, bool]) -> tuple[int, list[str]]:
    data_dir, only, index, datatrove_defaults = job
    documents = islice(real_documents(Path(data_dir), only), index, None, SLICES)
    texts = [(document.source, document.text) for document in documents]
    return len(texts), all_differences(texts, DATATROVE_DEFAULTS if datatrove_defaults else None)


@pytest.mark.timeout(1800)  # about 20,000 documents through both filter stacks: minutes on 2 busy cores
def test_every_real_document_gets_datatrove_decisions_reasons_and_text(shared_data: Path):
    files = sorted({document.source.split(":")[0] for document in real_documents(shared_data)
                    if "weborganizer" not in document.source} | {"classification/weborganizer"})
    jobs = [(str(shared_data), only, index, False) for only in files for index in range(SLICES)]
    jobs += [(str(shared_data), "olmo_c4/c4-sample", index, True) for index in range(SLICES)]
    # spawn, not fork: a pytest-xdist worker has threads of its own, and a child forked from it can inherit a lock
    # held by one of them and hang (seen: the pool's map finished, its terminate then waited forever on a worker).
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_differences, jobs, chunksize=1)
    compared = sum(count for count, _ in results)
    differences = [difference for _, found in results for difference in found]
    assert compared > 20_000
    assert differences == [], f"{len(differences)} differences, first ones: {differences[:10]}"
