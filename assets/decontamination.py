"""The contamination index: what no mix may be trained on (every benchmark item the evaluator runs, every
held-out document) as n-grams; every `mixed` version checks its sources' documents against it."""

from dagster import AssetExecutionContext, MetadataValue

from assets import metadata
from assets.results import materialize_result
from assets.plans import plans
from assets.step_asset import step_asset
from factory.decontamination.step import STEP, build_index, plan_index
from factory.steps import StepPlan
from resources import StoreResource
from resources.decontamination import DecontaminationResource
from resources.evaluator import EvaluatorResource


@step_asset(
    STEP,
    group_name="mixing",
    kinds={"numpy", "parquet"},
    description="The 13-gram index of every benchmark item the evaluator runs and every held-out document, "
                "versioned by the task files' content; every mix is decontaminated against it.",
)
def contamination_index(context: AssetExecutionContext, store: StoreResource, evaluator: EvaluatorResource,
                        decontamination: DecontaminationResource):
    result = build_index(store.get(), evaluator.get_config(), decontamination.get_config(), run_id=context.run_id)
    sources = [{"source": name, **values} for name, values in result.manifest.stats["sources"].items()]
    return materialize_result(result, sources=metadata.table(sources, [("source", "string"), ("items", "int"),
                                                                       ("indexed", "int"), ("ngrams", "int")]),
                              note=MetadataValue.md("An item is *indexed* when one of its texts is at least one n-gram "
                                                    "long; shorter items cannot be found by n-grams."))


@plans("contamination_index")
def plan_contamination_index(planner, partition: None) -> StepPlan:
    return plan_index(planner.resources["evaluator"].get_config(), planner.resources["decontamination"].get_config())
