"""The leaderboard as people read it: its Markdown summary and its plot (per-seed values, pairwise intervals)."""

from __future__ import annotations

import re
from pathlib import Path

from factory.evaluation.decide import Decision
from factory.evaluation.metrics import METRICS, seed_items
from factory.evaluation.ranking import DecisionConfig, KnownAnswer, MixResult


OTHER_METRICS = ("centred_acc", "prob_correct", "task_bpb")  # shown beside the primary metric, under their metric names


def _number(value, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def escape(text: str) -> str:
    """Text for a Markdown table cell: ``deduped[*]`` stays literal (an unescaped ``*`` pair turns into italics)."""
    return re.sub(r"([\\*_`\[\]|])", r"\\\1", text)


def repeats_label(r: dict) -> str:
    """The most passes the mix takes over one source, or the flag with the source when over the configured limit."""
    if r.get("repeated"):
        return f"flagged: {r['repeated']}"
    return f"x{r['max_repeats']:.2g}" if r.get("max_repeats") else ""


def _repeats(r: dict) -> str:
    return escape(repeats_label(r)).replace("flagged:", "**flagged**:", 1)


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


def markdown(rows: list[dict], decisions: list[Decision], known: list[KnownAnswer], config: DecisionConfig,
             clean: list[dict] | None = None) -> str:
    """Narrow tables a person reads in one screen: the ranking, then the decisions; what each mix was made from is a
    list below them (a lineage column made every ranking row several lines tall)."""
    primary = METRICS[config.primary_metric]
    lines = _ranking_lines(rows, primary) + _decision_lines(decisions, primary, config)
    if known:
        lines += ["", "**Known-answer pairs** (the order is known in advance; the proxy should find it):", ""]
        lines += [f"- {k.better} > {k.worse}: {k.outcome} ({k.decision.verdict}, {k.decision.estimate:+.4f} "
                  f"[{k.decision.low:+.4f}, {k.decision.high:+.4f}])" for k in known]
    lines += _clean_subset_lines(clean or [])
    if note := why_undecided(rows, decisions, config):
        lines += ["", note]
    lines += ["", "**Lineage** (the sources of each mix, their weights and versions):", ""]
    lines += [f"- {r['mix']}: {escape(r['lineage'])}" for r in rows]
    return "\n".join(lines) + "\n"


def _ranking_lines(rows: list[dict], primary) -> list[str]:
    direction = "higher" if primary.higher_is_better else "lower"
    others = [name for name in OTHER_METRICS if name != primary.name]  # one column per metric: the primary is not repeated
    lines = [f"Ranked by **{primary.name}** ({primary.description}; {direction} is better), mean over seeds.", "",
             f"| rank | mix | role | {primary.name} | seed std (min-max) | seeds | {' | '.join(others)} | faithfulness | repeats |",
             "|---|---|---|---|---|---|" + "---|" * len(others) + "---|---|"]
    for r in rows:
        spread = f"{_number(r['seed_std'])} ({_number(r['seed_min'])}-{_number(r['seed_max'])})" if r["seed_std"] is not None else "one seed"
        lines.append(f"| {r['rank']} | {r['mix']} | {r['role'] or ''} | {_number(r['primary'])} | {spread} | {r['seeds']} | "
                     + "".join(f"{_number(r.get(name))} | " for name in others)
                     + f"{_number(r.get('synthetic_faithfulness'), 2)} | {_repeats(r)} |")
    return lines


def _decision_lines(decisions: list[Decision], primary, config: DecisionConfig) -> list[str]:
    lines = ["", f"**Decisions** on {primary.name} at {config.confidence:.0%} (seeds resampled, then items; Student t over "
                 "seeds); a pair is decided when its interval excludes 0:", "",
             "| A | B | verdict | A - B (better direction) | interval | seeds |", "|---|---|---|---|---|---|"]
    for d in decisions:
        if d.metric == primary.name:
            lines.append(f"| {d.a} | {d.b} | **{d.verdict}** | {d.estimate:+.4f} | [{d.low:+.4f}, {d.high:+.4f}] | "
                         f"{d.seeds_a} vs {d.seeds_b} |")
    return lines


def _clean_subset_lines(clean: list[dict]) -> list[str]:
    """Whether any decision on benchmark items changes when the items the mixes' sources held are left out."""
    if not clean:
        return []
    changed = [c for c in clean if c["changed"]]
    if not changed:
        return ["", f"**Clean subset**: all {len(clean)} decisions on benchmark items are the same without the items the "
                    f"mixes' sources held (contamination)."]
    return ["", f"**Clean subset**: {len(changed)} of {len(clean)} decisions on benchmark items change without the items "
                f"the mixes' sources held:", ""] + [
        f"- {c['a']} vs {c['b']} on {c['metric']}: {c['verdict']} on {c['items']} items, {c['clean_verdict']} on the "
        f"{c['clean_items']} clean ones" for c in changed]


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
