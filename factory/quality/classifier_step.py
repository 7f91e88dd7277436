"""The ``quality_classifier`` step: an educational-value classifier trained on the current ``quality_annotations``.

The annotations are split by a hash of their id (the held-out part never trains); the version reports the
held-out regression error, precision/recall/F1 of the keep decision (rounded score >= 3) and the confusion
matrix, and, when ``human_labels`` names a labelled file with binary human judgements, the AUC and Spearman
of the classifier's scores against them (rows that are also annotations are left out, so it stays held out).
The model's files are stored under ``model/`` for ``quality_scores`` tasks to load on any machine.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Store, VersionWriter

log = logging.getLogger(__name__)
STEP = Step("quality_classifier", code_version="1",
            libraries=("fasttext-numpy2-wheel", "scikit-learn", "torch", "transformers", "numpy"))
ASSET = STEP.asset
MODEL_FOLDER = "model"
ANNOTATIONS = "quality_annotations"


@dataclass(frozen=True)
class TrainingConfig:
    classifier: dict[str, Any] = field(default_factory=dict)  # factory.quality.classifier.ClassifierConfig fields
    heldout_fraction: float = 0.2
    human_labels: str | None = None  # a labelled file with binary human labels (relative: the labelled-data folder)

    def __post_init__(self) -> None:
        if not 0.0 < self.heldout_fraction < 1.0:
            raise ValueError(f"heldout_fraction must be in (0, 1), got {self.heldout_fraction}")
        self.classifier_config()  # pydantic names a bad field

    def classifier_config(self):
        from factory.quality.classifier import ClassifierConfig

        return ClassifierConfig(**self.classifier)

    def identity(self) -> dict[str, Any]:
        return {"classifier": self.classifier_config().settings(), "heldout_fraction": self.heldout_fraction,
                "human_labels": self.human_labels}


def train_quality_classifier(store: Store, config: TrainingConfig, run_id: str | None = None) -> StepResult:
    plan = plan_classifier(store, config)
    return run_step(store, plan, lambda writer: _train(writer, plan.inputs[0], config), run_id=run_id)


def plan_classifier(store: Store, config: TrainingConfig) -> StepPlan:
    """The version: the current annotations, the classifier's settings and the human labels file (by checksum)."""
    annotations = store.require_current(ANNOTATIONS, None)
    sources = [_human_source(config.human_labels)] if config.human_labels else []
    return STEP.plan(None, config.identity(), inputs=[annotations], sources=sources)


def _train(writer: VersionWriter, annotations, config: TrainingConfig) -> StepResult:
    store = writer.store
    from factory.quality.training import evaluate, split_by_id, train_classifier

    started = time.time()
    rows = store.read_table(annotations, "annotations").select(["id", "text", "score"]).to_pylist()
    train, heldout = split_by_id([row["id"] for row in rows], config.heldout_fraction)
    classifier, report = train_classifier([rows[i]["text"] for i in train], [rows[i]["score"] for i in train],
                                          config.classifier_config())
    stats: dict[str, Any] = {
        "training": report.to_dict(),
        "heldout": evaluate(classifier, [rows[i]["text"] for i in heldout], [rows[i]["score"] for i in heldout]),
    }
    if config.human_labels:
        stats["human_labels"] = _human_agreement(classifier, config.human_labels, {row["id"] for row in rows})
    with tempfile.TemporaryDirectory() as tmp, writer.part(0) as part:
        folder = classifier.save(Path(tmp) / MODEL_FOLDER)
        for path in sorted(folder.iterdir()):
            part.put_file(str(path), f"{MODEL_FOLDER}/{path.name}")
        part.count(annotations=len(rows), trained_on=report.trained_on, heldout=len(heldout))
    stats["seconds"] = round(time.time() - started, 2)
    manifest = writer.commit(stats=stats)
    log.info("quality_classifier: held-out MSE %s, F1 at 3 %s, human-label AUC %s", stats["heldout"].get("mse"),
             stats["heldout"].get("keep_at_3", {}).get("f1"), (stats.get("human_labels") or {}).get("auc"))
    return StepResult(manifest, reused=False)


def _human_config(path: str):
    from factory.quality.labelled_sets import LabelledSetConfig

    return LabelledSetConfig(path=path, score_map={"0": 0, "1": 1})  # binary: the label is the judgement


def _human_source(path: str):
    from factory.quality.labelled_sets import source_file

    return source_file(_human_config(path))


def _human_agreement(classifier, path: str, annotated: set[str]) -> dict[str, Any]:
    """AUC and Spearman of the classifier's scores against binary human labels, over rows it did not train on."""
    from factory.quality.agreement import roc_auc, spearman
    from factory.quality.labelled_sets import load_labelled_set

    rows = [row for row in load_labelled_set(_human_config(path)) if row.id not in annotated]
    if not rows:
        return {"documents": 0, "auc": None, "spearman": None, "note": "every labelled row is also an annotation"}
    scores = [float(s) for s in classifier.predict([row.text for row in rows])]
    labels = [int(row.label) for row in rows]
    auc, rho = roc_auc(scores, labels), spearman(scores, labels)
    return {"documents": len(rows), "positives": sum(labels), "auc": None if auc is None else round(auc, 4),
            "spearman": None if rho is None else round(rho, 4), "file": path}
