"""What a ``synthetic`` version's manifest says: totals over its committed parts (this run's and earlier runs'), the
accelerator-hours by device, this run's own rate; and bounded reads of rows from parts not yet in a manifest."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from factory.categories.rows import summed_categories
from factory.generation.faithfulness import summed as summed_faithfulness
from factory.store import Store
from factory.store.sample_rows import first_rows


def summarize_parts(parts: dict[int, dict], run_started: float, run_tokens: int, run_generation_s: float, resumed: int) -> dict[str, Any]:
    """Totals over every committed part (this run's and earlier runs'), and this run's own rate."""
    part_stats = [m.get("stats") or {} for m in parts.values()]
    tokens_out = sum(s.get("tokens_out", 0) for s in part_stats)
    generation_s = sum(s.get("generation_s", 0.0) for s in part_stats)
    hours: Counter = Counter()
    for s in part_stats:
        hours[s.get("device", "unknown")] += s.get("generation_s", 0.0) / 3600
    return {
        "tokens_in": sum(s.get("tokens_in", 0) for s in part_stats), "tokens_out": tokens_out,
        "generation_s": round(generation_s, 3), "tokens_per_s": round(tokens_out / generation_s, 2) if generation_s else 0.0,
        "accelerator_hours": {device: round(h, 6) for device, h in hours.items()},
        "backends": sorted({s.get("backend", "") for s in part_stats}),
        "categories": summed_categories(s.get("categories") or {} for s in part_stats),
        "faithfulness": summed_faithfulness([s.get("faithfulness") or {} for s in part_stats]),
        "parts": len(parts), "parts_resumed": resumed, "parts_generated": len(parts) - resumed,
        "this_run": {"wall_s": round(time.time() - run_started, 3), "tokens_out": run_tokens,
                     "tokens_per_s": round(run_tokens / run_generation_s, 2) if run_generation_s else 0.0},
    }


def first_rows_of_parts(store: Store, version_dir: str, parts: dict[int, dict], name: str, count: int, columns: list[str]) -> list[dict]:
    """Up to ``count`` rows of a table over the committed parts (no manifest yet), read in bounded batches."""
    prefix = name + "/"
    paths = [f["path"] for index in sorted(parts) for f in parts[index]["files"] if f["path"].startswith(prefix)]
    return first_rows(store, version_dir, paths, count, columns)
