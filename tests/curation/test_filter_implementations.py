"""The fast filters in `filtered`: the default, datatrove's selectable, and either one makes the same version
(the same id, documents, removal tables and per-filter counts), recording which one ran as operational."""

from __future__ import annotations

from factory.crawl import parse_source
from factory.crawl.index import index_chunk
from factory.curation import CurationConfig, filter_chunk
from factory.store import Store
from support.categories import classifier_in

DUMP = "wget"  # 37 English pages fetched by wget: most filters remove some


def _filtered(root, crawl_dir, filters: str):
    store = Store(str(root))
    index_chunk(store, parse_source(str(crawl_dir)), DUMP, "000", 1)
    classifier_in(store)
    return store, filter_chunk(store, DUMP, "000", CurationConfig(), filters=filters).manifest


def test_fast_and_datatrove_filters_make_the_same_version(crawl_dir, tmp_path):
    fast_store, fast = _filtered(tmp_path / "fast", crawl_dir, "fast")
    datatrove_store, datatrove = _filtered(tmp_path / "datatrove", crawl_dir, "datatrove")
    assert fast.version == datatrove.version
    assert (fast.operational["filters"], datatrove.operational["filters"]) == ("fast", "datatrove")
    assert fast.counts["documents"] < fast.counts["documents_in"]
    assert fast.counts == datatrove.counts and fast.stats["removals"] == datatrove.stats["removals"]
    assert sum(row["docs_removed"] for row in fast.stats["removals"]) > 0  # the filters did remove something
    for table in ("documents", "removed/gopher_quality", "removed/c4_quality", "removed/fineweb_quality"):
        assert fast_store.read_table(fast, table).to_pylist() == datatrove_store.read_table(datatrove, table).to_pylist()


def test_the_fast_filters_are_the_default(tmp_path):
    from factory.curation.fast_filters import (
        FastC4QualityFilter,
        FastFineWebQualityFilter,
        FastGopherQualityFilter,
        FastGopherRepetitionFilter,
    )
    from factory.curation.pipeline import build_filter_steps
    from resources.curation import CurationResource

    assert CurationResource().filters == "fast"
    steps = build_filter_steps(CurationConfig(), str(tmp_path), "tokenizer.json")
    assert [type(step) for step in steps[-4:]] == [FastGopherRepetitionFilter, FastGopherQualityFilter,
                                                   FastC4QualityFilter, FastFineWebQualityFilter]
