"""The FineWeb filter stack (Gopher repetition and quality, C4 quality, FineWeb quality) with exactly
datatrove's decisions, reasons, statistics and kept text, several times faster: see docs/performance.md.

Each is a subclass of datatrove's own filter, so it takes the same settings and plugs into the
same pipelines and exclusion writers. ``filter_classes("datatrove")`` gives datatrove's originals.
"""

from __future__ import annotations

from factory.curation.fast_filters.c4_quality import FastC4QualityFilter
from factory.curation.fast_filters.fineweb_quality import FastFineWebQualityFilter
from factory.curation.fast_filters.gopher_quality import FastGopherQualityFilter
from factory.curation.fast_filters.gopher_repetition import FastGopherRepetitionFilter

IMPLEMENTATIONS = ("fast", "datatrove")


def filter_classes(implementation: str = "fast") -> dict[str, type]:
    """The four filter classes by config section, for ``implementation`` "fast" (default) or "datatrove"."""
    if implementation == "fast":
        return {"gopher_repetition": FastGopherRepetitionFilter, "gopher_quality": FastGopherQualityFilter,
                "c4_quality": FastC4QualityFilter, "fineweb_quality": FastFineWebQualityFilter}
    if implementation == "datatrove":
        from datatrove.pipeline.filters import (
            C4QualityFilter,
            FineWebQualityFilter,
            GopherQualityFilter,
            GopherRepetitionFilter,
        )

        return {"gopher_repetition": GopherRepetitionFilter, "gopher_quality": GopherQualityFilter,
                "c4_quality": C4QualityFilter, "fineweb_quality": FineWebQualityFilter}
    raise ValueError(f"filter implementation must be one of {IMPLEMENTATIONS}, got {implementation!r}")


__all__ = ["IMPLEMENTATIONS", "FastC4QualityFilter", "FastFineWebQualityFilter", "FastGopherQualityFilter",
           "FastGopherRepetitionFilter", "filter_classes"]
