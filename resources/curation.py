"""The curation and dedup settings as a Dagster resource: FineWeb defaults, overridable per deployment.

Thresholds come from a YAML/JSON file (`config_file`, default FACTORY_CURATION_CONFIG) shaped like
`{curation: {gopher_quality: {min_doc_words: 30}}, dedup: {against_dumps: [CC-MAIN-2024-10]}}`,
then `overrides_json` on top. Every field reaches the version hash of `filtered`/`deduped`.
The whole config (file, overrides, filter names, thresholds) is checked when the resource is built.
"""

import json
import os
from typing import ClassVar

from pathlib import Path

from pydantic import Field

from factory.curation.config import CurationConfig, CurationConfigError
from factory.curation.fast_filters import IMPLEMENTATIONS
from factory.dedup.config import DedupConfig, DedupConfigError
from factory.settings import env_int
from resources.checked import CheckedResource

MAX_DOCS_ENV = "FACTORY_CURATION_MAX_DOCUMENTS_PER_FILE"


class CurationResource(CheckedResource):
    key: ClassVar[str] = "curation_settings"

    config_file: str | None = Field(default=None, description="YAML/JSON of overrides; default FACTORY_CURATION_CONFIG")
    overrides_json: str = Field(default="", description='JSON overrides, e.g. {"curation": {"extractor": "resiliparse"}}')
    extractor: str | None = Field(default=None, description="trafilatura (FineWeb) or resiliparse (faster)")
    filters: str = Field(default="fast", description="Gopher/C4/FineWeb filter code: fast (same decisions as datatrove's, "
                                                      "several times faster) or datatrove; operational, not in the version")
    max_documents_per_file: int | None = Field(default=None, description=f"cap on records read from each crawl file; default {MAX_DOCS_ENV}")
    drift_band: float = Field(default=0.25, description="allowed |removal rate - mean of other partitions| per filter")
    drift_min_documents: int = Field(default=50, description="partitions with fewer documents in are not compared")
    drift_min_partitions: int = Field(default=3, description="a partition is compared only against at least this many "
                                                             "comparable others (fewer make no baseline)")

    def check_config(self) -> None:
        if self.filters not in IMPLEMENTATIONS:
            raise ValueError(f"filters must be one of {IMPLEMENTATIONS}, got {self.filters!r}")
        if not 0.0 <= self.drift_band <= 1.0:
            raise ValueError(f"drift_band must be a removal-rate difference in [0, 1], got {self.drift_band}")
        if self.drift_min_documents < 0:
            raise ValueError(f"drift_min_documents must be >= 0, got {self.drift_min_documents}")
        if self.drift_min_partitions < 1:
            raise ValueError(f"drift_min_partitions must be >= 1, got {self.drift_min_partitions}")
        if self.max_documents_per_file is not None and self.max_documents_per_file < 1:
            raise ValueError(f"max_documents_per_file must be >= 1 or null (all records), got {self.max_documents_per_file}")
        self.get_config()
        self.get_dedup_config()

    def _sections(self) -> dict:
        merged: dict = {}
        path = self.config_file or os.environ.get("FACTORY_CURATION_CONFIG")
        if path:
            key = "config_file" if self.config_file else "FACTORY_CURATION_CONFIG"
            try:
                text = Path(path).read_text()
                loaded = json.loads(text) if path.endswith(".json") else _yaml(text)
            except OSError as error:
                raise CurationConfigError(f"{key}: curation settings file {path!r} cannot be read: {error.strerror or error}") from None
            except ValueError as error:  # JSON or YAML syntax
                raise CurationConfigError(f"{key}: curation settings file {path!r} is not valid {'JSON' if path.endswith('.json') else 'YAML'}: {error}") from None
            if loaded is not None and not isinstance(loaded, dict):
                raise CurationConfigError(f"{key}: curation settings file {path!r} must hold a mapping with 'curation' and/or 'dedup'")
            _merge(merged, loaded or {})
        if self.overrides_json:
            try:
                overrides = json.loads(self.overrides_json)
            except ValueError as error:
                raise CurationConfigError(f"overrides_json is not valid JSON ({error}): {self.overrides_json!r}") from None
            if not isinstance(overrides, dict):
                raise CurationConfigError(f"overrides_json must be a JSON object such as {{\"curation\": {{...}}}}, got {self.overrides_json!r}")
            _merge(merged, overrides)
        unknown = sorted(set(merged) - {"curation", "dedup"})
        if unknown:
            raise CurationConfigError(f"curation settings file: unknown top-level key(s) {unknown}: expected 'curation' and 'dedup'")
        return merged

    def get_config(self) -> CurationConfig:
        curation = dict(self._sections().get("curation", {}))
        if self.extractor:
            curation["extractor"] = self.extractor
        cap = self.max_documents_per_file or env_int(MAX_DOCS_ENV, "records per crawl file")
        if cap:
            curation.setdefault("max_documents_per_file", cap)
        try:
            return CurationConfig.from_overrides(curation)
        except CurationConfigError:
            raise
        except (TypeError, ValueError) as error:  # a value of the wrong type (text for a number...): show what was given
            raise CurationConfigError(f"a curation setting has the wrong type ({error}); thresholds are numbers or null, "
                                      f"switches true/false; given: {json.dumps(curation, default=str)}") from None

    def get_dedup_config(self) -> DedupConfig:
        dedup = self._sections().get("dedup", {})
        try:
            return DedupConfig.from_overrides(dedup)
        except TypeError as error:  # a value of the wrong type: show what was given
            raise DedupConfigError(f"a dedup setting has the wrong type ({error}); given: {json.dumps(dedup, default=str)}") from None


def _yaml(text: str) -> dict:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


def _merge(into: dict, other: dict) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
