"""Sources a mix repeats more than a reviewer should take on trust.

A mix may take many passes over a small source (``epochs``, or ``max_repeats`` in its recipe): ten synthetic
documents repeated thirty times are a 5% share on paper and a memorization test in practice. The mix's
manifest records each source's ``repeats`` (tokens given / tokens available); above ``over`` passes (4 by
default: the repeat count the recipes advise) a source is flagged on the mix and on the leaderboard.
"""

from __future__ import annotations

from collections.abc import Sequence

FLAG_REPEATS_OVER = 4.0


def repeated_sources(sources: Sequence[dict], over: float = FLAG_REPEATS_OVER) -> list[dict]:
    """``[{source, repeats, documents_given}]`` of the mix's sources repeated more than ``over`` times."""
    return [{"source": s["source"], "repeats": s["repeats"], "documents_given": s.get("documents_given", 0)}
            for s in sources if (s.get("repeats") or 0) > over]


def describe(flagged: Sequence[dict]) -> str:
    """``synthetic[*] x31 (10 documents)``; '' when nothing is flagged."""
    return "; ".join(f"{f['source']} x{f['repeats']:g} ({f['documents_given']:,} documents)" for f in flagged)
