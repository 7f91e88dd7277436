"""The curation and dedup settings as a Dagster resource: FineWeb defaults, overridable per deployment.

Thresholds come from a YAML/JSON file (`config_file`, default FACTORY_CURATION_CONFIG) shaped like
`{curation: {gopher_quality: {min_doc_words: 30}}, dedup: {against_dumps: [CC-MAIN-2024-10]}}`,
then `overrides_json` on top. Every field reaches the version hash of `filtered`/`deduped`.
"""

import json
import os
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from factory.curation.config import CurationConfig, CurationConfigError
from factory.dedup.config import DedupConfig

MAX_DOCS_ENV = "FACTORY_CURATION_MAX_DOCUMENTS_PER_FILE"


class CurationResource(ConfigurableResource):
    config_file: str | None = Field(default=None, description="YAML/JSON of overrides; default FACTORY_CURATION_CONFIG")
    overrides_json: str = Field(default="", description='JSON overrides, e.g. {"curation": {"extractor": "resiliparse"}}')
    extractor: str | None = Field(default=None, description="trafilatura (FineWeb) or resiliparse (faster)")
    max_documents_per_file: int | None = Field(default=None, description=f"cap on records read from each crawl file; default {MAX_DOCS_ENV}")
    drift_band: float = Field(default=0.25, description="allowed |removal rate - mean of other partitions| per filter")
    drift_min_documents: int = Field(default=50, description="partitions with fewer documents in are not compared")

    def _sections(self) -> dict:
        merged: dict = {}
        path = self.config_file or os.environ.get("FACTORY_CURATION_CONFIG")
        if path:
            text = Path(path).read_text()
            loaded = json.loads(text) if path.endswith(".json") else _yaml(text)
            _merge(merged, loaded or {})
        if self.overrides_json:
            _merge(merged, json.loads(self.overrides_json))
        unknown = sorted(set(merged) - {"curation", "dedup"})
        if unknown:
            raise CurationConfigError(f"curation settings file: unknown top-level key(s) {unknown}: expected 'curation' and 'dedup'")
        return merged

    def get_config(self) -> CurationConfig:
        curation = dict(self._sections().get("curation", {}))
        if self.extractor:
            curation["extractor"] = self.extractor
        cap = self.max_documents_per_file or (int(os.environ[MAX_DOCS_ENV]) if os.environ.get(MAX_DOCS_ENV) else None)
        if cap:
            curation.setdefault("max_documents_per_file", cap)
        return CurationConfig.from_overrides(curation)

    def get_dedup_config(self) -> DedupConfig:
        return DedupConfig.from_overrides(self._sections().get("dedup", {}))


def _yaml(text: str) -> dict:
    import yaml

    return yaml.safe_load(text)


def _merge(into: dict, other: dict) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
