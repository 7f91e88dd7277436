"""The leaderboard: every mix's current evaluation, ranked by one metric, and a decision for every pair.

A row per mix: the primary metric's mean over seeds and its seed spread, every other metric, the
held-out BPB per domain, tokens, and the mix's lineage (sources and versions, from the manifests).
A decision per pair of mixes (``factory.evaluation.decide``): the interval of the difference with
the seed as the unit of noise, and "A better", "B better" or "undecided" at the configured
confidence. Known-answer pairs (a recipe's ``known_better_than``) say whether the proxy got them
right; a candidate is promoted only when it beats its baseline with that confidence by the minimum effect.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from factory.evaluation.decide import A_BETTER, Decision, compare, seed_spread
from factory.evaluation.metrics import METRICS, Metric, common_keys, metric, seed_items
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Manifest, Store

log = logging.getLogger(__name__)
STEP = Step("leaderboard", code_version="2", libraries=("numpy",))  # 2: ranked by a primary metric over seeds, with pairwise decisions
ASSET = STEP.asset


@dataclass(frozen=True)
class DecisionConfig:
    primary_metric: str = "task_bpb"  # measured best at CPU scale (bench/decisions.py); centred_acc once proxies leave chance
    confidence: float = 0.95
    min_effect: float = 0.0  # in the primary metric's units: a promotion must clear it, not only 0
    resamples: int = 2000

    def __post_init__(self):
        metric(self.primary_metric)
        if not 0.5 <= self.confidence < 1:
            raise ValueError(f"confidence must be in [0.5, 1), got {self.confidence}")
        if self.min_effect < 0:
            raise ValueError(f"min_effect must be >= 0 (in {self.primary_metric} units), got {self.min_effect}")

    def identity(self) -> dict:
        return {"primary_metric": self.primary_metric, "confidence": self.confidence, "min_effect": self.min_effect,
                "resamples": self.resamples}


@dataclass(frozen=True)
class MixResult:
    mix: str
    role: str | None
    evaluation: Manifest
    model: Manifest
    mixed: Manifest
    tables: dict[str, list[dict]] = field(repr=False)  # items / heldout rows, bounded by items x seeds

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
        results.append(MixResult(mix, (roles or {}).get(mix), evaluation, model, _input(store, model, "mixed"), tables))
    return results


def ranked(results: list[MixResult], primary: Metric) -> list[MixResult]:
    """Best first by the primary metric's mean over seeds; mixes without it last."""
    def key(result: MixResult):
        value = result.value(primary.name)
        return (value is None, -(value or 0) if primary.higher_is_better else (value or 0))

    return sorted(results, key=key)


def decide(a: MixResult, b: MixResult, chosen: Metric, config: DecisionConfig) -> Decision:
    """``a`` against ``b`` on one metric, over the items both were evaluated on."""
    a_rows, b_rows = a.tables.get(chosen.table), b.tables.get(chosen.table)
    if not a_rows or not b_rows:
        raise LookupError(f"{chosen.name} needs the {chosen.table} table of both {a.mix} and {b.mix}: re-evaluate them")
    keys = common_keys({a.mix: a_rows, b.mix: b_rows}, chosen)
    if not keys:
        raise LookupError(f"{a.mix} and {b.mix} share no {chosen.table} items: evaluate both with the same tasks and held-out sets")
    return compare(a.mix, seed_items(a_rows, chosen, keys), b.mix, seed_items(b_rows, chosen, keys), metric=chosen.name,
                   higher_is_better=chosen.higher_is_better, confidence=config.confidence,
                   min_effect=config.min_effect if chosen.name == config.primary_metric else 0.0, resamples=config.resamples)


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


def row(rank: int, result: MixResult, primary: Metric) -> dict:
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
        "lineage": result.lineage_text(), "version_mixed": result.mixed.version, "version_proxy_model": result.model.version,
        "version_proxy_eval": result.evaluation.version,
    }


def _number(value, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def why_undecided(rows: list[dict], decisions: list[Decision], config: DecisionConfig) -> str:
    """One sentence when no pair is decided on the primary metric: the proxies are below the noise."""
    primary = [d for d in decisions if d.metric == config.primary_metric]
    if not primary or any(d.winner() for d in primary):
        return ""
    spreads = [r["seed_std"] for r in rows if r["seed_std"] is not None]
    largest = max((abs(d.estimate) for d in primary), default=0.0)
    if not spreads:
        return "Nothing is decided: every mix has one seed, so the seed noise is unknown; train >= 2 seeds per mix."
    return (f"Nothing is decided: the seeds of one mix spread by up to {max(spreads):.4f} (std) while the largest difference "
            f"between mixes is {largest:.4f}. These proxies are below the noise: train more tokens or more seeds "
            f"(bench/decisions.py measures which setting decides the known-answer pairs).")


def markdown(rows: list[dict], decisions: list[Decision], known: list[KnownAnswer], config: DecisionConfig) -> str:
    primary = METRICS[config.primary_metric]
    direction = "higher" if primary.higher_is_better else "lower"
    lines = [f"Ranked by **{primary.name}** ({primary.description}; {direction} is better), mean over seeds.", "",
             "| rank | mix | role | " + primary.name + " | seed spread (std, min-max) | seeds | centred acc | prob correct | task BPB | tokens | lineage |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        spread = f"{_number(r['seed_std'])} ({_number(r['seed_min'])}-{_number(r['seed_max'])})" if r["seed_std"] is not None else "one seed"
        lines.append(f"| {r['rank']} | {r['mix']} | {r['role'] or ''} | {_number(r['primary'])} | {spread} | {r['seeds']} | "
                     f"{_number(r['centred_acc'])} | {_number(r['prob_correct'])} | {_number(r['task_bpb'])} | {r['tokens_trained']:,} | "
                     f"{r['lineage'].replace('|', '/')} |")
    lines += ["", f"**Decisions** on {primary.name} at {config.confidence:.0%} (seeds resampled, then items; Student t over seeds):", "",
              "| A | B | verdict | A - B (better direction) | interval | seeds | why |", "|---|---|---|---|---|---|---|"]
    for d in decisions:
        if d.metric == primary.name:
            lines.append(f"| {d.a} | {d.b} | **{d.verdict}** | {d.estimate:+.4f} | [{d.low:+.4f}, {d.high:+.4f}] | "
                         f"{d.seeds_a} vs {d.seeds_b} | {d.reason} |")
    if known:
        lines += ["", "**Known-answer pairs** (the order is known in advance; the proxy should find it):", ""]
        lines += [f"- {k.better} > {k.worse}: {k.outcome} ({k.decision.verdict}, {k.decision.estimate:+.4f} "
                  f"[{k.decision.low:+.4f}, {k.decision.high:+.4f}])" for k in known]
    if note := why_undecided(rows, decisions, config):
        lines += ["", note]
    return "\n".join(lines) + "\n"


def plot(results: list[MixResult], decisions: list[Decision], config: DecisionConfig, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    primary = METRICS[config.primary_metric]
    shown = [d for d in decisions if d.metric == primary.name]
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 0.5 * max(len(results), len(shown)) + 3), dpi=70)
    for y, result in enumerate(reversed(results)):
        values = [float(v) for v in seed_items(result.tables[primary.table], primary).per_seed()] if result.tables.get(primary.table) else []
        left.scatter(values, [y] * len(values), color="tab:blue", s=18, label="one seed" if y == 0 else None)
        if values:
            left.plot([sum(values) / len(values)] * 2, [y - 0.3, y + 0.3], color="black", lw=2)
    left.set_yticks(range(len(results)), [r.mix + (f" ({r.role})" if r.role else "") for r in reversed(results)])
    left.set_xlabel(f"{primary.name} per seed (bar: mean; {'higher' if primary.higher_is_better else 'lower'} is better)")
    for y, d in enumerate(reversed(shown)):
        colour = {"undecided": "grey"}.get(d.verdict, "tab:green")
        right.errorbar([d.estimate], [y], xerr=[[d.estimate - d.low], [d.high - d.estimate]], fmt="o", color=colour, capsize=4)
    right.axvline(0, color="grey", lw=0.8)
    right.set_yticks(range(len(shown)), [f"{d.a} vs {d.b}: {d.verdict}" for d in reversed(shown)])
    right.set_xlabel(f"A - B in the better direction, {config.confidence:.0%} interval (seeds + items)")
    figure.suptitle(f"Proxy leaderboard by {primary.name}: a pair is decided only when its interval excludes 0")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def build_leaderboard(store: Store, roles: dict[str, str | None] | None = None, *, config: DecisionConfig | None = None,
                      known_better: dict[str, str] | None = None, run_id: str | None = None) -> StepResult:
    config = config or DecisionConfig()
    results = collect(store, roles)
    plan = _plan({r.mix: r.evaluation for r in results}, roles, config, known_better, store.root_uri)
    made = run_step(store, plan, lambda writer: _build(writer, results, config, known_better), run_id=run_id)
    return StepResult(made.manifest, made.reused)  # the orchestrator reads the manifest, not display metadata


def plan_leaderboard(store: Store, roles: dict[str, str | None] | None = None, *, config: DecisionConfig | None = None,
                     known_better: dict[str, str] | None = None) -> StepPlan:
    """The version: every mix's current evaluation with its role, the decision settings and the known answers
    (manifests only: no table is read)."""
    evaluations = {mix: store.require_current("proxy_eval", mix) for mix in store.partitions("proxy_eval")}
    return _plan(evaluations, roles, config or DecisionConfig(), known_better, store.root_uri)


def _plan(evaluations: dict, roles: dict[str, str | None] | None, config: DecisionConfig,
          known_better: dict[str, str] | None, where: str) -> StepPlan:
    if not evaluations:
        raise LookupError(f"no proxy_eval versions in {where}: materialize mixed, proxy_model and proxy_eval for a mix first")
    return STEP.plan(None, {"roles": {mix: (roles or {}).get(mix) for mix in evaluations}, "decisions": config.identity(),
                            "known_better_than": dict(sorted((known_better or {}).items()))},
                     inputs=list(evaluations.values()))


def _build(writer, results: list, config: DecisionConfig, known_better: dict[str, str] | None) -> StepResult:
    primary = METRICS[config.primary_metric]
    order = ranked(results, primary)
    rows = [row(rank, result, primary) for rank, result in enumerate(order, 1)]
    available = [name for name, chosen in METRICS.items() if all(r.tables.get(chosen.table) for r in results)]
    decisions = pairwise(order, config, [config.primary_metric, *[n for n in available if n != config.primary_metric]])
    known = known_answers(order, known_better or {}, config)
    text = markdown(rows, decisions, known, config)
    with tempfile.TemporaryDirectory() as tmp, writer.part(0) as part:
        part.write_table("leaderboard", rows)
        part.write_table("decisions", [d.to_dict() for d in decisions])
        (Path(tmp) / "leaderboard.md").write_text(text)
        part.put_file(str(Path(tmp) / "leaderboard.md"), "leaderboard.md")
        part.put_file(str(plot(order, decisions, config, Path(tmp) / "leaderboard.png")), "plots/leaderboard.png")
        part.count(mixes=len(rows), decisions=len(decisions))
    stats = {"rows": rows, "decisions": [d.to_dict() for d in decisions if d.metric == config.primary_metric],
             "known_answers": [{"better": k.better, "worse": k.worse, "outcome": k.outcome, **k.decision.to_dict()} for k in known],
             "config": config.identity(), "note": why_undecided(rows, decisions, config)}
    manifest = writer.commit(stats=stats)
    log.info("leaderboard over %d mixes:\n%s", len(rows), text)
    return StepResult(manifest, reused=False)
