"""What a curation version shows its users: removals per filter, the language mix, samples.

Everything here is computed once from the written tables and stored in the manifest's
``stats``, so the orchestrator can show it for a reused version too (``markdown_*`` render it).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa

from factory.curation.outputs import metadata_of

SAMPLE_CHARS = 400


def removal_rows(docs_in: int, tokens_in: int, removed: dict[str, pa.Table]) -> list[dict[str, Any]]:
    """One row per filter in pipeline order: documents and tokens it saw and removed, and why."""
    rows, remaining_docs = [], docs_in
    for name, table in removed.items():
        docs = table.num_rows
        tokens = sum(table.column("tokens").to_pylist())
        reasons = Counter(table.column("reason").to_pylist())
        rows.append({
            "filter": name, "docs_in": remaining_docs, "docs_removed": docs,
            "removal_rate": round(docs / remaining_docs, 4) if remaining_docs else 0.0,
            "tokens_removed": tokens, "reasons": dict(reasons.most_common()),
        })
        remaining_docs -= docs
    return rows


def language_mix(kept: pa.Table, removed: dict[str, pa.Table], top: int = 12) -> dict[str, int]:
    """Documents per identified language, over every document that reached language ID."""
    counts: Counter[str] = Counter()
    for table in [kept, *removed.values()]:
        for metadata in metadata_of(table):
            if "language" in metadata:
                counts[str(metadata["language"])] += 1
    mix = dict(counts.most_common(top))
    if rest := sum(counts.values()) - sum(mix.values()):
        mix["other"] = rest
    return mix


def samples(kept: pa.Table, removed: dict[str, pa.Table], per_filter: int = 2, kept_samples: int = 3) -> dict[str, list[dict]]:
    """A few truncated documents: kept ones, and the first removals of each filter."""
    def pick(table: pa.Table, count: int) -> list[dict]:
        picked = []
        for row in table.slice(0, count).to_pylist():
            text = row["text"] if len(row["text"]) <= SAMPLE_CHARS else row["text"][:SAMPLE_CHARS] + " [...]"
            picked.append({"url": row["url"], "reason": row.get("reason", ""), "tokens": row["tokens"], "text": text})
        return picked

    found = {"kept": pick(kept, kept_samples)}
    found.update({name: pick(table, per_filter) for name, table in removed.items() if table.num_rows})
    return found


def markdown_removals(rows: list[dict[str, Any]]) -> str:
    lines = ["| filter | docs in | removed | rate | tokens removed | top reasons |", "|---|---:|---:|---:|---:|---|"]
    for row in rows:
        reasons = ", ".join(f"{reason} ({count})" for reason, count in list(row["reasons"].items())[:3])
        lines.append(f"| {row['filter']} | {row['docs_in']} | {row['docs_removed']} | {row['removal_rate']:.1%} "
                     f"| {row['tokens_removed']} | {reasons} |")
    return "\n".join(lines)


def markdown_mix(mix: dict[str, int]) -> str:
    total = sum(mix.values()) or 1
    return "\n".join(["| language | docs | share |", "|---|---:|---:|"]
                     + [f"| {lang} | {count} | {count / total:.1%} |" for lang, count in mix.items()])


def markdown_samples(found: dict[str, list[dict]]) -> str:
    parts = []
    for group, items in found.items():
        parts.append(f"### {group}")
        for item in items:
            quoted = _quote(item["text"]) or "> (no text: the page gave no extractable text)"
            reason = f" — {item['reason']}" if item.get("reason") else ""
            parts.append(f"**{item['url'] or '(no url)'}**{reason} ({item['tokens']} tokens)\n\n{quoted}\n")
    return "\n".join(parts)


def _quote(text: str) -> str:
    return "\n".join("> " + line.replace("|", "\\|") for line in text.splitlines() if line.strip())
