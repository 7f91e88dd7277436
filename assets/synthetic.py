"""Synthetic rephrasing: `synthetic[dump x recipe]`, generated on the `gpu` pool, with checks.

Recipes are dynamic partitions added from the recipe files (the recipe sensor, and the demo in
process). The asset launches the generation behind Dagster Pipes (``workers.generate_synthetic``,
through the ``gpu_launcher`` resource): it reads the configured source dataset (``deduped`` by
default) of its dump in bounded batches, generates in chunks committed one by one (on N engines
with ``workers``), and the asset reports diversity, rejections by reason and samples from the
committed version. A partition whose outputs are all rejected fails its blocking check and its run.
"""

import dataclasses
import json

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    DynamicPartitionsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    MultiPartitionKey,
    MultiPartitionsDefinition,
)

from assets.metadata import category_metadata, faithfulness_metadata
from assets.partitions import by_dump, dumps
from assets.plans import partition_keys, plans
from assets.step_asset import step_asset
from factory import generation
from factory.generation import diversity_problems, load_recipe
from factory.generation.step import REJECTED, plan_partition
from factory.models.identity import model_label
from factory.store import Manifest, Store
from factory.steps import StepPlan
from factory.store.sample_rows import first_rows
from resources import StoreResource
from resources.generator import GeneratorResource
from resources.gpu_launcher import GpuLauncherResource
from resources.synthetic import SyntheticSettingsResource

recipes = DynamicPartitionsDefinition(name="recipes")
synthetic_partitions = MultiPartitionsDefinition({"dump": dumps, "recipe": recipes})
SAMPLES = 3
REJECTED_SCAN = 500  # rejected rows looked at for one sample per reason
SAMPLE_COLUMNS = ["source_id", "text", "metadata"]


def synthetic_key(dump: str, recipe: str) -> MultiPartitionKey:
    return MultiPartitionKey({"dump": dump, "recipe": recipe})


@step_asset(
    generation.STEP,
    partitions_def=synthetic_partitions,
    deps=[AssetDep("deduped", partition_mapping=by_dump()), AssetDep("category_classifier")],
    pool="gpu",
    group_name="synthetic",
    kinds={"vllm", "parquet"},
    check_specs=[
        AssetCheckSpec("accepted_outputs", asset="synthetic", blocking=True,
                       description="some outputs pass the output checks (fails loudly when all are rejected)"),
        AssetCheckSpec("diversity", asset="synthetic",
                       description="outputs are not template-locked: shared openings, distinct-2, compression ratio"),
    ],
    description="One row per synthetic document: a source document of the dump rephrased by one recipe, with its lineage.",
)
def synthetic(context: AssetExecutionContext, store: StoreResource, generator: GeneratorResource,
              synthetic_settings: SyntheticSettingsResource, gpu_launcher: GpuLauncherResource):
    """Generated outside this process: ``python -m workers.generate_synthetic`` behind Dagster Pipes, on this
    machine or a GPU pod; the checks and the display metadata are read back from the committed version."""
    keys = context.partition_key.keys_by_dimension
    dump, recipe_name = keys["dump"], keys["recipe"]
    recipe = load_recipe(recipe_name)
    engine_config = generator.generator_config()
    context.log.info(f"synthetic {dump}/{recipe.tag}: {engine_config.backend} {engine_config.model}")
    extras = {
        **store.pipes_extras(), "dump": dump, "recipe": recipe_name, "workers": synthetic_settings.workers,
        "generator": {k: v for k, v in dataclasses.asdict(engine_config).items() if k != "api_key"},
        "synthetic": synthetic_settings.step_config().to_dict(),
    }
    invocation = gpu_launcher.run(context, "workers.generate_synthetic", extras, env=generator.worker_env())
    for message in invocation.get_custom_messages():
        if isinstance(message, dict) and "all_rejected" in message:
            rejected = message["all_rejected"]
            metadata = {"rejections": MetadataValue.json(rejected["rejections"]),
                        "rejected_samples": MetadataValue.md(_samples_markdown(rejected["samples"]))}
            yield AssetCheckResult(check_name="accepted_outputs", passed=False, severity=AssetCheckSeverity.ERROR,
                                   description=rejected["message"], metadata=metadata)
            raise Failure(description=rejected["message"], metadata=metadata)
    reported = invocation.get_materialize_result()
    factory_store = store.get()
    manifest = factory_store.read_manifest("synthetic", {"dump": dump, "recipe": recipe_name},
                                           str(reported.metadata["store_version"].value))
    yield MaterializeResult(data_version=reported.data_version,
                            metadata={**reported.metadata, **_display_metadata(factory_store, manifest, recipe)})
    yield accepted_outputs_check(manifest, synthetic_settings.min_accepted_share)
    diversity = manifest.stats.get("diversity", {})
    problems = diversity_problems(diversity, synthetic_settings.diversity_thresholds())
    yield AssetCheckResult(
        check_name="diversity", passed=not problems, severity=AssetCheckSeverity.WARN,
        description="; ".join(problems) or f"{diversity.get('outputs', 0)} outputs within the diversity thresholds",
        metadata={"diversity": MetadataValue.json(diversity)},
    )


@plans("synthetic")
def plan_synthetic(planner, partition: str) -> StepPlan:
    keys = partition_keys(partition)
    return plan_partition(planner.store, keys["dump"], load_recipe(keys["recipe"]),
                          planner.resources["synthetic_settings"].step_config(), planner.resources["generator"].generator_config())


def _model_label(model) -> str:
    """``name@<12 hex of its content hash>``; versions committed before models were hashed name the folder only."""
    return model_label(model) if isinstance(model, dict) else str(model or "")


def _display_metadata(store: Store, manifest: Manifest, recipe) -> dict:
    stats = manifest.stats
    diversity = stats.get("diversity", {})
    requests = manifest.counts.get("requests", 0)
    rejections = stats.get("rejections", {})
    return {
        "recipe": recipe.tag, "follows": recipe.follows, "model": _model_label(manifest.config.get("model")),
        "backend": manifest.config.get("backend", ""), "tokens_in": stats.get("tokens_in", 0),
        "tokens_out": stats.get("tokens_out", 0), "tokens_per_s": stats.get("tokens_per_s", 0.0),
        "accelerator_hours": MetadataValue.json(stats.get("accelerator_hours", {})),
        "accepted_share": round(manifest.counts.get("accepted", 0) / requests, 4) if requests else 0.0,
        "rejections": MetadataValue.json(rejections),
        "rejection_rates": MetadataValue.json({r: round(n / requests, 4) for r, n in rejections.items()} if requests else {}),
        "diversity": MetadataValue.json(diversity),
        "same_first_sentence_share": diversity.get("same_first_sentence_share", 0.0),
        "distinct_2": diversity.get("distinct_2", 0.0), "distinct_3": diversity.get("distinct_3", 0.0),
        "compression_ratio": diversity.get("compression_ratio", 0.0),
        "samples": MetadataValue.md(_samples_markdown(_read_samples(store, manifest, "documents"))),
        "rejected_samples": MetadataValue.md(_samples_markdown(_read_samples(store, manifest, REJECTED))),
        **faithfulness_metadata(stats.get("faithfulness", {}), rejections.get("unfaithful", 0), requests,
                                manifest.config.get("checks", {}).get("unfaithful_min_score")),
        **(category_metadata(stats["categories"]) if stats.get("categories", {}).get("documents") else {}),
    }


def accepted_outputs_check(manifest: Manifest, min_accepted_share: float) -> AssetCheckResult:
    requests, accepted = manifest.counts.get("requests", 0), manifest.counts.get("accepted", 0)
    share = accepted / requests if requests else 0.0
    passed = requests == 0 or (accepted > 0 and share >= min_accepted_share)
    return AssetCheckResult(
        check_name="accepted_outputs", passed=passed, severity=AssetCheckSeverity.ERROR,
        description=(f"{accepted} of {requests} outputs kept ({share:.0%}; minimum {min_accepted_share:.0%})" if requests
                     else "no source document fits the recipe: nothing to generate"),
        metadata={"accepted": accepted, "requests": requests, "accepted_share": round(share, 4)},
    )


def _read_samples(store: Store, manifest: Manifest, table: str) -> list[dict]:
    """A few rows to show (a bounded read): the first outputs, or one rejected output per reason."""
    base = store.version_dir(manifest.asset, manifest.partition, manifest.version)
    paths = [entry.path for entry in manifest.files_under(table)]
    if table != REJECTED:
        return first_rows(store, base, paths, SAMPLES, SAMPLE_COLUMNS)
    seen, picked = set(), []
    for row in first_rows(store, base, paths, REJECTED_SCAN, SAMPLE_COLUMNS + ["reason"]):
        if row["reason"] not in seen:
            seen.add(row["reason"])
            picked.append(row)
    return picked


def _samples_markdown(samples: list[dict]) -> str:
    if not samples:
        return "_none_"
    blocks = []
    for number, row in enumerate(samples, 1):
        reason = f" — rejected: **{row['reason']}**" if row.get("reason") else ""
        meta = json.loads(row["metadata"]) if row.get("metadata") else {}
        finish = f", finish {meta['finish_reason']}, {meta.get('output_tokens', '?')} tokens" if meta else ""
        text = (row.get("text") or "").strip()
        body = text[:1500] + (" …" if len(text) > 1500 else "")
        quoted = "\n".join(f"> {line}" for line in body.splitlines()) or "> _(empty)_"
        blocks.append(f"**Sample {number}** (source `{row.get('source_id', '')}`{finish}){reason}\n\n{quoted}")
    return "\n\n".join(blocks)
