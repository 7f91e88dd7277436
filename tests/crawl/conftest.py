"""Crawl test fixtures: a Common Crawl layout (``warc.paths.gz`` and the WARCs it names) over real files."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

MirrorBuilder = Callable[[Path, str], list[str]]


@pytest.fixture
def cc_mirror(web_data: Path) -> MirrorBuilder:
    """``build(base, dump)`` writes crawl-data/<dump>/warc.paths.gz under ``base`` and copies the two
    real WARCs it names (22 and 16 HTML responses); it returns their paths relative to ``base``."""

    def build(base: Path, dump: str) -> list[str]:
        rels = []
        for index, name in enumerate(["dolma/sample-0000.warc.gz", "resiliparse/warcfile.warc.gz"]):
            rel = f"crawl-data/{dump}/segments/1700000000000.{index}/warc/{Path(name).name}"
            target = base / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(web_data / name, target)
            rels.append(rel)
        (base / f"crawl-data/{dump}/warc.paths.gz").write_bytes(gzip.compress("\n".join(rels).encode()))
        return rels

    return build
