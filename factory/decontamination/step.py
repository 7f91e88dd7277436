"""The ``contamination_index`` step: the n-grams of every benchmark item the evaluator runs and of every held-out
document, stored once and read by every mix's decontamination (``factory.decontamination.filter``).

The version is the n-gram settings, the task list and the content of every task and held-out file, so a
changed benchmark file makes a new index and, through it, new mixes. Building takes 10-20 s here for the
nine benchmarks (31,770 items, 2.3M n-grams, 28 MB); the machine's cache keeps the files by version.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from filelock import FileLock

from factory import settings
from factory.decontamination.config import DecontaminationConfig
from factory.decontamination.index import HASHES, ITEMS, OWNERS, ContaminationIndex
from factory.decontamination.items import all_domains, benchmark_items, heldout_documents
from factory.evaluation.config import EvalConfig
from factory.evaluation.heldout import DOMAINS, heldout_data_dir
from factory.evaluation.tasks import CODE_VERSION as TASKS_CODE_VERSION
from factory.evaluation.tasks import source_files
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Manifest, Store, VersionWriter
from factory.store.filesystem import local_source

log = logging.getLogger(__name__)
# 2: informative n-grams only (half their words hold a letter), symbol-only tokens dropped
STEP = Step("contamination_index", code_version="2", libraries=("datatrove", "xxhash", "numpy"))
ARRAYS, ITEMS_FILE = (HASHES, OWNERS), "items.parquet"


def build_index(store: Store, evaluation: EvalConfig, config: DecontaminationConfig, run_id: str | None = None) -> StepResult:
    plan = plan_index(evaluation, config)

    def build(writer: VersionWriter) -> Manifest:
        started = time.time()
        cached = _built_files(writer.version, evaluation, config)
        table = pq.read_table(cached / ITEMS_FILE)
        with writer.part(0) as part:
            for name in ARRAYS:
                part.put_file(str(cached / name), name)  # arrays, not tables: each mix task reads them whole
            part.write_table(ITEMS, table)
            part.count(items=table.num_rows, ngrams=int(table.column("ngrams").to_numpy().sum()))
        stats = {"sources": _per_source(table), "seconds": round(time.time() - started, 1)}
        log.info("contamination_index: %d items in %.1f s", table.num_rows, stats["seconds"])
        return writer.commit(stats=stats)

    return run_step(store, plan, build, run_id=run_id)


def plan_index(evaluation: EvalConfig, config: DecontaminationConfig) -> StepPlan:
    """The version: the n-gram settings, the tasks (and how their items are rendered) and every source file."""
    data = heldout_data_dir()
    heldout = [local_source(f, data / f) for domain in all_domains() for f in DOMAINS[domain].files]
    return STEP.plan(None, {**config.index_identity(), "tasks": list(evaluation.tasks), "task_rows": TASKS_CODE_VERSION},
                     sources=[*source_files(evaluation.data_path, list(evaluation.tasks)), *heldout])


def _built_files(version: str, evaluation: EvalConfig, config: DecontaminationConfig) -> Path:
    """The arrays and the items table of ``version``, from the machine's cache or built into it (building is
    deterministic, so every store of this machine, every test's included, copies the same files)."""
    cached = settings.cache_dir() / STEP.asset / version
    if (cached / ITEMS_FILE).exists():
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cached) + ".lock"):
        if not (cached / ITEMS_FILE).exists():
            items = [*benchmark_items(evaluation.data_path, list(evaluation.tasks)), *heldout_documents(all_domains())]
            index, table = ContaminationIndex.build(items, config.ngram_size, config.heldout_min_fraction)
            with tempfile.TemporaryDirectory(dir=cached.parent) as tmp:
                for name, data in index.array_bytes().items():
                    (Path(tmp) / name).write_bytes(data)
                pq.write_table(table, Path(tmp) / ITEMS_FILE)
                shutil.rmtree(cached, ignore_errors=True)
                shutil.copytree(tmp, cached)
    return cached


def _per_source(table) -> dict[str, dict[str, int]]:
    """Per benchmark or domain: items, those indexed (at least one n-gram) and n-grams."""
    sources = np.asarray(table.column("source").to_pylist())
    ngrams = np.asarray(table.column("ngrams").to_pylist())
    return {str(name): {"items": int((sources == name).sum()), "indexed": int(((sources == name) & (ngrams > 0)).sum()),
                        "ngrams": int(ngrams[sources == name].sum())} for name in dict.fromkeys(sources.tolist())}
