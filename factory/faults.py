"""Crash points: named places where a test, or a chaos drill, kills the process as a lost machine would.

``FACTORY_CRASH_AT=<point>[@<n>]`` sends SIGKILL to the process the ``n``-th time (default the first) it
passes ``point``: no ``finally`` block, no ``atexit``, no flush runs, exactly like a preempted node.
Unset, as in every real run, a crash point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

CRASH_ENV = "FACTORY_CRASH_AT"
POINTS = {
    "document_written": "a document has gone through a task's writers: its shards are open and half written",
    "file_written": "a data file of a part is written, more may follow",
    "part_written": "a part's data files are written, its marker is not",
    "part_committed": "a part's marker is written: between parts",
    "manifest_written": "the manifest's temporary file is written, not yet renamed into place",
    "manifest_committed": "the manifest is in place, the partition's current pointer is not yet updated",
    "current_written": "the current pointer's temporary file is written, not yet renamed into place",
    "checkpoint_saved": "a training checkpoint is in the store, training goes on",
}
_passed: Counter[str] = Counter()


def parse(value: str) -> tuple[str, int]:
    """``point[@n]`` as (point, n); an unknown point fails, naming the known ones."""
    point, _, nth = value.partition("@")
    if point not in POINTS:
        raise ValueError(f"{CRASH_ENV}={value!r}: unknown crash point {point!r}; known: {', '.join(POINTS)}")
    if nth and (not nth.isdigit() or int(nth) < 1):
        raise ValueError(f"{CRASH_ENV}={value!r}: the count after '@' must be a positive integer")
    return point, int(nth or 1)


def crash_point(point: str) -> None:
    """Die here if ``FACTORY_CRASH_AT`` names this point and this is its ``n``-th pass."""
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    target, nth = parse(wanted)
    if target != point:
        return
    _passed[point] += 1
    if _passed[point] == nth:
        os.kill(os.getpid(), signal.SIGKILL)
