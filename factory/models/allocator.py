"""glibc's allocator set up for tensor-sized blocks, so CPU training does not page-fault every step.

glibc serves each block over its mmap threshold (32 MB at most by default) with a fresh ``mmap`` and unmaps it on
``free``. A CPU training step allocates several such blocks (decide-cpu's logits alone are 16 x 256 x 4096 floats,
67 MB) and frees them by the next step, so each step faults its largest tensors in again, page by page: measured on 2
cores, 5 million page faults and a third of a seed's time in the kernel. Higher thresholds keep freed blocks in the
heap for the next step. Results are bit-identical; the process keeps up to ``TRIM_THRESHOLD`` of freed memory.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import platform

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
MMAP_THRESHOLD = 512 << 20  # blocks above this still get their own mapping
TRIM_THRESHOLD = 1 << 30  # free memory at the heap's top kept for reuse before it is returned


@functools.cache
def reuse_freed_tensor_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for this process (once); False where the C library is not glibc."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL("libc.so.6")
    applied = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    if not applied:
        log.warning("glibc refused the mmap/trim thresholds: CPU training will page-fault its largest tensors every step")
    return applied
