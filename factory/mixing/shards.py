"""Training shards: the mix's token ids as datatrove tokenized files (``.ds``), documents ended by EOS.

A ``.ds`` file is the flat token ids, 2 bytes each (4 for vocabularies over 65,536), with a
``.ds.index`` of document ends beside it. Readers map the files from the store (a local copy
for S3) and see one flat token stream across every shard, as nanoGPT-style loaders do: the mix
is bounded by disk, not memory.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from factory.store import Manifest, Store

log = logging.getLogger(__name__)
SHARDS = "shards"
EOS_TOKEN = "<|endoftext|>"
SHARD_SUFFIX = ".ds"


def token_size(vocab_size: int) -> int:
    """Bytes per token id: 2 hold SmolLM2's 49,152 ids; a larger vocabulary needs 4."""
    return 2 if vocab_size <= np.iinfo(np.uint16).max + 1 else 4


def token_dtype(size: int) -> np.dtype:
    return np.dtype(np.uint16) if size == 2 else np.dtype(np.uint32)


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


def read_tokens(store: Store, manifest: Manifest, cache_dir: str) -> TokenShards:
    """All shards of a ``mixed`` version as one memory-mapped token stream."""
    entries = [e for e in manifest.files_under(SHARDS) if e.path.endswith(SHARD_SUFFIX)]
    if not entries:
        raise ValueError(f"{manifest.short} has no {SHARDS}/*{SHARD_SUFFIX} files: it is not a mixed version "
                         "(re-materialize mixed: versions before code version 2 used .npy shards)")
    dtype = token_dtype(int(manifest.stats.get("token_size", 2)))
    arrays = [np.memmap(store.local_path(manifest, entry.path, cache_dir), dtype=dtype, mode="r") for entry in entries]
    return TokenShards(arrays)
