"""The ``mixed`` step: a recipe, planned against the store, sampled, tokenized and written as shards.

The version is input-addressed over the recipe's content (not its description or role), the
tokenizer file and the source versions, so a new upstream version or an edited recipe makes a
new mix version, and an unchanged one is reused without work. The sampling and tokenizing run as
datatrove tasks (``factory.mixing.pipeline``) that read the sources' shards from the store and
write the token shards into the version; the driver's memory does not grow with the mix.
"""

from __future__ import annotations

import io
import logging
import time
from pathlib import Path

import numpy as np

from factory.categories.counter import counted
from factory.curation.executors import ExecutorSpec, run_stages, run_to_completion, stage_totals
from factory.decontamination.config import DecontaminationConfig
from factory.decontamination.report import contamination_report
from factory.decontamination.step import STEP as INDEX_STEP
from factory.evaluation.heldout import Exclusion
from factory.evaluation.heldout import exclusion as heldout_exclusion
from factory.mixing.pipeline import SELECTED, Decontamination, MixLayout, thresholds_from, tokenize_stages, weigh_stage
from factory.mixing.plan import MixPlan, plan_mix
from factory.mixing.recipe import MixRecipe
from factory.mixing.sampling import BINS, ShardSource
from factory.mixing.shards import EOS_TOKEN, SHARDS, token_size
from factory.models.identity import tokenizer_identity
from factory.steps import Step, StepPlan, StepResult, run_step
from factory.store import Manifest, Store, VersionWriter
from factory.store.task_layout import WORK
from factory.store.writer import LOGS_DIR

log = logging.getLogger(__name__)
# code versions: 2: histogram-threshold sampling, datatrove tokenization into .ds shards; 3: held-out documents dropped;
# 4: benchmark decontamination against the contamination index (a new input); 5: draws keyed by each input's partition,
# not its version id (a crawl file touched without a change no longer redraws every mix)
STEP = Step("mixed", code_version="5", libraries=("datatrove", "tokenizers", "numpy"))
ASSET = STEP.asset
DEFAULT_SHARD_TOKENS = 4_000_000


def build_mix(
    store: Store, recipe: MixRecipe, *, shard_tokens: int = DEFAULT_SHARD_TOKENS, tokenizer_dir: Path | None = None,
    run_id: str | None = None, executor: ExecutorSpec | None = None, exclusion: Exclusion | None = None,
    decontamination: DecontaminationConfig | None = None,
) -> StepResult:
    """``exclusion``: documents the mix must not contain; default every held-out evaluation document.
    ``decontamination``: what to do with a document holding a benchmark item (the current contamination index's)."""
    from factory.models import ensure_smollm2, load_tokenizer

    executor = executor or ExecutorSpec()
    tokenizer_dir = tokenizer_dir or ensure_smollm2()
    exclusion = exclusion or heldout_exclusion()
    decontamination = decontamination or DecontaminationConfig()
    sources = plan_mix(store, recipe)  # raises before any work on a bad recipe
    plan = plan_version(store, recipe, tokenizer_dir, exclusion, sources, decontamination)
    index = plan.inputs[-1]

    def build(writer: VersionWriter) -> StepResult:
        started = time.time()
        log.info("mix %s: %s", recipe.name, sources.summary())
        layout = _layout(store, writer, sources, exclusion, _decontamination(store, index, decontamination))
        in_process = executor.runs_in_process(sum(m.counts.get("documents", 0) for s in sources.sources for m in s.manifests))
        run_to_completion(weigh_stage(layout, recipe.seed, executor, in_process), f"mixed[{recipe.name}] (weigh)")
        thresholds = thresholds_from(_histograms(store, writer, layout, len(sources.sources)),
                                     [s.target_tokens for s in sources.sources])
        bytes_per_token = token_size(load_tokenizer(str(tokenizer_dir)).get_vocab_size())
        stages = tokenize_stages(layout, recipe.seed, thresholds, str(tokenizer_dir / "tokenizer.json"), shard_tokens,
                                 executor, in_process)
        run_stages(stages, f"mixed[{recipe.name}] (tokenize)")
        manifest = _commit(store, writer, sources, thresholds, bytes_per_token, time.time() - started, exclusion, index)
        store.fs.rm(f"{writer.dir}/{WORK}", recursive=True)  # histograms and per-task token files of a committed version
        log.info("mix %s: %d tokens in %.1f s", recipe.name, manifest.counts["tokens"], time.time() - started)
        return StepResult(manifest, reused=False, metadata={"sources": manifest.stats["sources"]})

    return run_step(store, plan, build, run_id=run_id,
                    operational={"shard_tokens": shard_tokens, "recipe_file": recipe.path, **executor.operational()})


def plan_version(store: Store, recipe: MixRecipe, tokenizer_dir: Path | None = None, exclusion: Exclusion | None = None,
                 sources: MixPlan | None = None, decontamination: DecontaminationConfig | None = None) -> StepPlan:
    """The mix's version: the recipe's content (not its description or role), the tokenizer, the held-out
    exclusion, what is done with contaminated documents, the source versions it reads and the current
    contamination index (the last input)."""
    from factory.models import ensure_smollm2

    sources = sources or plan_mix(store, recipe)
    exclusion = exclusion or heldout_exclusion()
    index = store.require_current(INDEX_STEP.asset, None)
    config = {"recipe": recipe.identity(), "tokenizer": tokenizer_identity(tokenizer_dir or ensure_smollm2()),
              "eos": EOS_TOKEN, "heldout_excluded": exclusion.digest,
              "contamination": (decontamination or DecontaminationConfig()).action}
    return STEP.plan(recipe.name, config, inputs=[*sources.manifests, index])


def _decontamination(store: Store, index: Manifest, config: DecontaminationConfig) -> Decontamination:
    folder = store.folder(store.version_dir(index.asset, index.partition, index.version))
    return Decontamination(folder, int(index.config["ngram_size"]), config.action)


def _layout(store: Store, writer: VersionWriter, plan: MixPlan, exclusion: Exclusion,
            decontamination: Decontamination) -> MixLayout:
    """The input shards of every source in recipe order."""
    lines, shards = [], []
    for index, source in enumerate(plan.sources):
        for manifest in source.manifests:
            base = store.version_dir(manifest.asset, manifest.partition, manifest.version)[len(store.root) + 1:]
            for entry in manifest.files_under(source.source.table):
                lines.append(f"{base}/{entry.path}")
                shards.append(ShardSource(index, manifest.partition, manifest.version))
    return MixLayout(root=store.folder(store.root), paths=tuple(lines), version=writer.folder, logs=writer.logs_folder(),
                     shards=tuple(shards), exclusion=exclusion, decontamination=decontamination)


def _histograms(store: Store, writer: VersionWriter, layout: MixLayout, sources: int) -> list[np.ndarray]:
    """Each source's token histogram, summed over its shards' histograms one file at a time."""
    totals = [np.zeros(BINS, dtype=np.int64) for _ in range(sources)]
    for rank, shard in enumerate(layout.shards):
        totals[shard.source] += np.load(io.BytesIO(store.get(f"{writer.dir}/{WORK}/weights/{rank:05d}.npy")))
    return totals


def _commit(store: Store, writer: VersionWriter, plan: MixPlan, thresholds, bytes_per_token: int, seconds: float,
            exclusion: Exclusion, contamination_index: Manifest):
    weighed = stage_totals(store, f"{writer.dir}/{LOGS_DIR}/weigh")
    sampled = stage_totals(store, f"{writer.dir}/{LOGS_DIR}/tokenize")
    merged = stage_totals(store, f"{writer.dir}/{LOGS_DIR}/merge")
    sources = []
    for index, (source_plan, threshold) in enumerate(zip(plan.sources, thresholds, strict=True)):
        sources.append({
            **plan.summary()[index], "tokens_given": int(sampled.get(f"source_{index}_tokens", 0)),
            "documents_given": int(sampled.get(f"source_{index}_documents", 0)), "full_passes": threshold.passes,
            "inputs": [{"asset": m.asset, "partition": m.partition, "version": m.version} for m in source_plan.manifests],
        })
    documents = sum(s["documents_given"] for s in sources)
    counts = {"tokens": int(merged.get("tokens", 0)), "documents": documents, "separators": documents,
              "unique_documents": writer.table_summaries().get(SELECTED, {}).get("rows", 0),
              "heldout_excluded": int(weighed.get("heldout_excluded", 0)),
              "contaminated_documents": int(sampled.get("contaminated", 0))}
    stats = {"sources": sources, "token_size": bytes_per_token, "dtype": "uint16" if bytes_per_token == 2 else "uint32",
             "shards": len([f for f in writer.committed_files(SHARDS) if f.endswith(".ds")]),
             "tokens_per_s": round(counts["tokens"] / max(seconds, 1e-9)), "heldout": exclusion.summary(),
             "categories": dict(zip(("documents", "tokens"), counted(sampled), strict=True)),
             "contamination": contamination_report(store, writer, contamination_index)}
    return writer.commit(counts=counts, stats=stats)
