"""The drift alarm: is each filter's removal rate in this partition near the other partitions'?

A filter that suddenly removes far more (a broken extractor, a new spam wave) or far less (a
language model that stopped loading) than it does elsewhere is worth a look before the data
moves on. Only partitions with enough documents are compared, only under the same config, and only
against enough of them: a rate set against one or two other chunks is noise, not a baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from factory.store import Manifest, Store


@dataclass(frozen=True)
class DriftReport:
    passed: bool
    compared_partitions: int
    rates: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    drifted: dict[str, str] = field(default_factory=dict)
    not_compared: str = ""  # why no comparison was made, when none was


def removal_rates(manifest: Manifest) -> dict[str, float]:
    return {row["filter"]: float(row["removal_rate"]) for row in manifest.stats.get("removals", [])}


def check_drift(store: Store, manifest: Manifest, band: float, min_documents: int, min_partitions: int = 1) -> DriftReport:
    """Compare ``manifest``'s per-filter removal rates with the mean over the asset's other partitions."""
    rates = removal_rates(manifest)
    if manifest.counts.get("documents_in", 0) < min_documents:
        return DriftReport(True, 0, rates, not_compared=f"not compared: fewer than {min_documents} documents came in")
    others = []
    for label in store.partitions(manifest.asset):
        if label == manifest.partition:
            continue
        other = store.current(manifest.asset, label)
        if other and other.config == manifest.config and other.counts.get("documents_in", 0) >= min_documents:
            others.append(removal_rates(other))
    if len(others) < max(1, min_partitions):
        return DriftReport(True, len(others), rates, not_compared=(
            f"not compared: {len(others)} other partitions with >= {min_documents} documents under the same settings, "
            f"fewer than the {min_partitions} a baseline needs"))
    baseline = {name: sum(o.get(name, 0.0) for o in others) / len(others) for name in rates}
    drifted = {
        name: f"{rates[name]:.1%} vs {baseline[name]:.1%} elsewhere (band ±{band:.0%})"
        for name in rates if abs(rates[name] - baseline[name]) > band
    }
    return DriftReport(not drifted, len(others), rates, baseline, drifted)
