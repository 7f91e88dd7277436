"""Existing labelled sets (human or model judgements in a JSONL file) read as educational-value annotations,
so a quality classifier can be trained and measured on them exactly as on the factory's own LLM annotations.

Each row becomes ``LabelledRow(id, text, score, source, label)``: ``id`` is a hash of the text (the same page
in two files gets the same id, so overlap between sets can be found and removed, see :func:`without`),
``score`` is the label mapped onto the 0-5 scale by ``score_map``. Rows keep the file's order and ``limit``
takes the first ones, so a load is deterministic (mind files sorted by label: DCLM's agreement_data lists
every 0 before the first 1, so its first 100 rows are one class; split by id instead). Duplicated texts
are kept: they share an id, so an id-based split puts them on the same side.

The default ``score_map`` is for DCLM's binary human labels, ``{0: 0, 1: 4}``:

- 0 -> 0: people judged the page not worth training on; FineWeb-Edu's 0 ("no educational value") is the
  matching end of the scale.
- 1 -> 4: people judged it high quality, well above FineWeb-Edu's keep threshold of 3, without claiming the
  5 reserved for outstanding teaching material.
- A regression on these targets predicts about ``4 x P(good)``: a page it cannot tell apart lands near 2,
  below the threshold, and an ``edu_int >= 3`` filter keeps a page once ``P(good) >= 0.625`` (2.5 rounds to
  3). That is a stricter filter than a coin flip, as FineWeb-Edu's threshold was meant to be. A ranking
  (AUC, Spearman) does not depend on the map at all; only MSE, F1 at 3 and the confusion matrix do.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from factory.quality.metrics import MAX_SCORE
from factory.store.filesystem import local_source
from factory.store.manifest import SourceFile

DCLM_SCORE_MAP = {"0": 0, "1": 4}


def label_key(value: Any) -> str:
    """The ``score_map`` key of a label: 1, 1.0 and "1" are all "1"; true is "true"."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class LabelledSetConfig(BaseModel):
    """Where a labelled set is and how its labels become 0-5 scores. A relative ``path`` starts in the
    labelled-data folder (``labelled_data`` in factory.yaml, or FACTORY_LABELLED_DATA)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str = Field(description="a local .jsonl or .jsonl.gz file, one JSON object per line")
    text_field: str = Field("text", min_length=1)
    label_field: str = Field("label", min_length=1)
    score_map: dict[str, int] = Field(default_factory=lambda: dict(DCLM_SCORE_MAP), min_length=1)
    limit: int | None = Field(None, gt=0, description="the first rows only; None: all")
    source: str | None = Field(None, description="a name for the rows; default: the file name without extensions")

    @field_validator("path")
    @classmethod
    def _jsonl(cls, path: str) -> str:
        if not path.endswith((".jsonl", ".jsonl.gz")):
            raise ValueError(f"path must be a .jsonl or .jsonl.gz file, got {path!r}")
        return path

    @field_validator("score_map", mode="before")
    @classmethod
    def _keys_and_scores(cls, score_map: Any) -> dict[str, Any]:
        if not isinstance(score_map, dict):
            raise ValueError(f"score_map must map label values to scores 0-{MAX_SCORE}, got {score_map!r}")
        bad = {k: v for k, v in score_map.items()
               if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_SCORE}
        if bad:
            raise ValueError(f"score_map scores must be whole numbers 0-{MAX_SCORE}, got {bad}")
        return {label_key(k): v for k, v in score_map.items()}

    @property
    def name(self) -> str:
        return self.source or Path(self.path).name.removesuffix(".gz").removesuffix(".jsonl")

    def identity(self) -> dict[str, Any]:
        """What decides the rows besides the file's content (see :func:`source_file`): the path as configured,
        not where this machine keeps it."""
        return {"path": self.path, "text_field": self.text_field, "label_field": self.label_field,
                "score_map": dict(sorted(self.score_map.items())), "limit": self.limit, "source": self.name}

    def local_path(self) -> Path:
        from factory import settings

        return Path(settings.labelled_path(self.path, "labelled set path"))


@dataclass(frozen=True)
class LabelledRow:
    id: str
    text: str
    score: int
    source: str
    label: str  # the label as it was in the file (its score_map key), e.g. for AUC against human judgements


def load_labelled_set(config: LabelledSetConfig) -> list[LabelledRow]:
    """The set's rows in file order (the first ``limit``). Raises ``ValueError`` naming the file and line of a
    row without the text or label field, or with a label the score map does not know."""
    rows = []
    for line_number, record in _records(config.local_path()):
        if config.limit is not None and len(rows) >= config.limit:
            break
        where = f"{config.path}, line {line_number}"
        text, label = record.get(config.text_field), record.get(config.label_field)
        if not isinstance(text, str):
            raise ValueError(f"{where}: no text in field {config.text_field!r} (keys: {sorted(record)}); "
                             "set text_field")
        if label is None:
            raise ValueError(f"{where}: no label in field {config.label_field!r} (keys: {sorted(record)}); "
                             "set label_field")
        key = label_key(label)
        if key not in config.score_map:
            raise ValueError(f"{where}: label {label!r} is not in score_map {config.score_map}; add it to score_map")
        rows.append(LabelledRow(text_id(text), text, config.score_map[key], config.name, key))
    return rows


def source_file(config: LabelledSetConfig) -> SourceFile:
    """The labelled file as a version's source: by its configured path and its content (SHA-256)."""
    path = config.local_path()
    if not path.exists():
        raise FileNotFoundError(f"labelled set {path} does not exist: give the path of a .jsonl or .jsonl.gz file")
    return local_source(config.path, path)


def without(rows: Iterable[LabelledRow], others: Iterable[LabelledRow]) -> list[LabelledRow]:
    """``rows`` less every row whose text is also in ``others``: a training set disjoint from a held-out one."""
    held_out = {row.id for row in others}
    return [row for row in rows if row.id not in held_out]


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if not path.exists():
        raise FileNotFoundError(f"labelled set {path} does not exist: give the path of a .jsonl or .jsonl.gz file")
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line_number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {line_number}: not JSON ({error}); "
                                 "each line must be one JSON object") from error
            if not isinstance(record, dict):
                raise ValueError(f"{path}, line {line_number}: a JSON {type(record).__name__}, expected an object")
            yield line_number, record
