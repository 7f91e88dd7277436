"""A prefix of SmolLM2's merges: mapping stored shards equals tokenizing the text with the prefix tokenizer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from factory.training.vocab import build_vocab_map, prefix_tokenizer_json
from mixing.helpers import c4_texts


def test_mapping_full_ids_equals_prefix_tokenization(smollm2_dir, shared_data):
    from tokenizers import Tokenizer

    full = Tokenizer.from_file(str(smollm2_dir / "tokenizer.json"))
    vocab_map = build_vocab_map(smollm2_dir, 2048)
    prefix = Tokenizer.from_str(json.dumps(vocab_map.tokenizer_json))
    assert prefix.get_vocab_size() == 2048
    for text in c4_texts(shared_data, 60):
        ids = full.encode(text, add_special_tokens=False).ids
        direct = prefix.encode(text, add_special_tokens=False).ids
        assert vocab_map.map(np.array(ids)).tolist() == direct
        assert max(direct) < 2048 and prefix.decode(direct) == full.decode(ids)
    assert vocab_map.map(np.array([0])).tolist() == [0]  # <|endoftext|> stays the separator


def test_prefix_size_out_of_range_is_rejected(smollm2_dir):
    raw = json.loads((smollm2_dir / "tokenizer.json").read_text())
    with pytest.raises(ValueError, match=r"vocab_size must be in \(252, 49152\]"):
        prefix_tokenizer_json(raw, 100)
