"""Does the faithfulness measure tell a rephrasing of its page from text about another page?

Known answer: each output scored against its own source (positive) and against another source of the same
recipe and length bucket (negative); AUC per backend and recipe, for each measure (``source_similarity``,
``supported_share`` and their geometric mean, ``faithfulness``, the one the gate uses). Outputs come from
``bench/faithfulness_outputs.py`` (vLLM and transformers, four FinePhrase recipes, SmolLM2-135M-Instruct) and,
with ``--store``, from the ``synthetic`` versions in a store (the demo's: sources read from each version's input).

The gate's threshold is checked against the labelled set ``bench/faithfulness_labels.jsonl``: outputs read by
hand beside their sources (how each was judged is in the file); the report lists where the gate and the reader
disagree. Writes ``bench/results/faithfulness.json``.

    python bench/faithfulness.py                           # the outputs file and the labelled set
    python bench/faithfulness.py --store /path/to/.factory/store   # and a demo store's synthetic outputs
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared/data/classification/weborganizer"
OUTPUTS = REPO / "bench/results/faithfulness_outputs.jsonl.gz"
LABELS = REPO / "bench/faithfulness_labels.jsonl"
OUT = REPO / "bench/results/faithfulness.json"
MEASURES = ("source_similarity", "supported_share", "faithfulness")
LENGTH_BUCKETS = (200, 400)  # source words: short, medium, long
log = logging.getLogger("bench.faithfulness")


def read_sources(lines: set[int]) -> dict[int, str]:
    found = {}
    with gzip.open(DATA / "weborganizer_examples.jsonl.gz", "rt") as handle:
        for number, raw in enumerate(handle):
            if number in lines:
                found[number] = json.loads(raw)["text"]
    return found


def outputs_file(path: Path) -> list[dict]:
    """The generated outputs with their source texts: {group, recipe, output, source}."""
    with gzip.open(path, "rt") as handle:
        rows = [json.loads(line) for line in handle]
    sources = read_sources({row["source_line"] for row in rows})
    return [{"group": row["backend"], "recipe": row["recipe"], "output": row["output"], "source": sources[row["source_line"]],
             "source_key": f"{row['source_file']}:{row['source_line']}"} for row in rows]


def store_outputs(root: str) -> list[dict]:
    """Every kept and rejected output of the store's current ``synthetic`` versions, with its source text."""
    from factory.documents import DOCUMENTS
    from factory.store import Store
    from factory.store.partitions import parse_partition

    store = Store(root)
    rows = []
    for label in store.partitions("synthetic"):
        manifest = store.current("synthetic", parse_partition(label))
        ref = manifest.inputs[0]
        source = store.read_manifest(ref.asset, parse_partition(ref.partition), ref.version)
        wanted = set()
        outputs = []
        for table in (DOCUMENTS, "rejected"):
            for batch in store.iter_batches(manifest, table, columns=["source_id", "text", "recipe", "recipe_version"]):
                for row in batch.to_pylist():
                    outputs.append(row)
                    wanted.add(row["source_id"])
        texts = {row["id"]: row["text"] for batch in store.iter_batches(source, DOCUMENTS, columns=["id", "text"])
                 for row in batch.to_pylist() if row["id"] in wanted}
        rows += [{"group": "demo store", "recipe": f"{row['recipe']}@v{row['recipe_version']}", "output": row["text"],
                  "source": texts[row["source_id"]], "source_key": row["source_id"], "version": manifest.short} for row in outputs]
    return rows


def length_bucket(text: str) -> int:
    words = len(text.split())
    return sum(words > edge for edge in LENGTH_BUCKETS)


def other_source(rows: list[dict], index: int) -> dict:
    """The next output's source in the same length bucket with a different source (wrapping); any other if none."""
    row = rows[index]
    order = rows[index + 1:] + rows[:index]
    same_bucket = [o for o in order if o["source_key"] != row["source_key"] and length_bucket(o["source"]) == length_bucket(row["source"])]
    return (same_bucket or [o for o in order if o["source_key"] != row["source_key"]])[0]


def known_answer(rows: list[dict], scorer) -> dict:
    """Per (group, recipe): AUC of each measure for own-source vs other-source pairs, and the score distributions."""
    from sklearn.metrics import roc_auc_score

    from factory.generation import load_recipe

    groups = defaultdict(list)
    for row in rows:
        groups[(row["group"], row["recipe"])].append(row)
    report, own_all, other_all = [], [], []
    for (group, tag), members in sorted(groups.items()):
        if len({m["source_key"] for m in members}) < 2:
            continue
        recipe = load_recipe(tag.split("@")[0])
        others = [other_source(members, i) for i in range(len(members))]
        outputs = [m["output"] for m in members]
        own = scorer.score(outputs, [m["source"] for m in members], recipe)
        other = scorer.score(outputs, [o["source"] for o in others], recipe)
        for row, score in zip(members, own):
            row.update(score)
        labels = [1] * len(own) + [0] * len(other)
        report.append({"group": group, "recipe": tag, "outputs": len(members),
                       "auc": {m: round(roc_auc_score(labels, [s[m] for s in own + other]), 3) for m in MEASURES}})
        own_all += own
        other_all += other
    return {"per_recipe": report, "own": own_all, "other": other_all}


def quantiles(values: list[float]) -> dict:
    import numpy as np

    return {f"p{q}": round(float(np.percentile(values, q)), 4) for q in (5, 25, 50, 75, 95)} if values else {}


def labelled_agreement(scorer, threshold: float) -> dict:
    """The gate at ``threshold`` against the hand labels: agreement, and every disagreement."""
    from factory.generation import load_recipe

    if not LABELS.exists():
        return {"examples": 0}
    labels = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    sources = read_sources({row["source_line"] for row in labels})
    from sklearn.metrics import roc_auc_score

    disagreements, agree, scores, faithful_vs_other = [], 0, [], []
    for row in labels:
        recipe = load_recipe(row["recipe"].split("@")[0])
        other = next(sources[o["source_line"]] for o in labels[labels.index(row) + 1:] + labels if o["source_line"] != row["source_line"])
        score, against_other = scorer.score([row["output"]] * 2, [sources[row["source_line"]], other], recipe)
        scores.append(score["faithfulness"])
        if row["label"] == "faithful":
            faithful_vs_other.append((score["faithfulness"], against_other["faithfulness"]))
        if (score["faithfulness"] >= threshold) == (row["label"] == "faithful"):
            agree += 1
        else:
            disagreements.append({"source_line": row["source_line"], "recipe": row["recipe"], "label": row["label"],
                                  "why": row["why"], **score})
    judged = [row["label"] == "faithful" for row in labels]
    return {"examples": len(labels), "faithful": sum(judged), "agree": agree,
            "auc_faithful_vs_unfaithful": round(roc_auc_score(judged, scores), 3),
            # the known-answer test on the outputs the reader judged faithful only: own source vs another page
            "auc_own_vs_other_faithful_only": round(roc_auc_score([1, 0] * len(faithful_vs_other),
                                                                  [v for pair in faithful_vs_other for v in pair]), 3),
            "lowest_faithful": min(s for s, j in zip(scores, judged) if j),
            "disagreements": disagreements}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outputs", type=Path, default=OUTPUTS)
    parser.add_argument("--store", default=None, help="a store whose current synthetic versions are scored too")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    from factory import settings

    settings.set_offline_defaults()
    from factory.generation.checks import OutputChecks
    from factory.generation.faithfulness import FaithfulnessScorer
    from factory.models.embeddings import Embedder

    scorer = FaithfulnessScorer(Embedder())
    rows = outputs_file(args.outputs) + (store_outputs(args.store) if args.store else [])
    answers = known_answer(rows, scorer)
    threshold = OutputChecks().unfaithful_min_score
    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "scorer": scorer.identity(), "threshold": threshold,
        "outputs": {"file": str(args.outputs.relative_to(REPO)), "scored": len(rows),
                    "store_versions": sorted({row["version"] for row in rows if row.get("version")})},
        "known_answer": answers["per_recipe"],
        "faithfulness": {"own_source": quantiles([s["faithfulness"] for s in answers["own"]]),
                         "other_source": quantiles([s["faithfulness"] for s in answers["other"]])},
        "rejected_share_own_source": round(sum(s["faithfulness"] < threshold for s in answers["own"]) / max(len(answers["own"]), 1), 3),
        "rejected_share_other_source": round(sum(s["faithfulness"] < threshold for s in answers["other"]) / max(len(answers["other"]), 1), 3),
        "labelled_set": labelled_agreement(scorer, threshold),
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    log.info("wrote %s", args.out)


if __name__ == "__main__":
    main()
