"""Real C4 pages and planted near-paraphrases of them, written as a ``deduped``-like documents version."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pyarrow as pa

from factory.documents import DOCUMENT_SCHEMA, dump_partition
from factory.models import count_tokens
from factory.store import Manifest, Store
from factory.store.writer import open_writer

FILLERS = ["the", "very", "new", "good", "many", "also", "more", "some"]


def c4_pages(web_data: Path, count: int, skip: int = 0) -> list[tuple[str, str]]:
    """(id, text) of distinct C4 pages of at least 150 words."""
    with gzip.open(web_data / "olmo_c4" / "c4-sample.00000-of-00001.json.gz", "rt") as handle:
        texts = [json.loads(line)["text"] for line in handle]
    long_enough = [text for text in texts if len(text.split()) >= 150][skip:skip + count]
    return [(f"c4-{skip + i}", text) for i, text in enumerate(long_enough)]


def paraphrase(text: str, changed_words: int, seed: int) -> str:
    """``text`` with ``changed_words`` of its first 100 words replaced, and its whitespace changed."""
    rng = random.Random(seed)
    words = text.split()
    for i in rng.sample(range(min(100, len(words))), changed_words):
        words[i] = rng.choice([w for w in FILLERS if w != words[i]])
    return "  ".join(words[:40]) + "\n\n" + " ".join(words[40:])


def write_input(store: Store, dump: str, parts: list[list[tuple[str, str]]], asset: str = "deduped") -> Manifest:
    """Commit ``parts`` (lists of (id, text)) as the documents shards of ``asset[dump=<dump>]``."""
    writer = open_writer(store, asset, dump_partition(dump), code_version="test", config={"documents": str(parts)[:2000]})
    for index, documents in enumerate(parts):
        tokens = count_tokens([text for _, text in documents])
        rows = [{"id": doc_id, "text": text, "url": f"https://example.org/{doc_id}", "dump": dump,
                 "source_file": "c4-sample.json.gz", "tokens": n, "metadata": json.dumps({"language": "en"})}
                for (doc_id, text), n in zip(documents, tokens, strict=True)]
        with writer.part(index) as part:
            part.write_table("documents", pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA))
            part.count(documents=len(rows), tokens=sum(tokens))
    return writer.commit()
