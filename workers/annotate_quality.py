"""``python -m workers.annotate_quality``: the LLM grades a sample of documents (the ``quality_annotations`` step)
behind Dagster Pipes, on this machine or a GPU pod.

Extras: ``store_root``, ``store_endpoint``, ``annotation`` (the step config), ``dumps`` and ``generator`` (the
engine config without secrets: an OpenAI-compatible server's key comes from ``FACTORY_GENERATOR_API_KEY``).
"""

from __future__ import annotations

import os

from dagster_pipes import open_dagster_pipes

from workers.generate_synthetic import API_KEY_ENV
from workers.report import open_store, prepare, report




def main() -> None:
    prepare()
    from factory.generation import GeneratorConfig, load_generator
    from factory.generation.backend import LazyGenerator
    from factory.quality.annotations_step import AnnotationConfig, annotate_documents

    with open_dagster_pipes() as pipes:
        extras = pipes.extras
        generator_config = GeneratorConfig(**extras["generator"], api_key=os.environ.get(API_KEY_ENV, "EMPTY"))
        engine = LazyGenerator(generator_config, lambda: load_generator(generator_config))
        try:
            result = annotate_documents(open_store(extras), AnnotationConfig(**extras["annotation"]), extras["dumps"],
                                        generator=engine, run_id=pipes.run_id)
        finally:
            engine.close()
        report(pipes, result, unparseable=result.manifest.counts.get("unparseable", 0))


if __name__ == "__main__":
    main()
