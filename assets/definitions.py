"""The factory's Definitions: every asset, job, sensor and resource, merged in one place."""

from __future__ import annotations

import os

from dagster import Definitions, load_assets_from_modules

from assets import crawl, curation, proxy, synthetic
from assets.curation_sensors import deduped_job, deduped_sensor
from assets.jobs import crawl_job
from assets.proxy_sensors import leaderboard_job, mix_job, mix_sensor, proxy_job, training_sensor
from assets.sensors import crawl_sensor
from assets.synthetic_sensors import recipe_sensor, synthetic_job, synthetic_sensor
from resources import CrawlResource, StoreResource
from resources.curation import CurationResource
from resources.evaluator import EvaluatorResource
from resources.executor import ExecutorResource
from resources.generator import GeneratorResource
from resources.gpu_launcher import GpuLauncherResource
from resources.synthetic import SyntheticSettingsResource
from resources.trainer import MixRecipesResource, TrainerResource


def build_resources() -> dict:
    """One set of resource keys; the environment (FACTORY_STORE, FACTORY_CRAWL...) picks local or S3."""
    return {"store": StoreResource(), "crawl": CrawlResource(), "curation_settings": CurationResource(),
            "executor": ExecutorResource(), "generator": GeneratorResource(), "synthetic_settings": SyntheticSettingsResource(),
            "mix_recipes": MixRecipesResource(), "trainer": TrainerResource(), "evaluator": EvaluatorResource(),
            "gpu_launcher": GpuLauncherResource(kind=os.environ.get("FACTORY_GPU_LAUNCHER", "subprocess"),
                                                image=os.environ.get("FACTORY_IMAGE"),
                                                namespace=os.environ.get("FACTORY_K8S_NAMESPACE"))}


defs = Definitions(
    assets=load_assets_from_modules([crawl, curation, synthetic, proxy]),
    jobs=[crawl_job, deduped_job, synthetic_job, mix_job, proxy_job, leaderboard_job],
    sensors=[crawl_sensor, deduped_sensor, recipe_sensor, synthetic_sensor, mix_sensor, training_sensor],
    resources=build_resources(),
)
