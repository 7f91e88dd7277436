"""The two glibc allocator settings the factory relies on, in one place (``mallopt``; other C libraries have none).

``reuse_freed_tensor_memory``: glibc serves each block over its mmap threshold (32 MB at most by default) with a
fresh ``mmap`` and unmaps it on ``free``. A CPU training step allocates several such blocks (decide-cpu's logits
alone are 16 x 256 x 4096 floats, 67 MB) and frees them by the next step, so each step faults its largest tensors
in again, page by page: measured on 2 cores, 70,000 page faults a step and a third of a seed's time in the kernel.
Higher thresholds keep freed blocks in the heap for the next step. Results are bit-identical.

``zero_filled_allocations``: fastText leaves most of its input matrix as allocated (see its use in
``factory.categories.fasttext_classifier``), so recycled heap memory must read as zeros, as fresh pages do.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
from collections.abc import Iterator

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_PERTURB = -1, -3, -6  # glibc's malloc.h
MMAP_THRESHOLD = 512 << 20  # blocks above this still get their own mapping
TRIM_THRESHOLD = 1 << 30  # free memory at the heap's top kept for reuse before it is returned


def _mallopt():
    """glibc's ``mallopt`` from the C library already loaded into this process, or None."""
    return getattr(ctypes.CDLL(None), "mallopt", None)


@functools.cache
def reuse_freed_tensor_memory() -> bool:
    """Raise the mmap and trim thresholds for this process (once); False where the C library has no ``mallopt``."""
    mallopt = _mallopt()
    if mallopt is None:
        return False
    applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    if not applied:
        log.warning("glibc refused the mmap/trim thresholds: CPU training will page-fault its largest tensors every step")
    return applied


@contextlib.contextmanager
def zero_filled_allocations() -> Iterator[None]:
    """Within the block glibc fills every new allocation with zero bytes (``M_PERTURB`` 0xff fills with its complement);
    switched off again afterwards."""
    mallopt = _mallopt()
    if mallopt is not None:
        mallopt(M_PERTURB, 0xFF)
    try:
        yield
    finally:
        if mallopt is not None:
            mallopt(M_PERTURB, 0)
