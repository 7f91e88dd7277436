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
from pathlib import Path

from factory.evaluation.leaderboard_report import markdown, plot, why_undecided
from factory.evaluation.metrics import METRICS
from factory.evaluation.ranking import DecisionConfig, clean_subset_changes, collect, known_answers, pairwise, ranked, row
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Store

log = logging.getLogger(__name__)
# 2: ranked by a primary metric over seeds, with pairwise decisions; 3: decisions remade on the clean subset
# 4: each row says how faithful to their sources the synthetic outputs the mix draws from are, and flags a source the mix
#    repeats more than flag_repeats_over times; count/decisions counts the primary metric's decisions, those shown
# 5: leaderboard.md reads in one screen: lineage as a list below the tables, not a column of the ranking; count/all_decisions
STEP = Step("leaderboard", code_version="5", libraries=("numpy",))
ASSET = STEP.asset


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
    rows = [row(rank, result, primary, config.flag_repeats_over) for rank, result in enumerate(order, 1)]
    available = [name for name, chosen in METRICS.items() if all(r.tables.get(chosen.table) for r in results)]
    decisions = pairwise(order, config, [config.primary_metric, *[n for n in available if n != config.primary_metric]])
    known = known_answers(order, known_better or {}, config)
    clean = clean_subset_changes(order, decisions, config)
    text = markdown(rows, decisions, known, config, clean)
    with tempfile.TemporaryDirectory() as tmp, writer.part(0) as part:
        part.write_table("leaderboard", rows)
        part.write_table("decisions", [d.to_dict() for d in decisions])
        (Path(tmp) / "leaderboard.md").write_text(text)
        part.put_file(str(Path(tmp) / "leaderboard.md"), "leaderboard.md")
        part.put_file(str(plot(order, decisions, config, Path(tmp) / "leaderboard.png")), "plots/leaderboard.png")
        # decisions: those the leaderboard shows (the primary metric's); every metric's are in the decisions table
        part.count(mixes=len(rows), decisions=sum(d.metric == config.primary_metric for d in decisions),
                   all_decisions=len(decisions))  # short: the key column of the asset page is as wide as its longest key
    stats = {"rows": rows, "decisions": [d.to_dict() for d in decisions if d.metric == config.primary_metric],
             "known_answers": [{"better": k.better, "worse": k.worse, "outcome": k.outcome, **k.decision.to_dict()} for k in known],
             "config": config.identity(), "note": why_undecided(rows, decisions, config),
             "clean_subset": {"decisions": len(clean), "changed": [c for c in clean if c["changed"]]}}
    manifest = writer.commit(stats=stats)
    log.info("leaderboard over %d mixes:\n%s", len(rows), text)
    return StepResult(manifest, reused=False)
