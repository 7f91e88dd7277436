"""One sampled document as the inspection and labelling tools show it: its text, the classifier's verdicts and
where it came from.

Everything a reviewer needs to judge a document, or to find it again, travels with it: the version it was read
from, its crawl file and URL, and for a synthetic document the source document it rephrases and the recipe and
model that wrote it, so a bad document can be traced to the step that made it without opening the store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class SourceDocument:
    """The document a synthetic one was generated from; ``snippet`` and ``version`` are None when no input
    version of the synthetic one holds it (the source was deleted, or the manifest names no documents input)."""

    id: str
    snippet: str | None = None
    version: str | None = None  # asset[partition]@version it was found in


@dataclass(frozen=True)
class SyntheticLineage:
    source: SourceDocument
    recipe: str
    recipe_version: int | None
    model: str
    faithfulness: dict[str, float] | None = None  # the output's scores against its source (versions before them: None)


@dataclass(frozen=True)
class InspectedDocument:
    id: str
    text: str
    url: str
    source_file: str
    asset: str
    partition: str  # the store's label, e.g. dump=c4
    version: str
    category: str | None  # the classifier's, from metadata["category"]; None when not classified
    edu_score: float | None  # from metadata["edu_score"], else joined from the quality_scores attributes
    score_source: str | None = None  # "metadata", or the attributes version the score was joined from
    synthetic: SyntheticLineage | None = None

    @property
    def version_short(self) -> str:
        return f"{self.asset}[{self.partition}]@{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "version_short": self.version_short}
