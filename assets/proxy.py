"""Mixes, proxy models, their evaluations and the leaderboard.

`mixed[mix]` samples a recipe's sources to its token budget, less the held-out evaluation
documents; `proxy_model[mix]` trains a Llama from scratch on it per seed (gpu pool);
`proxy_eval[mix]` runs lm-eval on every seed's checkpoint; the unpartitioned `leaderboard` ranks
every mix's current evaluation and decides every pair with the seed as the unit of noise, with a
check that fails unless each candidate beats its baseline at the configured confidence.
"""

from dagster import (
    AllPartitionMapping,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetDep,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset_check,
)

from assets import metadata
from assets.partitions import mixes
from assets.plans import plans
from assets.results import materialize_result
from assets.step_asset import step_asset
from factory.evaluation import leaderboard as board
from factory.evaluation import ranking
from factory.evaluation.heldout import exclusion as heldout_exclusion
from factory.evaluation.leaderboard_report import repeats_label
from factory.evaluation.repetition import describe, repeated_sources
from factory.evaluation.step import STEP as EVAL_STEP
from factory.evaluation.step import evaluate_proxy, plan_evaluation
from factory.mixing import MixRecipeError
from factory.mixing.heldout_check import heldout_leaks
from factory.mixing.recipe import baseline_of
from factory.mixing.step import STEP as MIXED_STEP
from factory.mixing.step import build_mix, plan_version
from factory.steps import StepPlan
from factory.training.step import STEP as PROXY_STEP
from resources import StoreResource
from resources.decisions import DecisionsResource
from resources.decontamination import DecontaminationResource
from resources.evaluator import EvaluatorResource
from resources.executor import ExecutorResource
from resources.gpu_launcher import GpuLauncherResource
from resources.trainer import MixRecipesResource, TrainerResource


def _recipe(mix_recipes: MixRecipesResource, name: str):
    recipes = mix_recipes.load()
    if name not in recipes:
        raise Failure(description=f"mix {name!r} has no recipe file in {mix_recipes.folder or 'the mixes folder'}: add {name}.yaml or drop the partition")
    return recipes[name]


@step_asset(
    MIXED_STEP,
    partitions_def=mixes,
    deps=[*(AssetDep(name, partition_mapping=AllPartitionMapping())
            for name in ("filtered", "deduped", "synthetic", "edu_filtered", "semantic_deduped")), AssetDep("contamination_index")],
    group_name="mixing",
    kinds={"datatrove", "parquet"},
    description="One token stream per mix: documents sampled to the recipe's weights and budget (held-out evaluation documents "
                "and documents holding benchmark items dropped), shuffled, SmolLM2-tokenized into shards.",
)
def mixed(context: AssetExecutionContext, store: StoreResource, mix_recipes: MixRecipesResource, executor: ExecutorResource,
          decontamination: DecontaminationResource):
    recipe = _recipe(mix_recipes, context.partition_key)
    try:
        result = build_mix(store.get(), recipe, run_id=context.run_id, executor=executor.get_spec(),
                           decontamination=decontamination.get_config())
    except MixRecipeError as error:
        raise Failure(description=str(error)) from error
    context.log.info(f"mixed {recipe.name}: {result.manifest.counts.get('tokens', 0):,} tokens (reused={result.reused})")
    stats = result.manifest.stats
    categories = metadata.category_metadata(stats["categories"], unit="tokens") if stats.get("categories") else {}
    return materialize_result(result, sources=MetadataValue.json(stats.get("sources", [])),
                              heldout_excluded=result.manifest.counts.get("heldout_excluded", 0), **categories,
                              **metadata.contamination_metadata(stats["contamination"]))


@plans("mixed")
def plan_mixed(planner, partition: str) -> StepPlan:
    recipes = planner.resources["mix_recipes"].load()
    if partition not in recipes:
        raise LookupError(f"mix {partition!r} has no recipe file")
    return plan_version(planner.store, recipes[partition], decontamination=planner.resources["decontamination"].get_config())


@asset_check(asset=mixed, blocking=True, description="no held-out evaluation document (by id or text hash) is in the mix's selected documents")
def heldout_not_in_mix(context, store: StoreResource) -> AssetCheckResult:
    factory_store = store.get()
    manifest = factory_store.require_current("mixed", context.partition_key) if context.has_partition_key else None
    if manifest is None:
        return AssetCheckResult(passed=True, description="not partitioned: nothing to check")
    exclusion = heldout_exclusion()
    found, examples = heldout_leaks(factory_store, manifest, exclusion)
    return AssetCheckResult(
        passed=found == 0, severity=AssetCheckSeverity.ERROR,
        description=(f"{manifest.short}: none of the {len(exclusion.ids):,} held-out documents is in the mix" if not found else
                     f"{manifest.short}: {found} held-out documents are in the mix (e.g. {examples}): rebuild it with this code"),
        metadata={"heldout_documents": len(exclusion.ids), "leaked": found, "heldout_digest": exclusion.digest,
                  "excluded_when_mixed": manifest.counts.get("heldout_excluded")},
    )


@asset_check(asset=mixed, description="no source is repeated more than the decisions resource's flag_repeats_over times")
def repetition(context, store: StoreResource, decisions: DecisionsResource) -> AssetCheckResult:
    manifest = store.get().require_current("mixed", context.partition_key) if context.has_partition_key else None
    if manifest is None:
        return AssetCheckResult(passed=True, description="not partitioned: nothing to check")
    sources, over = manifest.stats.get("sources", []), decisions.get_config().flag_repeats_over
    flagged = repeated_sources(sources, over)
    most = max((s.get("repeats") or 0 for s in sources), default=0)
    return AssetCheckResult(
        passed=not flagged, severity=AssetCheckSeverity.WARN,
        description=(f"{manifest.short} repeats {describe(flagged)}: over {over:g} passes, its share is mostly repetition"
                     if flagged else f"{manifest.short}: at most {most:.2g} passes over one source (flagged over {over:g})"),
        metadata={"max_repeats": float(most), "flag_repeats_over": float(over),
                  "flagged": MetadataValue.json(flagged)},
    )


@step_asset(
    PROXY_STEP,
    partitions_def=mixes,
    deps=["mixed"],
    pool="gpu",
    group_name="proxy",
    kinds={"pytorch", "safetensors"},
    description="One checkpoint per seed per mix: Llama-architecture proxies trained from scratch on the mix (seed = init and data "
                "order), with loss curves, tokens/s, MFU.",
)
def proxy_model(context: AssetExecutionContext, store: StoreResource, trainer: TrainerResource,
                gpu_launcher: GpuLauncherResource):
    """Trained outside this process: ``python -m workers.train_proxy`` behind Dagster Pipes, on this machine or a GPU pod."""
    config = trainer.get_config()
    extras = {**store.pipes_extras(), "mix": context.partition_key, "proxy_config": config.to_dict()}
    reported = gpu_launcher.run(context, "workers.train_proxy", extras).get_materialize_result()
    manifest = store.get().read_manifest("proxy_model", context.partition_key, str(reported.metadata["store_version"].value))
    display = {**reported.metadata,
               "loss_curve": metadata.stored_image(store.get(), manifest, "plots/loss_curve.png", "Training loss per token, one line per seed"),
               "per_seed": metadata.table(manifest.stats.get("per_seed", []), SEED_COLUMNS)}
    return MaterializeResult(data_version=reported.data_version, metadata=display)


@plans("proxy_model")
def plan_proxy_model(planner, partition: str) -> StepPlan:
    from factory.training.step import plan_proxy

    return plan_proxy(planner.store, partition, planner.resources["trainer"].get_config())


@step_asset(
    EVAL_STEP,
    partitions_def=mixes,
    deps=["proxy_model"],
    pool="gpu",
    group_name="proxy",
    kinds={"lm-eval"},
    description="One row per (seed, item) for a mix's proxies: acc, acc_norm, probability of the correct choice, its bits per byte, "
                "the margin; and the bits per byte of every held-out document.",
)
def proxy_eval(context: AssetExecutionContext, store: StoreResource, evaluator: EvaluatorResource):
    config = evaluator.get_config()
    result = evaluate_proxy(store.get(), context.partition_key, config, run_id=context.run_id)
    stats = result.manifest.stats
    scores = [{"task": task, **score} for task, score in stats["scores"].items()]
    metrics = [{"metric": name, "mean": value["mean"], "seed_std": value["seed_std"],
                "per_seed": ", ".join(f"{v:.4f}" for v in value["per_seed"])} for name, value in stats["metrics"].items()]
    return materialize_result(
        result, aggregate_centred=stats["aggregate_centred"], seeds=len(stats["seeds"]),
        **{f"heldout_bpb_{domain}": value for domain, value in stats["heldout_bpb"].items()},
        metrics=metadata.table(metrics, METRIC_COLUMNS), scores=metadata.table(scores, SCORE_COLUMNS),
    )


@plans("proxy_eval")
def plan_proxy_eval(planner, partition: str) -> StepPlan:
    return plan_evaluation(planner.store, partition, planner.resources["evaluator"].get_config())


SEED_COLUMNS = [("seed", "int"), ("final_loss", "float"), ("tokens", "int"), ("epochs_over_mix", "float"), ("train_seconds", "float")]
METRIC_COLUMNS = [("metric", "string"), ("mean", "float"), ("seed_std", "float"), ("per_seed", "string")]
SCORE_COLUMNS = [("task", "string"), ("metric", "string"), ("value", "float"), ("stderr", "float"), ("centred", "float"),
                 ("seed_std", "float"), ("items", "int")]


@step_asset(
    board.STEP,
    deps=[AssetDep("proxy_eval", partition_mapping=AllPartitionMapping())],
    group_name="proxy",
    kinds={"parquet", "matplotlib"},
    description="One row per mix, ranked by the primary metric over seeds, and one decision per pair of mixes "
                "(A better / B better / undecided, with its interval): the seed is the unit of noise.",
)
def leaderboard(context: AssetExecutionContext, store: StoreResource, mix_recipes: MixRecipesResource, decisions: DecisionsResource):
    recipes = mix_recipes.load()
    roles = {name: recipe.role for name, recipe in recipes.items()}
    known = {name: recipe.known_better_than for name, recipe in recipes.items() if recipe.known_better_than}
    try:
        result = board.build_leaderboard(store.get(), roles, config=decisions.get_config(), known_better=known, run_id=context.run_id)
    except LookupError as error:
        raise Failure(description=str(error)) from error
    factory_store, manifest = store.get(), result.manifest
    stats = manifest.stats
    return materialize_result(
        result, plot=metadata.stored_image(factory_store, manifest, "plots/leaderboard.png", "Per-seed values and pairwise intervals"),
        **leaderboard_tables(stats, decisions.primary_metric),
        summary=MetadataValue.md(factory_store.get(f"{factory_store.version_dir(manifest.asset, manifest.partition, manifest.version)}/leaderboard.md").decode()),
    )


@plans("leaderboard")
def plan_leaderboard(planner, partition: None) -> StepPlan:
    recipes = planner.resources["mix_recipes"].load()
    roles = {name: recipe.role for name, recipe in recipes.items()}
    known = {name: recipe.known_better_than for name, recipe in recipes.items() if recipe.known_better_than}
    return board.plan_leaderboard(planner.store, roles, config=planner.resources["decisions"].get_config(), known_better=known)


# Narrow tables that fit the asset page at 1,600 px (the metadata's value column is about 500 px there): the ranking,
# the decisions and the known answers with few columns and cells that can wrap; the other metrics in long form (one
# row per mix and metric); the lineage, long lines, as a table of its own instead of a column that made rows tall.
RANKING_COLUMNS = [("rank", "int"), ("mix", "string"), ("seed_std", "float"), ("repeats", "string")]
DECISION_COLUMNS = [("a", "string"), ("b", "string"), ("verdict", "string"), ("estimate", "float"), ("interval", "string")]
KNOWN_COLUMNS = [("better", "string"), ("worse", "string"), ("outcome", "string"), ("estimate", "float"), ("interval", "string")]
OTHER_METRICS = ("heldout_bpb", "task_bpb", "prob_correct", "centred_acc", "synthetic_faithfulness")


def leaderboard_tables(stats: dict, primary_metric: str) -> dict[str, MetadataValue]:
    """The leaderboard's rows as the asset page's tables; the primary metric's column carries its name, and the other
    metrics table leaves it out (one name, one place, per metric)."""
    rows = stats.get("rows", [])
    metric = rows[0]["primary_metric"] if rows else primary_metric
    ranking = [{**row, "mix": _mix_with_role(row), metric: row["primary"], "repeats": repeats_label(row)} for row in rows]
    others = [{"mix": row["mix"], "metric": name, "value": row.get(name)} for row in rows for name in OTHER_METRICS
              if name != metric]
    decisions = [_with_interval(d) for d in stats.get("decisions", []) if d.get("metric", metric) == metric]
    return {
        "leaderboard": metadata.table(ranking, [*RANKING_COLUMNS[:2], (metric, "float"), *RANKING_COLUMNS[2:]]),
        "decisions": metadata.table(decisions, DECISION_COLUMNS),
        "known_answers": metadata.table([_with_interval(k) for k in stats.get("known_answers", [])], KNOWN_COLUMNS),
        "other_metrics": metadata.table(others, [("mix", "string"), ("metric", "string"), ("value", "float")]),
        "lineage": metadata.table([{"mix": row["mix"], "lineage": row["lineage"].replace("@", " @ ")} for row in rows],
                                  [("mix", "string"), ("lineage", "string")]),
    }


def _mix_with_role(row: dict) -> str:
    return f"{row['mix']} ({row['role']})" if row.get("role") else row["mix"]


def _with_interval(decision: dict) -> dict:
    return {**decision, "interval": f"[{decision['low']:+.4f}, {decision['high']:+.4f}]"}


@asset_check(asset=leaderboard, description="every mix marked candidate beats its baseline on the primary metric at the configured "
                                             "confidence by the minimum effect; one that does not (undecided, or worse) is a "
                                             "result, shown as a warning: nothing in the factory failed")
def candidate_beats_baseline(store: StoreResource, mix_recipes: MixRecipesResource, decisions: DecisionsResource) -> AssetCheckResult:
    recipes = mix_recipes.load()
    config = decisions.get_config()
    results = ranking.collect(store.get(), {n: r.role for n, r in recipes.items()})
    evaluated = {r.mix for r in results}
    promotions = []
    for recipe in recipes.values():
        baseline = baseline_of(recipe, recipes)
        if recipe.role == "candidate" and baseline and recipe.name in evaluated and baseline in evaluated:
            promotions.append(ranking.promotion(results, recipe.name, baseline, config))
    if not promotions:
        return AssetCheckResult(passed=True, description="no evaluated candidate with an evaluated baseline to compare",
                                metadata={"evaluated_mixes": sorted(evaluated)})
    return AssetCheckResult(
        passed=all(p.passed for p in promotions), severity=AssetCheckSeverity.WARN,
        description="; ".join(p.describe() for p in promotions),
        metadata={p.candidate: {"baseline": p.baseline, "promoted": p.passed, **p.decision.to_dict()} for p in promotions},
    )
