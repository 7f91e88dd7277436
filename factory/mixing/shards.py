"""Training shards: the mix's token ids as datatrove tokenized files (``.ds``), documents ended by EOS.

A ``.ds`` file is the flat token ids, 2 bytes each (4 for vocabularies over 65,536), with a
``.ds.index`` of document ends beside it. Readers map the files from the store (a local copy
for S3) and see one flat token stream across every shard, as nanoGPT-style loaders do: the mix
is bounded by disk, not memory.
"""

from __future__ import annotations

import logging

import numpy as np

from factory.store import Manifest, Store
from factory.token_stream import TokenShards

log = logging.getLogger(__name__)
SHARDS = "shards"
EOS_TOKEN = "<|endoftext|>"
SHARD_SUFFIX = ".ds"


def token_size(vocab_size: int) -> int:
    """Bytes per token id: 2 hold SmolLM2's 49,152 ids; a larger vocabulary needs 4."""
    return 2 if vocab_size <= np.iinfo(np.uint16).max + 1 else 4


def token_dtype(size: int) -> np.dtype:
    return np.dtype(np.uint16) if size == 2 else np.dtype(np.uint32)


def read_tokens(store: Store, manifest: Manifest, cache_dir: str) -> TokenShards:
    """All shards of a ``mixed`` version as one memory-mapped token stream."""
    entries = [e for e in manifest.files_under(SHARDS) if e.path.endswith(SHARD_SUFFIX)]
    if not entries:
        raise ValueError(f"{manifest.short} has no {SHARDS}/*{SHARD_SUFFIX} files: it is not a mixed version "
                         "(re-materialize mixed: versions before code version 2 used .npy shards)")
    dtype = token_dtype(int(manifest.stats.get("token_size", 2)))
    arrays = [np.memmap(store.local_path(manifest, entry.path, cache_dir), dtype=dtype, mode="r") for entry in entries]
    return TokenShards(arrays)
