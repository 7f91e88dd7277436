"""``python tests/faults/crash_driver.py STORE CRAWL STEP``: run one step of the crash-test chain, in a process the
test kills through ``FACTORY_CRASH_AT``."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS.parent), str(TESTS)]

from factory import settings  # noqa: E402
from factory.store import Store  # noqa: E402
from faults.chain import run_step  # noqa: E402

if __name__ == "__main__":
    settings.set_offline_defaults()
    store_root, crawl, step = sys.argv[1:4]
    run_step(Store(store_root), step, Path(crawl))
