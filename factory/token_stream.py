"""A mix's token shards as one stream: what training reads, with nothing of the store (the data-parallel workers and
the GPU check import it where only torch and numpy are installed)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class TokenShards(Sequence):
    """Memory-mapped shards as one flat, read-only token sequence; a slice may span two shards."""

    def __init__(self, arrays: list[np.ndarray]):
        if not arrays:
            raise ValueError("no token shards")
        self.arrays = arrays
        self.starts = np.cumsum([0] + [len(a) for a in arrays])
        self.dtype = arrays[0].dtype

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getitem__(self, index):
        if not isinstance(index, slice):
            shard = int(np.searchsorted(self.starts, index, side="right")) - 1
            return self.arrays[shard][index - self.starts[shard]]
        start, stop, step = index.indices(len(self))
        if step != 1:
            raise ValueError("token shards slice with step 1 only")
        pieces, position = [], start
        while position < stop:
            shard = int(np.searchsorted(self.starts, position, side="right")) - 1
            end = min(stop, int(self.starts[shard + 1]))
            pieces.append(self.arrays[shard][position - self.starts[shard]: end - self.starts[shard]])
            position = end
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces) if pieces else np.empty(0, self.dtype)

    def __array__(self, dtype=None, copy=None):
        whole = np.concatenate(self.arrays) if len(self.arrays) > 1 else np.asarray(self.arrays[0])
        return whole.astype(dtype) if dtype is not None else whole

    def iter_blocks(self, block: int = 1 << 22):
        """The stream in blocks of at most ``block`` tokens (for streaming transforms)."""
        for array in self.arrays:
            for start in range(0, len(array), block):
                yield array[start:start + block]
