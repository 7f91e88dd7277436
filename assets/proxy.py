"""Mixes, proxy models, their evaluations and the leaderboard.

`mixed[mix]` samples a recipe's sources to its token budget; `proxy_model[mix]` trains a
Llama from scratch on it (gpu pool); `proxy_eval[mix]` runs lm-eval on the checkpoint; the
unpartitioned `leaderboard` compares every mix's current evaluation, with a check that each
candidate mix beats its baseline by more than the standard error.
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
    asset,
    asset_check,
)

from assets import metadata
from assets.partitions import mixes
from assets.results import materialize_result
from factory.evaluation import leaderboard as board
from factory.evaluation.step import evaluate_proxy
from factory.mixing import MixRecipeError
from factory.mixing.recipe import baseline_of
from factory.mixing.step import CODE_VERSION as MIXED_CODE_VERSION
from factory.mixing.step import build_mix
from resources import StoreResource
from resources.evaluator import EvaluatorResource
from resources.executor import ExecutorResource
from resources.gpu_launcher import GpuLauncherResource
from resources.trainer import MixRecipesResource, TrainerResource


def _recipe(mix_recipes: MixRecipesResource, name: str):
    recipes = mix_recipes.load()
    if name not in recipes:
        raise Failure(description=f"mix {name!r} has no recipe file in {mix_recipes.folder or 'the mixes folder'}: add {name}.yaml or drop the partition")
    return recipes[name]


@asset(
    partitions_def=mixes,
    deps=[AssetDep("deduped", partition_mapping=AllPartitionMapping()), AssetDep("synthetic", partition_mapping=AllPartitionMapping())],
    code_version=MIXED_CODE_VERSION,
    group_name="mixing",
    owners=metadata.OWNERS,
    kinds={"datatrove", "parquet"} | metadata.store_kinds(),
    description="One token stream per mix: documents sampled to the recipe's weights and budget, shuffled, SmolLM2-tokenized into shards.",
)
def mixed(context: AssetExecutionContext, store: StoreResource, mix_recipes: MixRecipesResource, executor: ExecutorResource):
    recipe = _recipe(mix_recipes, context.partition_key)
    try:
        result = build_mix(store.get(), recipe, run_id=context.run_id, executor=executor.get_spec())
    except MixRecipeError as error:
        raise Failure(description=str(error)) from error
    context.log.info(f"mixed {recipe.name}: {result.manifest.counts.get('tokens', 0):,} tokens (reused={result.reused})")
    return materialize_result(result, sources=MetadataValue.json(result.manifest.stats.get("sources", [])))


@asset(
    partitions_def=mixes,
    deps=["mixed"],
    code_version="1",
    pool="gpu",
    group_name="proxy",
    owners=metadata.OWNERS,
    kinds={"pytorch", "safetensors"} | metadata.store_kinds(),
    description="One checkpoint per mix: a Llama-architecture proxy trained from scratch on the mix, with loss curve, tokens/s, MFU.",
)
def proxy_model(context: AssetExecutionContext, store: StoreResource, trainer: TrainerResource,
                gpu_launcher: GpuLauncherResource):
    """Trained outside this process: ``python -m workers.train_proxy`` behind Dagster Pipes, on this machine or a GPU pod."""
    config = trainer.get_config()
    extras = {**store.pipes_extras(), "mix": context.partition_key, "proxy_config": config.to_dict()}
    reported = gpu_launcher.run(context, "workers.train_proxy", extras).get_materialize_result()
    manifest = store.get().read_manifest("proxy_model", context.partition_key, str(reported.metadata["store_version"].value))
    display = {**reported.metadata,
               "loss_curve": metadata.stored_image(store.get(), manifest, "plots/loss_curve.png", "Training loss per token")}
    return MaterializeResult(data_version=reported.data_version, metadata=display)


@asset(
    partitions_def=mixes,
    deps=["proxy_model"],
    code_version="1",
    pool="gpu",
    group_name="proxy",
    owners=metadata.OWNERS,
    kinds={"lm-eval"} | metadata.store_kinds(),
    description="One row per task for a mix's proxy: acc and acc_norm with stderr, chance, centred accuracy.",
)
def proxy_eval(context: AssetExecutionContext, store: StoreResource, evaluator: EvaluatorResource):
    config = evaluator.get_config()
    result = evaluate_proxy(store.get(), context.partition_key, config, run_id=context.run_id)
    stats = result.manifest.stats
    scores = [{"task": task, **score} for task, score in stats["scores"].items()]
    return materialize_result(
        result, aggregate_centred=stats["aggregate_centred"], aggregate_stderr=stats["aggregate_stderr"],
        scores=metadata.table(scores, SCORE_COLUMNS),
    )


SCORE_COLUMNS = [("task", "string"), ("metric", "string"), ("value", "float"), ("stderr", "float"), ("centred", "float"),
                 ("items", "int")]


@asset(
    deps=[AssetDep("proxy_eval", partition_mapping=AllPartitionMapping())],
    code_version="1",
    group_name="proxy",
    owners=metadata.OWNERS,
    kinds={"parquet", "matplotlib"} | metadata.store_kinds(),
    description="One row per mix: aggregate and per-task scores with stderr, tokens, and the mix's sources and versions.",
)
def leaderboard(context: AssetExecutionContext, store: StoreResource, mix_recipes: MixRecipesResource):
    roles = {name: recipe.role for name, recipe in mix_recipes.load().items()}
    try:
        result = board.build_leaderboard(store.get(), roles, run_id=context.run_id)
    except LookupError as error:
        raise Failure(description=str(error)) from error
    factory_store, manifest = store.get(), result.manifest
    rows = manifest.stats.get("rows", [])
    return materialize_result(
        result, plot=metadata.stored_image(factory_store, manifest, "plots/leaderboard.png", "Aggregate and per-task scores, ± stderr"),
        leaderboard=metadata.table(rows, LEADERBOARD_COLUMNS),
    )


LEADERBOARD_COLUMNS = [("rank", "int"), ("mix", "string"), ("role", "string"), ("aggregate_centred", "float"),
                       ("aggregate_stderr", "float"), ("tokens_trained", "int"), ("final_loss", "float"), ("lineage", "string")]


@asset_check(asset=leaderboard, description="every mix marked candidate beats its baseline by more than the stderr of the difference")
def candidate_beats_baseline(store: StoreResource, mix_recipes: MixRecipesResource) -> AssetCheckResult:
    recipes = mix_recipes.load()
    rows, _ = board.collect(store.get(), {n: r.role for n, r in recipes.items()})
    evaluated = {r.mix for r in rows}
    comparisons = []
    for recipe in recipes.values():
        baseline = baseline_of(recipe, recipes)
        if recipe.role == "candidate" and baseline and recipe.name in evaluated and baseline in evaluated:
            comparisons.append(board.compare(rows, recipe.name, baseline))
    if not comparisons:
        return AssetCheckResult(passed=True, description="no evaluated candidate with an evaluated baseline to compare",
                                metadata={"evaluated_mixes": sorted(evaluated)})
    return AssetCheckResult(
        passed=all(c.passed for c in comparisons), severity=AssetCheckSeverity.WARN,
        description="; ".join(c.describe() for c in comparisons),
        metadata={c.candidate: {"baseline": c.baseline, "difference": c.difference, "stderr": c.stderr, "passed": c.passed} for c in comparisons},
    )
