"""Ranking mixes and deciding pairs: every mix's current evaluation, ranked by one metric, and a decision for every
pair with the seed as the unit of noise (``factory.evaluation.decide``); known-answer pairs and promotions."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from factory.evaluation.decide import A_BETTER, Decision, compare, seed_spread
from factory.evaluation.metrics import METRICS, Metric, common_keys, metric, seed_items
from factory.evaluation.repetition import FLAG_REPEATS_OVER, describe, repeated_sources
from factory.store import Manifest, Store


@dataclass(frozen=True)
class DecisionConfig:
    primary_metric: str = "task_bpb"  # measured best at CPU scale (bench/decisions.py); centred_acc once proxies leave chance
    confidence: float = 0.95
    min_effect: float = 0.0  # in the primary metric's units: a promotion must clear it, not only 0
    resamples: int = 2000
    flag_repeats_over: float = FLAG_REPEATS_OVER  # a mix repeating a source more often than this is flagged

    def __post_init__(self):
        metric(self.primary_metric)
        if not 0.5 <= self.confidence < 1:
            raise ValueError(f"confidence must be in [0.5, 1), got {self.confidence}")
        if self.min_effect < 0:
            raise ValueError(f"min_effect must be >= 0 (in {self.primary_metric} units), got {self.min_effect}")
        if self.flag_repeats_over < 1:
            raise ValueError(f"flag_repeats_over must be >= 1 pass, got {self.flag_repeats_over}")

    def identity(self) -> dict:
        return {"primary_metric": self.primary_metric, "confidence": self.confidence, "min_effect": self.min_effect,
                "resamples": self.resamples, "flag_repeats_over": self.flag_repeats_over}


@dataclass(frozen=True)
class MixResult:
    mix: str
    role: str | None
    evaluation: Manifest
    model: Manifest
    mixed: Manifest
    tables: dict[str, list[dict]] = field(repr=False)  # items / heldout rows, bounded by items x seeds
    synthetic_faithfulness: float | None = None  # of the synthetic versions the mix draws from (None: it draws from none)

    @property
    def seeds(self) -> list[int]:
        return list(self.evaluation.stats.get("seeds", []))

    def value(self, name: str) -> float | None:
        """The metric's mean over seeds, from the per-item tables (None if this evaluation lacks its table)."""
        chosen = METRICS[name]
        rows = self.tables.get(chosen.table)
        return float(seed_items(rows, chosen).statistic()) if rows else None

    def lineage_text(self) -> str:
        sources = self.mixed.stats.get("sources", [])
        return "; ".join(f"{s['source']} {_share(s)} {s.get('tokens_given', 0):,} tok <- {', '.join(s['versions'])}" for s in sources)


def _share(source: dict) -> str:
    """A source's part of its mix: ``w=0.95`` (a share of the budget) or ``x4 epochs`` (fixed passes)."""
    return f"x{source['epochs']:g} epochs" if source.get("epochs") else f"w={source['weight']:g}"


def _input(store: Store, manifest: Manifest, asset: str) -> Manifest:
    for ref in manifest.inputs:
        if ref.asset == asset:
            found = store.read_manifest(ref.asset, ref.partition, ref.version)
            if found is None:
                raise LookupError(f"{manifest.short} names {ref.asset}[{ref.partition}]@{ref.version}, which is not in the store")
            return found
    raise LookupError(f"{manifest.short} has no {asset} input")


def collect(store: Store, roles: dict[str, str | None] | None = None) -> list[MixResult]:
    """Every mix with a current proxy_eval, and its per-item tables."""
    results = []
    for mix in store.partitions("proxy_eval"):
        evaluation = store.require_current("proxy_eval", mix)
        if "seeds" not in evaluation.stats:
            raise LookupError(f"{evaluation.short} was made before per-seed evaluation (proxy_eval code version 1): "
                              f"re-materialize proxy_model and proxy_eval for {mix}")
        model = _input(store, evaluation, "proxy_model")
        tables = {name: store.read_table(evaluation, name).to_pylist() for name in ("items", "heldout") if evaluation.files_under(name)}
        mixed = _input(store, model, "mixed")
        results.append(MixResult(mix, (roles or {}).get(mix), evaluation, model, mixed, tables, synthetic_faithfulness(store, mixed)))
    return results


def synthetic_faithfulness(store: Store, mixed: Manifest) -> float | None:
    """The mean faithfulness to their sources of the kept outputs of every synthetic version the mix draws from,
    weighted by their number; None when it draws from none, or from one scored before faithfulness was measured."""
    total, kept = 0.0, 0
    refs = [ref for ref in mixed.inputs if ref.asset == "synthetic"]
    for ref in refs:
        summary = store.read_manifest(ref.asset, ref.partition, ref.version).stats.get("faithfulness") or {}
        if not summary.get("kept"):
            return None
        total += summary["kept_mean"] * summary["kept"]
        kept += summary["kept"]
    return round(total / kept, 4) if kept else None


def ranked(results: list[MixResult], primary: Metric) -> list[MixResult]:
    """Best first by the primary metric's mean over seeds; mixes without it last."""
    def key(result: MixResult):
        value = result.value(primary.name)
        return (value is None, -(value or 0) if primary.higher_is_better else (value or 0))

    return sorted(results, key=key)


def decide(a: MixResult, b: MixResult, chosen: Metric, config: DecisionConfig, clean: bool = False) -> Decision:
    """``a`` against ``b`` on one metric, over the items both were evaluated on; with ``clean``, only over those
    that neither mix's sources held (``proxy_eval`` marks each item ``contaminated``)."""
    a_rows, b_rows = a.tables.get(chosen.table), b.tables.get(chosen.table)
    if not a_rows or not b_rows:
        raise LookupError(f"{chosen.name} needs the {chosen.table} table of both {a.mix} and {b.mix}: re-evaluate them")
    keys = common_keys({a.mix: a_rows, b.mix: b_rows}, chosen)
    if clean:
        dirty = contaminated_keys(a_rows, chosen) | contaminated_keys(b_rows, chosen)
        keys = [key for key in keys if key not in dirty]
    if not keys:
        raise LookupError(f"{a.mix} and {b.mix} share no {chosen.table} items: evaluate both with the same tasks and held-out sets")
    return compare(a.mix, seed_items(a_rows, chosen, keys), b.mix, seed_items(b_rows, chosen, keys), metric=chosen.name,
                   higher_is_better=chosen.higher_is_better, confidence=config.confidence,
                   min_effect=config.min_effect if chosen.name == config.primary_metric else 0.0, resamples=config.resamples)


def contaminated_keys(rows: list[dict], chosen: Metric) -> set[tuple[str, str]]:
    return {(str(row[chosen.group]), str(row["item"])) for row in rows if row.get("contaminated")}


def clean_subset_changes(results: list[MixResult], decisions: list[Decision], config: DecisionConfig) -> list[dict]:
    """Every decision on a benchmark-item metric made again on the clean subset (items neither mix's sources held),
    one row per decision: both verdicts, the items left and whether the verdict changed. Empty when ``proxy_eval``
    marked no item (evaluations older than its code version 3, or lm-eval's hub tasks)."""
    by_mix = {result.mix: result for result in results}
    rows = []
    for decision in decisions:
        chosen = METRICS[decision.metric]
        a, b = by_mix[decision.a], by_mix[decision.b]
        if chosen.table != "items" or not all(any("contaminated" in row for row in r.tables.get("items", [])[:1]) for r in (a, b)):
            continue
        dirty = len(contaminated_keys(a.tables["items"], chosen) | contaminated_keys(b.tables["items"], chosen))
        clean = decide(a, b, chosen, config, clean=True) if dirty else decision
        rows.append({"a": decision.a, "b": decision.b, "metric": decision.metric, "verdict": decision.verdict,
                     "clean_verdict": clean.verdict, "items": decision.items, "clean_items": clean.items,
                     "clean_estimate": clean.estimate, "changed": clean.verdict != decision.verdict})
    return rows


def pairwise(results: list[MixResult], config: DecisionConfig, metrics: list[str] | None = None) -> list[Decision]:
    """Every pair (better-ranked first) on each metric both mixes have."""
    decisions = []
    for name in metrics or [config.primary_metric]:
        chosen = METRICS[name]
        for a, b in combinations(ranked(results, METRICS[config.primary_metric]), 2):
            if a.tables.get(chosen.table) and b.tables.get(chosen.table):
                decisions.append(decide(a, b, chosen, config))
    return decisions


@dataclass(frozen=True)
class KnownAnswer:
    better: str
    worse: str
    decision: Decision

    @property
    def outcome(self) -> str:
        """correct, wrong or undecided: whether the proxy orders the pair as it is known to be."""
        winner = self.decision.winner()
        return "undecided" if winner is None else ("correct" if winner == self.better else "wrong")


def known_answers(results: list[MixResult], expected: dict[str, str], config: DecisionConfig) -> list[KnownAnswer]:
    """``expected``: mix -> the mix it is known to be better than (recipes' ``known_better_than``)."""
    by_mix = {r.mix: r for r in results}
    return [KnownAnswer(better, worse, decide(by_mix[better], by_mix[worse], METRICS[config.primary_metric], config))
            for better, worse in sorted(expected.items()) if better in by_mix and worse in by_mix]


@dataclass(frozen=True)
class Promotion:
    candidate: str
    baseline: str
    decision: Decision

    @property
    def passed(self) -> bool:
        return self.decision.verdict == A_BETTER

    def describe(self) -> str:
        verb = "is promoted over" if self.passed else "is not promoted over"
        return f"{self.candidate} {verb} {self.baseline}: {self.decision.describe()} ({self.decision.reason})"


def promotion(results: list[MixResult], candidate: str, baseline: str, config: DecisionConfig) -> Promotion:
    by_mix = {r.mix: r for r in results}
    for name in (candidate, baseline):
        if name not in by_mix:
            raise LookupError(f"mix {name!r} has no evaluation on the leaderboard (mixes: {sorted(by_mix)}): train and evaluate it first")
    return Promotion(candidate, baseline, decide(by_mix[candidate], by_mix[baseline], METRICS[config.primary_metric], config))


def row(rank: int, result: MixResult, primary: Metric, flag_repeats_over: float = FLAG_REPEATS_OVER) -> dict:
    stats = result.evaluation.stats
    spread = seed_spread(seed_items(result.tables[primary.table], primary)) if result.tables.get(primary.table) else {}
    return {
        "rank": rank, "mix": result.mix, "role": result.role, "primary_metric": primary.name, "primary": result.value(primary.name),
        "seed_std": spread.get("std"), "seed_min": spread.get("min"), "seed_max": spread.get("max"), "seeds": len(result.seeds),
        **{name: result.value(name) for name in METRICS},
        **{f"heldout_bpb_{domain}": value for domain, value in stats.get("heldout_bpb", {}).items()},
        "aggregate_stderr": stats.get("aggregate_stderr"),
        "tokens_trained": result.model.counts.get("tokens_trained", 0), "params": result.model.stats.get("params", {}).get("params", 0),
        "final_loss": result.model.stats.get("final_loss"), "proxy_config": result.model.stats.get("config_name", ""),
        "synthetic_faithfulness": result.synthetic_faithfulness,
        "max_repeats": max((s.get("repeats") or 0 for s in result.mixed.stats.get("sources", [])), default=0),
        "repeated": describe(repeated_sources(result.mixed.stats.get("sources", []), flag_repeats_over)),
        "lineage": result.lineage_text(), "version_mixed": result.mixed.version, "version_proxy_model": result.model.version,
        "version_proxy_eval": result.evaluation.version,
    }
