"""One tiny store per test module: building it takes a fraction of a second, the tests only read it."""

from __future__ import annotations

import pytest

from tests.inspection.helpers import TinyStore, build_store


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, shared_data) -> TinyStore:
    return build_store(tmp_path_factory.mktemp("store"), shared_data)
