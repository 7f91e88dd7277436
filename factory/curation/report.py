"""What a curation version shows its users: removals per filter, bad input by reason, the language mix, samples.

Everything here is computed once from the written tables and stored in the manifest's
``stats``, so the orchestrator can show it for a reused version too (``markdown_*`` render it).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from factory.store.sample_rows import first_rows

SAMPLE_CHARS = 400


def removal_rows(docs_in: int, removed: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per filter in pipeline order: documents and tokens it saw and removed, and why.

    ``removed`` maps each filter to its table's summary over all parts (rows, tokens, reasons)."""
    rows, remaining_docs = [], docs_in
    for name, summary in removed.items():
        docs = summary.get("rows", 0)
        reasons = Counter(summary.get("reasons", {}))
        rows.append({
            "filter": name, "docs_in": remaining_docs, "docs_removed": docs,
            "removal_rate": round(docs / remaining_docs, 4) if remaining_docs else 0.0,
            "tokens_removed": summary.get("tokens", 0), "reasons": dict(reasons.most_common()),
        })
        remaining_docs -= docs
    return rows


def bad_records(summary: dict[str, Any]) -> dict[str, int]:
    """The records the reader could not use, by reason (``truncated``, ``too_large``...), most frequent first."""
    return dict(Counter(summary.get("reasons", {})).most_common())


def language_mix(summaries: list[dict[str, Any]], top: int = 12) -> dict[str, int]:
    """Documents per identified language, over every document that reached language ID."""
    counts: Counter[str] = Counter()
    for summary in summaries:
        counts.update(summary.get("languages", {}))
    mix = dict(counts.most_common(top))
    if rest := sum(counts.values()) - sum(mix.values()):
        mix["other"] = rest
    return mix


def samples(store, writer, tables: list[str], per_filter: int = 2, kept_samples: int = 3) -> dict[str, list[dict]]:
    """A few truncated documents: kept ones, and the first removals of each filter (a bounded read)."""
    found = {}
    for table in tables:
        count = kept_samples if table == tables[0] else per_filter
        rows = first_rows(store, writer.dir, writer.committed_files(table), count, ["url", "text", "tokens", "reason"])
        picked = [{"url": row["url"], "reason": row.get("reason", ""), "tokens": row["tokens"], "text": _cut(row["text"])}
                  for row in rows]
        if picked or table == tables[0]:
            found["kept" if table == tables[0] else table.split("/", 1)[-1]] = picked
    return found


def _cut(text: str) -> str:
    return text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS] + " [...]"


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
