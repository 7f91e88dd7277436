"""``python -m workers.generate_synthetic``: rephrase one (dump, recipe) partition (the ``synthetic`` step)
behind Dagster Pipes.

Extras: ``store_root``, ``store_endpoint``, ``dump``, ``recipe``, ``generator`` (the engine config without
secrets: an OpenAI-compatible server's key comes from ``FACTORY_GENERATOR_API_KEY``), ``synthetic`` (the
step config) and ``workers`` (engines on this node). An all-rejected partition commits nothing: it is
reported as the custom message ``all_rejected``, and the asset fails its blocking check and its run.
"""

from __future__ import annotations

import os

from dagster_pipes import open_dagster_pipes

from workers.report import open_store, prepare, report

API_KEY_ENV = "FACTORY_GENERATOR_API_KEY"


def main() -> None:
    prepare()
    from factory.generation import AllRejectedError, GeneratorConfig, SyntheticConfig, generate_synthetic, load_generator, load_recipe
    from factory.generation.backend import LazyGenerator

    with open_dagster_pipes() as pipes:
        extras = pipes.extras
        generator_config = GeneratorConfig(**extras["generator"], api_key=os.environ.get(API_KEY_ENV, "EMPTY"))
        engine = LazyGenerator(generator_config, lambda: load_generator(generator_config))
        recipe = load_recipe(extras["recipe"])
        try:
            result = generate_synthetic(open_store(extras), engine, dump=extras["dump"], recipe=recipe,
                                        config=SyntheticConfig.from_dict(extras["synthetic"]), run_id=pipes.run_id,
                                        logger=pipes.log, workers=int(extras.get("workers", 1)))
        except AllRejectedError as error:
            pipes.report_custom_message({"all_rejected": {"message": str(error), "rejections": error.rejections,
                                                          "samples": error.samples}})
            return
        finally:
            engine.close()
        stats = result.manifest.stats
        report(pipes, result, recipe=recipe.tag, tokens_per_s=stats.get("tokens_per_s"))


if __name__ == "__main__":
    main()
