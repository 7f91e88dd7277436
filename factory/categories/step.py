"""The ``category_classifier`` step: a document-category classifier trained on the labelled WebOrganizer pages,
evaluated on the pages it did not train on, and stored as a version every tagging step names as an input.

``filtered``, ``synthetic`` (and, through their documents, ``deduped``, ``edu_filtered`` and ``mixed``) tag
with the *current* version, read from the store by their tasks, so a new classifier makes new versions of
them and ``factory lineage`` names the classifier behind any category count. It is an input like any other: a
step that finds no version fails, naming it; it never trains one behind the orchestrator's back.

Training is deterministic (one thread, fixed seed), so the trained files are also kept in the machine's
cache by version: a second store (every test's) copies them instead of training again.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock

from factory import settings
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Manifest, Store, VersionWriter
from factory.store.filesystem import local_source

log = logging.getLogger(__name__)
# fastText trains and predicts the categories; the embedding kind runs MiniLM on torch, its head on numpy/sklearn.
STEP = Step("category_classifier", code_version="1",
            libraries=("fasttext-numpy2-wheel", "scikit-learn", "torch", "transformers", "numpy"))
ASSET = STEP.asset
MODEL_FOLDER = "model"
METRICS_FILE = "metrics.json"
DEFAULT_PAGES = "weborganizer/weborganizer_examples.jsonl.gz"
KINDS = ("fasttext", "embedding")


@dataclass(frozen=True)
class CategoryConfig:
    labelled_pages: str = DEFAULT_PAGES  # relative paths start in the labelled-data folder (factory.yaml)
    kind: str = "fasttext"  # fasttext: fast enough to tag every document; embedding: MiniLM + logistic regression
    heldout_fraction: float = 0.2
    settings: dict[str, Any] = field(default_factory=dict)  # the classifier kind's own training settings

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not 0.0 < self.heldout_fraction < 1.0:
            raise ValueError(f"heldout_fraction must be in (0, 1), got {self.heldout_fraction}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_category_classifier(store: Store, config: CategoryConfig | None = None, run_id: str | None = None) -> StepResult:
    config = config or CategoryConfig()
    plan = plan_classifier(config)
    pages = _pages(config)

    def build(writer: VersionWriter) -> Manifest:
        started = time.time()
        trained = _trained_files(writer.version, config, pages)
        metrics = json.loads((trained / METRICS_FILE).read_text())
        with writer.part(0) as part:
            for path in sorted((trained / MODEL_FOLDER).iterdir()):
                part.put_file(str(path), f"{MODEL_FOLDER}/{path.name}")
            part.count(pages_train=metrics["pages_train"], pages_heldout=metrics["pages_heldout"])
        manifest = writer.commit(stats={**metrics, "seconds": round(time.time() - started, 2)})
        log.info("category_classifier %s: held-out accuracy %.3f, macro F1 %.3f", config.kind,
                 metrics["heldout"]["accuracy"], metrics["heldout"]["macro_f1"])
        return manifest

    return run_step(store, plan, build, run_id=run_id)


def plan_classifier(config: CategoryConfig) -> StepPlan:
    """The version: the settings and the labelled pages file (by checksum)."""
    return STEP.plan(None, config.to_dict(), sources=[local_source(config.labelled_pages, _pages(config))])


def _pages(config: CategoryConfig) -> Path:
    pages = Path(settings.labelled_path(config.labelled_pages, "category classifier labelled_pages"))
    if not pages.is_file():
        raise FileNotFoundError(f"category classifier: labelled pages {pages} not found; point labelled_data in "
                                "factory.yaml (or FACTORY_LABELLED_DATA) at the folder holding weborganizer/")
    return pages


def model_uri(store: Store, manifest: Manifest) -> str:
    """The classifier's folder as a path or URI that datatrove tasks on any machine can read."""
    return store.uri(f"{store.version_dir(manifest.asset, manifest.partition, manifest.version)}/{MODEL_FOLDER}")


def _trained_files(version: str, config: CategoryConfig, pages: Path) -> Path:
    """``model/`` and ``metrics.json`` for this version, from the machine's cache or trained into it."""
    cached = settings.cache_dir() / ASSET / version
    if (cached / METRICS_FILE).exists():
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cached) + ".lock"):
        if not (cached / METRICS_FILE).exists():
            with tempfile.TemporaryDirectory(dir=cached.parent) as tmp:
                metrics = _train(config, pages, Path(tmp) / MODEL_FOLDER)
                (Path(tmp) / METRICS_FILE).write_text(json.dumps(metrics, sort_keys=True))
                shutil.rmtree(cached, ignore_errors=True)
                shutil.copytree(tmp, cached)
    return cached


def _train(config: CategoryConfig, pages: Path, folder: Path) -> dict[str, Any]:
    from factory.categories.dataset import load_labelled_pages, split_pages
    from factory.categories.evaluation import evaluate_classifier
    from factory.categories.training import train_category_classifier

    train, heldout = split_pages(load_labelled_pages(pages), config.heldout_fraction)
    classifier = train_category_classifier(train, config.kind, config.settings)
    classifier.save(folder)
    return {"pages_train": len(train), "pages_heldout": len(heldout),
            "heldout": evaluate_classifier(classifier, heldout).to_dict(),
            "training_categories": _distribution(train)}


def _distribution(pages) -> dict[str, int]:
    counts: dict[str, int] = {}
    for page in pages:
        counts[page.category] = counts.get(page.category, 0) + 1
    return dict(sorted(counts.items()))
