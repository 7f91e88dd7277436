"""Real-text dataset versions for mix tests: C4 pages and Brown-corpus passages as `documents` tables."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa

from factory.documents import DOCUMENT_SCHEMA
from factory.models import count_tokens
from factory.store import Store
from factory.store.writer import open_writer


def c4_texts(shared_data: Path, n: int, skip: int = 0) -> list[str]:
    with gzip.open(shared_data / "web" / "olmo_c4" / "c4-sample.00000-of-00001.json.gz", "rt") as handle:
        rows = [json.loads(line)["text"] for line in handle]
    return rows[skip:skip + n]


def brown_texts(shared_data: Path, n: int, lines_per_doc: int = 20) -> list[str]:
    lines = (shared_data / "corpus" / "nltk" / "brown_untagged.txt").read_text().splitlines()
    return [" ".join(lines[i * lines_per_doc:(i + 1) * lines_per_doc]) for i in range(n)]


def write_documents(store: Store, asset: str, partition, texts: list[str], tag: str = "test", salt: str = ""):
    """Commit a documents version of ``texts`` (as the curation or generation steps would); ``salt`` makes another
    version id of the same documents (as a crawl file copied again with a new modification time does upstream)."""
    tokens = count_tokens(texts)
    rows = [
        {"id": f"{tag}-{i}", "text": t, "url": f"https://example.org/{tag}/{i}", "dump": tag, "source_file": f"{tag}.jsonl",
         "tokens": n, "metadata": "{}"}
        for i, (t, n) in enumerate(zip(texts, tokens, strict=True))
    ]
    writer = open_writer(store, asset, partition, code_version="test", config={"tag": tag, "n": len(texts), **({"salt": salt} if salt else {})})
    with writer.part(0) as part:
        part.write_table("documents", pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA))
        part.count(documents=len(rows), tokens=sum(tokens))
    return writer.commit()


def write_recipe(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\n{body}")
    return path
