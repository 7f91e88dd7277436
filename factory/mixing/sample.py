"""Deterministic weighted sampling of documents to each source's token target.

Each source's documents are ordered by a hash of (seed, epoch, version, id), taken in that
order until the source's target is met, and reordered with a fresh hash per pass when the
recipe allows repetition; the last document is cut so each source gives exactly its share.
The selected pieces are then shuffled together by another hash, so the result depends only
on the recipe and the input versions, never on file order or the machine.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import pyarrow as pa

from factory.mixing.plan import MixPlan, SourcePlan
from factory.store import Manifest, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Piece:
    """One (possibly repeated, possibly cut) document of the mix."""

    order_key: str
    source_index: int
    manifest: Manifest
    doc_id: str
    epoch: int
    tokens: int  # tokens of the document this piece keeps (the last piece of a source may be cut)


def read_documents(store: Store, manifest: Manifest, table: str = "documents") -> dict[str, list]:
    """id, text and SmolLM2 token count of every non-empty document of a version."""
    data: pa.Table = store.read_table(manifest, table)
    if "text" not in data.column_names:
        raise ValueError(f"{manifest.short}: table {table!r} has no 'text' column: it is not a documents table")
    texts = data["text"].to_pylist()
    ids = data["id"].to_pylist() if "id" in data.column_names else [f"{manifest.version}:{i}" for i in range(len(texts))]
    if "tokens" in data.column_names:
        tokens = [int(t or 0) for t in data["tokens"].to_pylist()]
    else:
        from factory.models import count_tokens

        tokens = count_tokens([t or "" for t in texts])
    keep = [i for i, (text, n) in enumerate(zip(texts, tokens, strict=True)) if text and n > 0]
    return {"id": [str(ids[i]) for i in keep], "text": [texts[i] for i in keep], "tokens": [tokens[i] for i in keep]}


def _key(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def sample_source(store: Store, plan: SourcePlan, index: int, seed: int) -> tuple[list[Piece], dict[str, str]]:
    """The pieces one source gives, and the texts of the documents they use (by a unique key)."""
    docs = []
    for manifest in plan.manifests:
        table = read_documents(store, manifest, plan.source.table)
        docs.extend((manifest, doc_id, text, n) for doc_id, text, n in zip(table["id"], table["text"], table["tokens"], strict=True))
    pieces: list[Piece] = []
    texts: dict[str, str] = {}
    remaining, epoch = plan.target_tokens, 0
    while remaining > 0:
        order = sorted(docs, key=lambda d: _key(seed, epoch, index, d[0].version, d[1]))
        for manifest, doc_id, text, n in order:
            take = min(n, remaining)
            text_key = f"{manifest.asset}/{manifest.partition}/{manifest.version}/{doc_id}"
            texts[text_key] = text
            pieces.append(Piece(_key("mix", seed, epoch, text_key), index, manifest, doc_id, epoch, take))
            remaining -= take
            if remaining <= 0:
                break
        epoch += 1
    log.info("source %s: %d pieces, %d tokens, %d pass(es)", plan.source.label, len(pieces), plan.target_tokens, epoch)
    return pieces, texts


def sample_mix(store: Store, plan: MixPlan) -> tuple[list[Piece], dict[str, str]]:
    """Every piece of the mix in training order (shuffled across sources), and the texts they use."""
    pieces: list[Piece] = []
    texts: dict[str, str] = {}
    for index, source_plan in enumerate(plan.sources):
        source_pieces, source_texts = sample_source(store, source_plan, index, plan.recipe.seed)
        pieces.extend(source_pieces)
        texts.update(source_texts)
    pieces.sort(key=lambda p: p.order_key)
    return pieces, texts


def text_key(piece: Piece) -> str:
    return f"{piece.manifest.asset}/{piece.manifest.partition}/{piece.manifest.version}/{piece.doc_id}"
