"""The ``mixed`` step: a recipe, planned against the store, sampled, tokenized and written as shards.

The version is input-addressed over the recipe's content (not its description or role), the
tokenizer file and the source versions, so a new upstream version or an edited recipe makes a
new mix version, and an unchanged one is reused without work.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from factory.mixing.plan import plan_mix
from factory.mixing.recipe import MixRecipe
from factory.mixing.sample import sample_mix, text_key
from factory.mixing.shards import EOS_TOKEN, SHARDS, encode_npy, split_shards, token_dtype
from factory.steps import StepResult, reuse_committed
from factory.store import Store

log = logging.getLogger(__name__)
ASSET = "mixed"
CODE_VERSION = "1"
DEFAULT_SHARD_TOKENS = 4_000_000


def tokenizer_identity(tokenizer_dir: Path) -> dict[str, str]:
    data = (tokenizer_dir / "tokenizer.json").read_bytes()
    return {"name": tokenizer_dir.name, "sha256": hashlib.sha256(data).hexdigest()[:16]}


def build_mix(
    store: Store, recipe: MixRecipe, *, shard_tokens: int = DEFAULT_SHARD_TOKENS, tokenizer_dir: Path | None = None,
    run_id: str | None = None,
) -> StepResult:
    from factory.models import ensure_smollm2, load_tokenizer

    plan = plan_mix(store, recipe)  # raises before any work on a bad recipe
    tokenizer_dir = tokenizer_dir or ensure_smollm2()
    config = {"recipe": recipe.identity(), "tokenizer": tokenizer_identity(tokenizer_dir), "eos": EOS_TOKEN}
    writer = store.writer(
        ASSET, recipe.name, code_version=CODE_VERSION, config=config, inputs=plan.inputs,
        operational={"shard_tokens": shard_tokens, "recipe_file": recipe.path}, run_id=run_id,
    )
    if reused := reuse_committed(store, writer):
        return reused
    started = time.time()
    pieces, texts = sample_mix(store, plan)
    tokenizer = load_tokenizer(str(tokenizer_dir))
    eos = tokenizer.token_to_id(EOS_TOKEN)
    keys = sorted(texts)
    encoded = dict(zip(keys, (e.ids for e in tokenizer.encode_batch([texts[k] for k in keys], add_special_tokens=False)), strict=True))
    dtype = token_dtype(tokenizer.get_vocab_size())
    stream: list[int] = []
    given: dict[int, int] = defaultdict(int)
    rows = []
    for position, piece in enumerate(pieces):
        ids = encoded[text_key(piece)][: piece.tokens]
        rows.append({
            "position": position, "source": piece.source_index, "asset": piece.manifest.asset,
            "partition": piece.manifest.partition, "version": piece.manifest.version, "doc_id": piece.doc_id,
            "epoch": piece.epoch, "tokens": len(ids), "offset": len(stream),
        })
        stream.extend(ids)
        stream.append(eos)
        given[piece.source_index] += len(ids)
    tokens = np.asarray(stream, dtype=dtype)
    with writer.part(0) as part:
        part.write_table("samples", rows)
        with tempfile.TemporaryDirectory() as tmp:
            for index, shard in enumerate(split_shards(tokens, shard_tokens)):
                local = Path(tmp) / f"shard-{index:05d}.npy"
                local.write_bytes(encode_npy(shard))
                part.put_file(str(local), f"{SHARDS}/shard-{index:05d}.npy")
        part.count(tokens=len(tokens), documents=len(pieces), unique_documents=len(keys), separators=len(pieces))
    sources = []
    for index, source_plan in enumerate(plan.sources):
        sources.append({
            **plan.summary()[index], "tokens_given": given[index],
            "inputs": [{"asset": m.asset, "partition": m.partition, "version": m.version} for m in source_plan.manifests],
        })
    seconds = time.time() - started
    manifest = writer.commit(stats={"sources": sources, "dtype": str(dtype), "tokens_per_s": round(len(tokens) / max(seconds, 1e-9))})
    log.info("mix %s: %d tokens from %d pieces in %.1f s", recipe.name, len(tokens), len(pieces), seconds)
    return StepResult(manifest, reused=False, metadata={"sources": sources})
