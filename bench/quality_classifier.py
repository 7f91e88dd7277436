"""How well the factory's educational-value classifiers learn human quality judgements: each kind (embedding
at each truncation length, fastText) is trained on one DCLM human-label file (``../shared/data/classification/
dclm_human_quality``, labels mapped onto 0-5 by the default score map {0: 0, 1: 4}) and measured on the other:
ROC AUC and Spearman of its scores against the human labels, F1 of the keep decision at 3, MSE against the
mapped scores, the confusion matrix, and training and prediction throughput. Writes
``bench/results/quality_classifier.json``.

agreement_data (281 pages all annotators agreed on) is a subset of majority_data (499 pages, majority vote),
same pages, same labels, so each direction trains on the pages the other file does not hold:
majority less agreement (218) -> agreement (281), and agreement (281) -> majority less agreement (218).

    python bench/quality_classifier.py
    python bench/quality_classifier.py --kinds fasttext
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
log = logging.getLogger("bench.quality_classifier")


def run_direction(config, train_rows, held_out_rows) -> dict:
    import numpy as np

    from factory.quality.agreement import roc_auc, spearman
    from factory.quality.metrics import regression_report
    from factory.quality.training import train_classifier

    started = time.time()
    classifier, report = train_classifier([r.text for r in train_rows], [r.score for r in train_rows], config)
    train_s = time.time() - started
    started = time.time()
    predicted = classifier.predict([r.text for r in held_out_rows])
    predict_s = time.time() - started
    labels = [int(r.label) for r in held_out_rows]
    scores = predicted.tolist()
    by_label = {label: round(float(np.mean([s for s, y in zip(scores, labels, strict=True) if y == label])), 4)
                for label in sorted(set(labels))}
    return {
        "train": {**report.to_dict(), "seconds": round(train_s, 2),
                  "documents_per_s": round(len(train_rows) / train_s, 2)},
        "held_out": {"auc": round(roc_auc(scores, labels), 4), "spearman": round(spearman(scores, labels), 4),
                     "mean_score_by_human_label": by_label,
                     **regression_report(predicted, [r.score for r in held_out_rows]),
                     "predict_seconds": round(predict_s, 2),
                     "predict_documents_per_s": round(len(held_out_rows) / predict_s, 2)},
        "identity": {k: v for k, v in classifier.identity().items() if k != "embedder"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--kinds", default="embedding,fasttext")
    parser.add_argument("--max-tokens", default="256,128",
                        help="embedding truncation lengths to measure, comma-separated")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "quality_classifier.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from factory import settings
    from factory.quality.classifier import ClassifierConfig
    from factory.quality.labelled_sets import DCLM_SCORE_MAP, LabelledSetConfig, load_labelled_set, without

    settings.set_offline_defaults()
    folder = args.data / "classification" / "dclm_human_quality"
    agreement = load_labelled_set(LabelledSetConfig(path=str(folder / "agreement_data.jsonl")))
    majority = load_labelled_set(LabelledSetConfig(path=str(folder / "majority_data.jsonl")))
    majority_only = without(majority, agreement)
    configs = []
    for kind in args.kinds.split(","):
        if kind == "embedding":
            configs += [ClassifierConfig(kind="embedding", max_tokens=int(n)) for n in args.max_tokens.split(",")]
        else:
            configs.append(ClassifierConfig(kind=kind))
    runs = {}
    for config in configs:
        name = f"embedding@{config.max_tokens}" if config.kind == "embedding" else config.kind
        runs[name] = {"settings": config.settings(),
                      "majority_to_agreement": run_direction(config, majority_only, agreement),
                      "agreement_to_majority": run_direction(config, agreement, majority_only)}
        for direction in ("majority_to_agreement", "agreement_to_majority"):
            found = runs[name][direction]["held_out"]
            log.info("%s %s: AUC %.3f, Spearman %.3f, F1@3 %.3f, MSE %.2f", name, direction, found["auc"],
                     found["spearman"], found["keep_at_3"]["f1"], found["mse"])
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "device": "cpu"},
        "libraries": {name: metadata.version(name)
                      for name in ("fasttext-numpy2-wheel", "torch", "transformers", "numpy")},
        "data": {"agreement_data": len(agreement), "majority_data": len(majority),
                 "overlap": len(majority) - len(majority_only),
                 "majority_less_agreement": len(majority_only), "score_map": DCLM_SCORE_MAP,
                 "note": "agreement_data is a subset of majority_data (same pages, same labels): each direction trains "
                         "on pages the held-out file does not hold"},
        "runs": runs,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    summary = {name: {direction: {"auc": found["auc"], "spearman": found["spearman"], "mse": found["mse"],
                                  "f1_at_3": found["keep_at_3"]["f1"]}
                      for direction in ("majority_to_agreement", "agreement_to_majority")
                      for found in [run[direction]["held_out"]]}
               for name, run in runs.items()}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
