"""The plan for a dump of N WARC files: tasks per stage, CPU- and GPU-hours, store size, wall time.

Plain arithmetic over the measured per-document costs (``costs.py``, ``gpu.py``), so it is
testable without a store or a CLI. Counts flow stage by stage as FineWeb's pipeline does:
WARC files -> records -> kept documents -> deduplicated documents and tokens -> rephrased
tokens -> mixes -> proxy trainings (mixes x seeds). Task counts follow how the factory splits work: one
``filtered`` task per WARC file (files are split across tasks, never records), the four MinHash
stages (signatures and filter per file, ``num_buckets`` bucket tasks, one cluster task), one
tokenization task per input shard, one synthetic partition per recipe, one training per mix and seed.

Wall time is given twice: the ideal CPU-hours / (nodes x cores) + GPU-hours / (nodes x GPUs),
and a task-bound figure in which no stage uses more slots than it has tasks (a stage of 14
tasks cannot use 512 cores; 12 trainings of one GPU each cannot use 32 GPUs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from factory.planning.costs import CurationCosts
from factory.planning.figures import Figure, derived, option
from factory.planning.gpu import GenerationRates, TrainingRate
from factory.planning.listing import PlanInputError, WarcListing
from factory.planning.targets import Targets

log = logging.getLogger(__name__)
GB = 1e9
HOUR = 3600.0


@dataclass(frozen=True)
class PlanOptions:
    nodes: int = 1
    cpus_per_node: int = 64
    gpus_per_node: int = 8
    chunks: int = 4
    warc_gb: float = 1.1
    rephrase_fraction: float = 0.1

    def __post_init__(self) -> None:
        for name in ("nodes", "cpus_per_node", "gpus_per_node", "chunks"):
            if getattr(self, name) < 1:
                raise PlanInputError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if not self.warc_gb > 0:
            raise PlanInputError(f"--warc-gb must be positive (Common Crawl's WARCs are ~1.1 GB), got {self.warc_gb}")
        if not 0 <= self.rephrase_fraction <= 1:
            raise PlanInputError(f"--rephrase-fraction must be between 0 and 1, got {self.rephrase_fraction}")

    @property
    def cpu_slots(self) -> int:
        return self.nodes * self.cpus_per_node

    @property
    def gpu_slots(self) -> int:
        return self.nodes * self.gpus_per_node


@dataclass(frozen=True)
class StagePlan:
    """One stage: its tasks (by sub-stage), how many can run at once, and its hours."""

    stage: str
    tasks: tuple[tuple[str, int], ...]
    parallel: int
    cpu_hours: Figure | None = None
    gpu_hours: Figure | None = None
    note: str = ""

    def wall_hours(self, options: PlanOptions) -> float:
        """Hours if the stage ran alone on the nodes, using at most ``parallel`` slots."""
        cpu = self.cpu_hours.value / max(1, min(self.parallel, options.cpu_slots)) if self.cpu_hours else 0.0
        gpu = self.gpu_hours.value / max(1, min(self.parallel, options.gpu_slots)) if self.gpu_hours else 0.0
        return cpu + gpu

    def to_dict(self, options: PlanOptions) -> dict[str, Any]:
        return {
            "stage": self.stage, "tasks": dict(self.tasks), "parallel_tasks": self.parallel,
            "cpu_hours": self.cpu_hours.to_dict() if self.cpu_hours else None,
            "gpu_hours": self.gpu_hours.to_dict() if self.gpu_hours else None,
            "task_bound_wall_hours": self.wall_hours(options), "note": self.note,
        }


@dataclass(frozen=True)
class Plan:
    dump: str
    origin: str
    files: int
    files_per_chunk: tuple[int, ...]
    options: PlanOptions
    targets: dict[str, Any]
    costs: tuple[Figure, ...]
    volumes: tuple[Figure, ...]
    stages: tuple[StagePlan, ...]
    store: tuple[Figure, ...]  # the last one is the total
    totals: tuple[Figure, ...]  # cpu_hours, gpu_hours, wall_hours, task_bound_wall_hours
    notes: tuple[str, ...] = field(default_factory=tuple)

    def total(self, name: str) -> Figure:
        return next(f for f in self.totals if f.name == name)

    def stage(self, name: str) -> StagePlan:
        return next(s for s in self.stages if s.stage == name)

    def volume(self, name: str) -> Figure:
        return next(f for f in (*self.volumes, *self.store) if f.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dump": self.dump, "paths_from": self.origin, "files": self.files,
            "chunks": {"count": self.options.chunks, "files_per_chunk": list(self.files_per_chunk)},
            "options": {k: getattr(self.options, k) for k in PlanOptions.__dataclass_fields__},
            "targets": self.targets,
            "costs": [f.to_dict() for f in self.costs],
            "volumes": [f.to_dict() for f in self.volumes],
            "stages": [s.to_dict(self.options) for s in self.stages],
            "store": [f.to_dict() for f in self.store],
            "totals": {f.name: f.to_dict() for f in self.totals},
            "notes": list(self.notes),
        }


def build_plan(listing: WarcListing, costs: CurationCosts, generation: GenerationRates, training: TrainingRate,
               targets: Targets, options: PlanOptions) -> Plan:
    volumes = _volumes(listing.files, costs, generation, training, targets, options)
    stages = _stages(listing, costs, generation, training, targets, options, volumes)
    store = _store(costs, volumes)
    totals = _totals(stages, options)
    plan = Plan(
        dump=listing.dump, origin=listing.origin, files=listing.files,
        files_per_chunk=tuple(listing.files_per_chunk(options.chunks)), options=options,
        targets={"proxy_config": targets.proxy.name, "proxy_params": training.params,
                 "proxy_train_tokens": targets.proxy.train_tokens, "recipes": list(targets.recipes),
                 "mixes": list(targets.mixes)},
        costs=(*costs.figures(), generation.tokens_per_s, generation.output_ratio, training.tokens_per_s),
        volumes=tuple(volumes.values()), stages=stages, store=store, totals=totals,
        notes=(*costs.notes, *_notes(stages, volumes, targets, options)),
    )
    log.info("plan for %s: %d files, %.0f CPU-h, %.0f GPU-h, %.1f h on %d node(s)", plan.dump, plan.files,
             plan.total("cpu_hours").value, plan.total("gpu_hours").value, plan.total("wall_hours").value,
             options.nodes)
    return plan


def _volumes(files: int, costs: CurationCosts, generation: GenerationRates, training: TrainingRate, targets: Targets,
             options: PlanOptions) -> dict[str, Figure]:
    """Documents and tokens at each stage, and the tokens each GPU stage processes."""
    c = costs
    warc_gb = option("warc_gb", options.warc_gb, "GB", "--warc-gb: average compressed WARC size")
    fraction = option("rephrase_fraction", options.rephrase_fraction, "of deduped tokens",
                      "--rephrase-fraction: share of the deduplicated tokens each recipe rephrases")
    v: dict[str, Figure] = {}
    v["records_per_file"] = derived("records_per_file", warc_gb.value * GB / c.bytes_per_record.value, "docs/file",
                                    [warc_gb, c.bytes_per_record], "warc_gb / bytes_per_record")
    v["crawl_bytes"] = derived("crawl_bytes", files * warc_gb.value * GB, "B", [warc_gb],
                               f"{files:,} files x warc_gb: what `filtered` reads (not stored)")
    v["documents_in"] = derived("documents_in", files * v["records_per_file"].value, "docs", [v["records_per_file"]],
                                f"{files:,} files x records_per_file")
    v["filtered_documents"] = _product("filtered_documents", v["documents_in"], c.filtered_keep_rate, "docs")
    v["filtered_tokens"] = _product("filtered_tokens", v["filtered_documents"], c.filtered_tokens_per_doc, "tokens")
    v["deduped_documents"] = _product("deduped_documents", v["filtered_documents"], c.dedup_keep_rate, "docs")
    v["deduped_tokens"] = _product("deduped_tokens", v["deduped_documents"], c.dedup_tokens_per_doc, "tokens")
    recipes = len(targets.recipes)
    rephrased = v["deduped_tokens"].value * fraction.value * recipes
    v["synthetic_tokens"] = derived(
        "synthetic_tokens", rephrased * generation.output_ratio.value, "tokens",
        [v["deduped_tokens"], fraction, generation.output_ratio],
        f"deduped_tokens x rephrase_fraction x {recipes} recipe(s) x generation_output_ratio")
    budget = targets.proxy.train_tokens
    available = v["deduped_tokens"].value + v["synthetic_tokens"].value
    v["mix_tokens"] = derived("mix_tokens", min(budget, available), "tokens/mix",
                              [v["deduped_tokens"], v["synthetic_tokens"]],
                              f"the tokens each mix tokenizes: min({targets.proxy.name} budget {budget:,}, "
                              "deduped + synthetic tokens)")
    return v


def _stages(listing: WarcListing, costs: CurationCosts, generation: GenerationRates, training: TrainingRate,
            targets: Targets, options: PlanOptions, v: dict[str, Figure]) -> tuple[StagePlan, ...]:
    files, chunks = listing.files, options.chunks
    per_chunk = listing.files_per_chunk(chunks)
    buckets = int(costs.num_buckets.value)
    recipes, mixes = len(targets.recipes), len(targets.mixes)
    return (
        StagePlan("raw_crawl", (("index", chunks),), chunks,
                  note="one partition per chunk; Common Crawl is indexed from the listing (index_mode listing): "
                       "one HEAD per file, no file read"),
        StagePlan("filtered", (("filter", files),), files,
                  cpu_hours=_hours("filtered_cpu_hours", v["documents_in"], costs.filtered_cpu_s_per_doc, "CPU-h"),
                  note=f"one task per WARC file; {chunks} partitions of {min(per_chunk):,}-{max(per_chunk):,} files"),
        StagePlan("deduped", (("signatures", files), ("buckets", buckets), ("cluster", 1), ("filter", files)), files,
                  cpu_hours=_hours("dedup_cpu_hours", v["filtered_documents"], costs.dedup_cpu_s_per_doc, "CPU-h"),
                  note=f"one partition for the dump; CPU-hours cover all four stages (buckets run {buckets} tasks, "
                       "cluster one)"),
        StagePlan("synthetic", (("recipes", recipes),), recipes,
                  gpu_hours=derived("generation_gpu_hours",
                                    v["synthetic_tokens"].value / generation.tokens_per_s.value / HOUR,
                                    "GPU-h", [v["synthetic_tokens"], generation.tokens_per_s],
                                    "synthetic_tokens / generation_tokens_per_s"),
                  note="one partition (one engine, one GPU) per recipe"),
        StagePlan("mixed", (("tokenize", files * mixes),), files * mixes,
                  cpu_hours=derived("mixed_cpu_hours",
                                    mixes * v["mix_tokens"].value * costs.tokenize_cpu_s_per_token.value / HOUR,
                                    "CPU-h", [v["mix_tokens"], costs.tokenize_cpu_s_per_token],
                                    f"{mixes} mix(es) x mix_tokens x tokenize_cpu_s_per_token"),
                  note=f"one task per input shard (the dedup filter's {files:,} shards) per mix, {mixes} mix(es)"),
        StagePlan("proxy_model", (("trainings", mixes * targets.proxy.seeds),), mixes * targets.proxy.seeds,
                  gpu_hours=derived("training_gpu_hours",
                                    mixes * targets.proxy.seeds * targets.proxy.train_tokens / training.tokens_per_s.value / HOUR,
                                    "GPU-h", [training.tokens_per_s],
                                    f"{mixes} mix(es) x {targets.proxy.seeds} seed(s) x {targets.proxy.train_tokens:,} tokens "
                                    "/ training_tokens_per_s"),
                  note=f"{targets.proxy.name} ({training.params / 1e6:,.0f}M params), {targets.proxy.seeds} seed(s) per mix "
                       "(the unit of noise in decisions); one training uses one GPU"),
    )


def _store(costs: CurationCosts, v: dict[str, Figure]) -> tuple[Figure, ...]:
    c = costs
    removed_filtered = v["documents_in"].value - v["filtered_documents"].value
    removed_dedup = v["filtered_documents"].value - v["deduped_documents"].value
    parts = (
        _product("filtered_documents_bytes", v["filtered_documents"], c.filtered_bytes_per_kept_doc, "B"),
        derived("filtered_removed_bytes", removed_filtered * c.filtered_bytes_per_removed_doc.value, "B",
                [v["documents_in"], v["filtered_documents"], c.filtered_bytes_per_removed_doc],
                "(documents_in - filtered_documents) x filtered_bytes_per_removed_doc"),
        _product("deduped_documents_bytes", v["deduped_documents"], c.dedup_bytes_per_kept_doc, "B"),
        derived("deduped_removed_bytes", removed_dedup * c.dedup_bytes_per_removed_doc.value, "B",
                [v["filtered_documents"], v["deduped_documents"], c.dedup_bytes_per_removed_doc],
                "(filtered_documents - deduped_documents) x dedup_bytes_per_removed_doc"),
        _product("deduped_index_bytes", v["filtered_documents"], c.dedup_other_bytes_per_doc, "B"),
    )
    total = derived("store_bytes", sum(p.value for p in parts), "B", parts, "filtered + deduped, with removed tables")
    return (*parts, total)


def _totals(stages: tuple[StagePlan, ...], options: PlanOptions) -> tuple[Figure, ...]:
    cpu = [s.cpu_hours for s in stages if s.cpu_hours]
    gpu = [s.gpu_hours for s in stages if s.gpu_hours]
    cpu_hours = derived("cpu_hours", sum(f.value for f in cpu), "CPU-h", cpu, "sum over stages")
    gpu_hours = derived("gpu_hours", sum(f.value for f in gpu), "GPU-h", gpu, "sum over stages")
    wall = cpu_hours.value / options.cpu_slots + gpu_hours.value / options.gpu_slots
    bound = sum(s.wall_hours(options) for s in stages)
    return (
        cpu_hours, gpu_hours,
        derived("wall_hours", wall, "h", [cpu_hours, gpu_hours],
                f"CPU-h / ({options.nodes} x {options.cpus_per_node} cores) + GPU-h / ({options.nodes} x "
                f"{options.gpus_per_node} GPUs): every slot busy"),
        derived("task_bound_wall_hours", bound, "h", [cpu_hours, gpu_hours],
                "stages one after another, each on at most as many slots as it has tasks"),
    )


def _notes(stages: tuple[StagePlan, ...], v: dict[str, Figure], targets: Targets, options: PlanOptions) -> list[str]:
    notes = []
    for stage in stages:
        slots = options.gpu_slots if stage.gpu_hours else options.cpu_slots
        if (stage.cpu_hours or stage.gpu_hours) and stage.parallel < slots:
            notes.append(f"{stage.stage}: {stage.parallel:,} parallel task(s) for {slots:,} slots, so it takes "
                         f"{stage.wall_hours(options):,.1f} h however many nodes")
    per_mix = v["mix_tokens"].value
    if per_mix < targets.proxy.train_tokens:
        notes.append(f"the dump gives {per_mix:,.0f} tokens per mix, below {targets.proxy.name}'s "
                     f"{targets.proxy.train_tokens:,}: mixes repeat data (check each mix's max_repeats)")
    return notes


def _product(name: str, a: Figure, b: Figure, unit: str) -> Figure:
    return derived(name, a.value * b.value, unit, [a, b], f"{a.name} x {b.name}")


def _hours(name: str, documents: Figure, seconds_per_doc: Figure, unit: str) -> Figure:
    return derived(name, documents.value * seconds_per_doc.value / HOUR, unit, [documents, seconds_per_doc],
                   f"{documents.name} x {seconds_per_doc.name} / 3600")
