"""Small headless charts (matplotlib, Agg) as PNG bytes, for the orchestrator's metadata and the store."""

from __future__ import annotations

import io
from collections.abc import Sequence


def horizontal_bars_png(labels: Sequence[str], values: Sequence[float], title: str, xlabel: str,
                        percent: bool = False) -> bytes:
    """One bar per label, largest first at the top; small enough to embed in an event log (~20 KB)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 0.45 * max(len(labels), 2) + 1.0), dpi=80)
    positions = range(len(labels))
    axis.barh(list(positions), list(values), color="tab:blue")
    axis.set_yticks(list(positions), list(labels))
    axis.invert_yaxis()
    axis.set_xlabel(xlabel)
    axis.set_title(title, fontsize=10)
    for position, value in zip(positions, values, strict=True):
        axis.annotate(f"{value:.1%}" if percent else f"{value:,.4g}", (value, position), xytext=(3, 0),
                      textcoords="offset points", va="center", fontsize=8)
    if percent:
        axis.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axis.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def score_histogram_png(all_counts: Sequence[int], kept_counts: Sequence[int], threshold: float | None, title: str,
                        xlabel: str) -> bytes:
    """Counts per equal bin over [0, 1]: every scored item, the kept ones over them, the gate's threshold as a line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    width = 1.0 / len(all_counts)
    lefts = [index * width for index in range(len(all_counts))]
    figure, axis = plt.subplots(figsize=(6, 2.8), dpi=80)
    axis.bar(lefts, list(all_counts), width=width, align="edge", color="tab:gray", alpha=0.5, label="scored")
    axis.bar(lefts, list(kept_counts), width=width, align="edge", color="tab:blue", label="kept")
    if threshold is not None:
        axis.axvline(threshold, color="tab:red", linestyle="--", label=f"threshold {threshold:g}")
    axis.set_xlim(0, 1)
    axis.set_xlabel(xlabel)
    axis.set_ylabel("outputs")
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
