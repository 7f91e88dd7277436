"""The leaderboard: every mix's current evaluation side by side, with stderr and lineage.

One row per mix: aggregate centred accuracy +- stderr, each task's score +- stderr, the tokens
the proxy saw, and the mix's lineage summary (each source and the exact versions it read), read
from the manifests alone. A candidate mix is promoted only if it beats its baseline by more
than the standard error of the difference.
"""

from __future__ import annotations

import logging
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from factory.steps import StepResult, reuse_committed
from factory.store import Manifest, Store

log = logging.getLogger(__name__)
ASSET = "leaderboard"
CODE_VERSION = "1"


@dataclass(frozen=True)
class Row:
    mix: str
    role: str | None
    aggregate: float
    stderr: float
    scores: dict[str, dict]  # task -> {metric, value, stderr, centred, items}
    tokens_trained: int
    params: int
    final_loss: float | None
    proxy_config: str
    lineage: list[dict]  # per source: label, weight, versions, tokens given
    versions: dict[str, str]  # mixed / proxy_model / proxy_eval versions

    def lineage_text(self) -> str:
        return "; ".join(f"{s['source']} w={s['weight']:g} {s.get('tokens_given', 0):,} tok <- {', '.join(s['versions'])}" for s in self.lineage)


def _input(store: Store, manifest: Manifest, asset: str) -> Manifest:
    for ref in manifest.inputs:
        if ref.asset == asset:
            found = store.read_manifest(ref.asset, ref.partition, ref.version)
            if found is None:
                raise LookupError(f"{manifest.short} names {ref.asset}[{ref.partition}]@{ref.version}, which is not in the store")
            return found
    raise LookupError(f"{manifest.short} has no {asset} input")


def collect(store: Store, roles: dict[str, str | None] | None = None) -> tuple[list[Row], list[Manifest]]:
    """A row for every mix with a current proxy_eval, best first, and the eval manifests read."""
    rows, evals = [], []
    for mix in store.partitions("proxy_eval"):
        evaluation = store.require_current("proxy_eval", mix)
        model = _input(store, evaluation, "proxy_model")
        mixed = _input(store, model, "mixed")
        stats = model.stats
        rows.append(Row(
            mix=mix, role=(roles or {}).get(mix), aggregate=evaluation.stats["aggregate_centred"],
            stderr=evaluation.stats["aggregate_stderr"], scores=evaluation.stats["scores"],
            tokens_trained=model.counts.get("tokens_trained", 0), params=stats.get("params", {}).get("params", 0),
            final_loss=stats.get("final_loss"), proxy_config=stats.get("config_name", ""),
            lineage=[{k: s[k] for k in ("source", "weight", "versions", "tokens_given") if k in s} for s in mixed.stats.get("sources", [])],
            versions={"mixed": mixed.version, "proxy_model": model.version, "proxy_eval": evaluation.version},
        ))
        evals.append(evaluation)
    rows.sort(key=lambda r: r.aggregate, reverse=True)
    return rows, evals


@dataclass(frozen=True)
class Comparison:
    candidate: str
    baseline: str
    difference: float
    stderr: float

    @property
    def passed(self) -> bool:
        return self.difference > self.stderr

    def describe(self) -> str:
        verdict = "beats" if self.passed else "does not beat"
        return (f"{self.candidate} {verdict} {self.baseline}: aggregate centred accuracy difference "
                f"{self.difference:+.4f} vs stderr {self.stderr:.4f}")


def compare(rows: list[Row], candidate: str, baseline: str) -> Comparison:
    by_mix = {r.mix: r for r in rows}
    for name in (candidate, baseline):
        if name not in by_mix:
            raise LookupError(f"mix {name!r} has no evaluation on the leaderboard (mixes: {sorted(by_mix)}): train and evaluate it first")
    a, b = by_mix[candidate], by_mix[baseline]
    return Comparison(candidate, baseline, a.aggregate - b.aggregate, math.sqrt(a.stderr ** 2 + b.stderr ** 2))


def markdown(rows: list[Row], tasks: list[str]) -> str:
    header = ["rank", "mix", "role", "aggregate (centred)", *tasks, "tokens", "params", "loss", "lineage"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for rank, row in enumerate(rows, 1):
        cells = [str(rank), row.mix, row.role or "", f"{row.aggregate:.4f} ± {row.stderr:.4f}"]
        for task in tasks:
            score = row.scores.get(task)
            cells.append(f"{score['value']:.3f} ± {score['stderr']:.3f}" if score else "")
        loss = f"{row.final_loss:.3f}" if row.final_loss is not None else ""
        cells += [f"{row.tokens_trained:,}", f"{row.params / 1e6:.2f}M", loss, row.lineage_text().replace("|", "/")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(rows: list[Row], tasks: list[str], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 0.6 * len(rows) + 3), dpi=70, gridspec_kw={"width_ratios": [1, 2]})
    names = [r.mix + (f" ({r.role})" if r.role else "") for r in rows][::-1]
    left.barh(names, [r.aggregate for r in rows][::-1], xerr=[r.stderr for r in rows][::-1], color="tab:blue", capsize=4)
    left.axvline(0, color="grey", lw=0.8)
    left.set_xlabel("aggregate centred accuracy (0 = chance) ± stderr")
    width = 0.8 / max(1, len(rows))
    for i, row in enumerate(rows):
        xs = [t + i * width for t in range(len(tasks))]
        values = [row.scores.get(t, {}).get("centred", float("nan")) for t in tasks]
        errors = [row.scores.get(t, {}).get("centred_stderr", 0) for t in tasks]
        right.bar(xs, values, width=width, yerr=errors, capsize=2, label=row.mix)
    right.axhline(0, color="grey", lw=0.8)
    right.set_xticks([t + 0.4 - width / 2 for t in range(len(tasks))], tasks, rotation=30, ha="right")
    right.set_ylabel("centred accuracy ± stderr")
    right.legend(fontsize=8)
    figure.suptitle("Proxy-model leaderboard (tiny proxies sit near chance: read the error bars)")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def build_leaderboard(store: Store, roles: dict[str, str | None] | None = None, *, run_id: str | None = None) -> StepResult:
    rows, evals = collect(store, roles)
    if not rows:
        raise LookupError(f"no proxy_eval versions in {store.root_uri}: materialize mixed, proxy_model and proxy_eval for a mix first")
    tasks = sorted({t for r in rows for t in r.scores})
    writer = store.writer(
        ASSET, None, code_version=CODE_VERSION, config={"roles": {r.mix: r.role for r in rows}},
        inputs=[store.input_ref(m) for m in evals], run_id=run_id,
    )
    if reused := reuse_committed(store, writer):
        return StepResult(reused.manifest, True)
    table = []
    for rank, row in enumerate(rows, 1):
        record = {
            "rank": rank, "mix": row.mix, "role": row.role, "aggregate_centred": row.aggregate, "aggregate_stderr": row.stderr,
            "tokens_trained": row.tokens_trained, "params": row.params, "final_loss": row.final_loss, "proxy_config": row.proxy_config,
            "lineage": row.lineage_text(), **{f"version_{k}": v for k, v in row.versions.items()},
        }
        for task in tasks:
            score = row.scores.get(task, {})
            record[task] = score.get("value")
            record[f"{task}_stderr"] = score.get("stderr")
        table.append(record)
    text = markdown(rows, tasks)
    with tempfile.TemporaryDirectory() as tmp, writer.part(0) as part:
        part.write_table("leaderboard", table)
        (Path(tmp) / "leaderboard.md").write_text(text)
        part.put_file(str(Path(tmp) / "leaderboard.md"), "leaderboard.md")
        part.put_file(str(plot(rows, tasks, Path(tmp) / "leaderboard.png")), "plots/leaderboard.png")
        part.count(mixes=len(rows))
    manifest = writer.commit(stats={"rows": table})
    log.info("leaderboard over %d mixes:\n%s", len(rows), text)
    return StepResult(manifest, reused=False)
