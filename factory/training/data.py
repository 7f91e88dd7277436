"""Batches from a token stream: windows of context + 1 tokens, shuffled by seed, repeated as needed.

The order is a function of (seed, epoch) alone, so a position in it is one number, the windows
already drawn: a resumed run starts there and sees exactly the windows the uninterrupted run would.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np


class TokenBatches:
    """Deterministic batches of (batch, context + 1) windows; a new shuffle on every pass."""

    def __init__(self, tokens: np.ndarray | Sequence[int], context: int, batch_size: int, seed: int = 0, start: int = 0):
        """``start``: windows already drawn (``batch_size`` per batch) by an earlier run that this one continues."""
        # A memory map or a TokenShards view: windows are read as they are needed, never the whole stream.
        self.tokens = tokens
        self.context, self.batch_size, self.seed = context, batch_size, seed
        self.windows = (len(self.tokens) - 1) // context
        if self.windows < 1:
            raise ValueError(f"the token stream has {len(self.tokens)} tokens: fewer than one window of context {context} + 1")
        if start < 0:
            raise ValueError(f"start must be >= 0 windows, got {start}")
        self.start = start
        self.epoch = start // self.windows

    def __iter__(self) -> Iterator[np.ndarray]:
        self.epoch = self.start // self.windows
        position, order = self.start % self.windows, self._order(self.epoch)
        while True:
            rows = []
            while len(rows) < self.batch_size:
                if position == len(order):
                    self.epoch += 1
                    position, order = 0, self._order(self.epoch)
                first = int(order[position]) * self.context
                rows.append(np.asarray(self.tokens[first:first + self.context + 1]))
                position += 1
            yield np.stack(rows).astype(np.int64)

    def _order(self, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, epoch]).permutation(self.windows)

    def epochs_for(self, tokens: int) -> float:
        return tokens / (self.windows * self.context)
