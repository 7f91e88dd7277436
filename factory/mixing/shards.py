"""Training shards: the mix's token ids as flat ``.npy`` arrays, documents separated by EOS.

uint16 holds SmolLM2's 49,152 ids; a larger vocabulary switches to uint32. Readers map the
shards from the store (a local copy for S3) and see one flat token stream, as nanoGPT-style
loaders do.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator

import numpy as np

from factory.store import Manifest, Store

log = logging.getLogger(__name__)
SHARDS = "shards"
EOS_TOKEN = "<|endoftext|>"


def token_dtype(vocab_size: int) -> np.dtype:
    return np.dtype(np.uint16) if vocab_size <= np.iinfo(np.uint16).max + 1 else np.dtype(np.uint32)


def split_shards(tokens: np.ndarray, shard_tokens: int) -> Iterator[np.ndarray]:
    if shard_tokens <= 0:
        raise ValueError(f"shard_tokens must be > 0, got {shard_tokens}")
    for start in range(0, len(tokens), shard_tokens):
        yield tokens[start:start + shard_tokens]


def encode_npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def local_file(store: Store, manifest: Manifest, relpath: str, cache_dir: str) -> str:
    """A local path to one file of a version: the file itself on a local store, a cached copy from S3."""
    if not store.is_local:
        os.makedirs(os.path.dirname(f"{cache_dir}/{manifest.asset}/{manifest.version}/{relpath}"), exist_ok=True)
    return store.local_path(manifest, relpath, cache_dir)


def read_tokens(store: Store, manifest: Manifest, cache_dir: str) -> np.ndarray:
    """All shards of a ``mixed`` version as one token array (memory-mapped where the store is local)."""
    entries = manifest.files_under(SHARDS)
    if not entries:
        raise ValueError(f"{manifest.short} has no {SHARDS}/ files: it is not a mixed version")
    arrays = [np.load(local_file(store, manifest, entry.path, cache_dir), mmap_mode="r", allow_pickle=False) for entry in entries]
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
