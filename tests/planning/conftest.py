"""Fixtures of the planning tests: a store of measured manifests and a tiny warc.paths.gz (see planning_fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest
from planning_fixtures import build_measured_store, write_paths

from factory.store import Store


@pytest.fixture
def measured_store(tmp_path: Path) -> Store:
    return build_measured_store(Store(str(tmp_path / "store")))


@pytest.fixture
def paths_file(tmp_path: Path) -> Path:
    return write_paths(tmp_path / "warc.paths.gz")
