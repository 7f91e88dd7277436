"""Small crawl folders made of the real files in ../shared/data/web, and a helper to curate one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from factory.crawl import parse_source
from factory.crawl.index import index_chunk
from factory.curation import CurationConfig, ExecutorSpec, filter_chunk
from support.categories import classifier_in

DUMPS = {
    "cc": ["resiliparse/warcfile.warc.gz"],  # real CC-MAIN-2020-34 excerpt: non-English spam
    "wget": ["dolma/sample-0000.warc.gz", "dolma/sample-0001.warc.gz"],  # English pages fetched by wget
    "wet": ["whirlwind/whirlwind.warc.wet.gz"],
    "c4": ["olmo_c4/paloma_c4_100_domains_www.theguardian.com_val.jsonl.gz"],
}


@pytest.fixture(scope="session")
def crawl_dir(web_data: Path, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("crawl")
    for dump, files in DUMPS.items():
        (root / dump).mkdir()
        for relpath in files:
            os.symlink(web_data / relpath, root / dump / Path(relpath).name)
    return root


@pytest.fixture(scope="session")
def curate():
    """``curate(store, crawl_dir, dump, ...)``: raw_crawl then filtered for a whole dump as one chunk (chunks=1)."""

    def run(store, crawl_dir: Path, dump: str, config: CurationConfig | None = None, executor: ExecutorSpec | None = None):
        index_chunk(store, parse_source(str(crawl_dir)), dump, "000", 1)
        classifier_in(store)
        return filter_chunk(store, dump, "000", config or CurationConfig(), executor or ExecutorSpec())

    return run
