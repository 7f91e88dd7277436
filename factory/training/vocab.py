"""Smaller vocabularies for tiny proxies: a prefix of SmolLM2's BPE merges.

With 49,152 ids the output layer dominates a CPU-sized model (its logits cost more than the
whole transformer), so the tiny config keeps the first K ids. SmolLM2's tokenizer is
byte-level BPE whose ids follow merge order, so the first K ids with the first K - base merges
are themselves a complete byte-level BPE tokenizer: every text still encodes, into more tokens.
BPE applies merges in rank order, so a full-vocabulary token splits into the prefix
tokenizer's tokens of its own bytes, and mapping the stored shards token by token gives
exactly what the prefix tokenizer gives on the text (a test checks this on real text).
The prefix ``tokenizer.json`` is saved with the checkpoint, so evaluation tokenizes the same way.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def prefix_tokenizer_json(full_json: dict, vocab_size: int) -> dict:
    """The tokenizer.json of the first ``vocab_size`` ids of a byte-level BPE tokenizer."""
    model = full_json["model"]
    if model.get("type") != "BPE":
        raise ValueError(f"prefix vocabularies need a BPE tokenizer, got {model.get('type')!r}")
    vocab, merges = model["vocab"], model["merges"]
    base = len(vocab) - len(merges)
    if not base < vocab_size <= len(vocab):
        raise ValueError(f"vocab_size must be in ({base}, {len(vocab)}] for this tokenizer (base alphabet {base}), got {vocab_size}")
    for rank, merge in enumerate(merges[: vocab_size - base]):
        left, right = merge if isinstance(merge, list) else merge.split(" ")
        if vocab.get(left + right) != base + rank:
            raise ValueError(f"merge {rank} ({left!r}, {right!r}) does not produce id {base + rank}: ids do not follow merge order")
    trimmed = json.loads(json.dumps(full_json))
    trimmed["model"]["vocab"] = {token: i for token, i in vocab.items() if i < vocab_size}
    trimmed["model"]["merges"] = merges[: vocab_size - base]
    trimmed["added_tokens"] = [t for t in full_json.get("added_tokens", []) if t["id"] < vocab_size]
    return trimmed


@dataclass(frozen=True)
class VocabMap:
    """Each full-vocabulary id as its sequence of prefix-vocabulary ids (flattened with offsets)."""

    vocab_size: int
    offsets: np.ndarray  # (full_vocab + 1,)
    pieces: np.ndarray
    tokenizer_json: dict

    def map_to_file(self, blocks, path: Path) -> np.ndarray:
        """Maps a token stream given in blocks into a file (written once, then reused), memory-mapped:
        the mix is mapped a block at a time, never held whole in memory."""
        dtype = np.dtype(np.uint16) if self.vocab_size <= np.iinfo(np.uint16).max + 1 else np.dtype(np.uint32)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
            with open(partial, "wb") as handle:
                for block in blocks:
                    handle.write(self.map(block).astype(dtype).tobytes())
            partial.rename(path)
        return np.memmap(path, dtype=dtype, mode="r")

    def map(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        starts, lengths = self.offsets[ids], self.offsets[ids + 1] - self.offsets[ids]
        total = int(lengths.sum())
        run_starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        index = np.repeat(starts, lengths) + (np.arange(total) - run_starts)
        return self.pieces[index]


def build_vocab_map(tokenizer_dir: Path, vocab_size: int) -> VocabMap:
    from tokenizers import Tokenizer

    full_json = json.loads((tokenizer_dir / "tokenizer.json").read_text())
    trimmed = prefix_tokenizer_json(full_json, vocab_size)
    prefix = Tokenizer.from_str(json.dumps(trimmed))
    bpe = prefix.model
    full_vocab = full_json["model"]["vocab"]
    specials = {t["content"]: t["id"] for t in full_json.get("added_tokens", [])}
    inverse = {i: s for s, i in full_vocab.items()} | {i: s for s, i in specials.items()}
    offsets = np.zeros(len(inverse) + 1, dtype=np.int64)
    pieces: list[int] = []
    for full_id in range(len(inverse)):
        token = inverse[full_id]
        ids = [full_id] if full_id < vocab_size else [t.id for t in bpe.tokenize(token)]
        pieces.extend(ids)
        offsets[full_id + 1] = len(pieces)
    log.info("prefix vocabulary %d: %d full ids map to %d pieces", vocab_size, len(inverse), len(pieces))
    return VocabMap(vocab_size, offsets, np.asarray(pieces, dtype=np.int64), trimmed)
