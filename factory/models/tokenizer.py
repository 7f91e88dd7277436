"""The factory's tokenizer for token counts and training shards: SmolLM2's, from the model cache."""

from __future__ import annotations

import functools
from pathlib import Path

from factory.models.smollm2 import ensure_smollm2


@functools.cache
def load_tokenizer(path: str | None = None):
    """A fast ``tokenizers.Tokenizer`` (no transformers import: counting must stay cheap)."""
    from tokenizers import Tokenizer

    folder = Path(path) if path else ensure_smollm2()
    return Tokenizer.from_file(str(folder / "tokenizer.json"))


def count_tokens(texts: list[str], path: str | None = None) -> list[int]:
    tokenizer = load_tokenizer(path)
    return [len(encoding.ids) for encoding in tokenizer.encode_batch(texts, add_special_tokens=False)]
