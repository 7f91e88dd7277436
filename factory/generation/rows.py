"""The rows of a ``synthetic`` version: each output with its lineage (source id, recipe and version, model, sampling,
seed), a stable id, and what generating and checking it measured."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pyarrow as pa

from factory.documents import DOCUMENT_SCHEMA

LINEAGE_FIELDS = [
    ("source_id", pa.string()), ("recipe", pa.string()), ("recipe_version", pa.int64()), ("model", pa.string()),
    ("sampling", pa.string()), ("seed", pa.int64()),
]
SYNTHETIC_SCHEMA = pa.schema(list(DOCUMENT_SCHEMA) + [pa.field(n, t) for n, t in LINEAGE_FIELDS])
REJECTED_SCHEMA = SYNTHETIC_SCHEMA.append(pa.field("reason", pa.string()))


def synthetic_id(source_id: str, lineage: dict[str, Any]) -> str:
    """Stable per (source document, recipe version, model, seed): reruns give the same ids."""
    key = f"{source_id}|{lineage['recipe']}@{lineage['recipe_version']}|{lineage['model']}|{lineage['seed']}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def output_row(doc: dict[str, Any], generation, verdict, lineage: dict[str, Any], dump: str) -> dict[str, Any]:
    """One output as a row (tokens are counted later, for the whole chunk at once)."""
    text = verdict.text if verdict.text is not None else generation.text.strip()
    return {
        "id": synthetic_id(str(doc["id"]), lineage),
        "text": text, "url": doc.get("url") or "", "dump": doc.get("dump") or dump, "source_file": doc.get("source_file") or "",
        "tokens": 0, "source_id": str(doc["id"]), **lineage,
        "metadata": json.dumps({"finish_reason": generation.finish_reason, "prompt_tokens": generation.prompt_tokens,
                                "output_tokens": generation.output_tokens, "source_tokens": int(doc["tokens"] or 0),
                                **verdict.measures}),
    }
