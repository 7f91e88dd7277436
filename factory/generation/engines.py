"""The generation engine a config names, loaded: kept apart from the interface (``backend``) that every engine
implements, so the interface never imports its implementations."""

from __future__ import annotations

from factory.generation.backend import Generator, GeneratorConfig


def load_generator(config: GeneratorConfig) -> Generator:
    """The backend named in the config, loaded (imports of vllm/torch happen here, not before)."""
    if config.backend == "vllm":
        from factory.generation.vllm_backend import VllmGenerator

        return VllmGenerator(config)
    if config.backend == "openai":
        from factory.generation.openai_backend import OpenAIGenerator

        return OpenAIGenerator(config)
    from factory.generation.transformers_backend import TransformersGenerator

    return TransformersGenerator(config)
