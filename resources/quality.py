"""Settings of the quality and category steps as Dagster resources: who annotates, which classifier, which
threshold, which labelled data. Every field except ``classifier_batch`` enters a version; relative paths start
in the labelled-data folder (``labelled_data`` in factory.yaml, or FACTORY_LABELLED_DATA)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from factory.categories.step import DEFAULT_PAGES, CategoryConfig
from factory.quality.annotations_step import AnnotationConfig
from factory.quality.classifier_step import TrainingConfig
from factory.semantic_dedup.config import SemanticDedupConfig
from factory.store.partitions import check_value
from resources.checked import CheckedResource

# DCLM's human quality judgements: the 281 agreement pages are all among the 499 majority pages, so a classifier
# trained on the agreement pages is measured on the other 218 (quality_classifier leaves out annotated pages).
DCLM_AGREEMENT = "dclm_human_quality/agreement_data.jsonl"
DCLM_MAJORITY = "dclm_human_quality/majority_data.jsonl"


class CategorySettingsResource(CheckedResource):
    key: ClassVar[str] = "category_settings"

    labelled_pages: str = Field(default=DEFAULT_PAGES, description="WebOrganizer pages (jsonl.gz with format_id, topic_id)")
    kind: str = Field(default="fasttext", description="fasttext (tags every document fast) or embedding (MiniLM + logistic regression)")
    heldout_fraction: float = Field(default=0.2, description="pages held out (by URL hash) to measure the accuracy")

    def check_config(self) -> None:
        self.get_config()

    def get_config(self) -> CategoryConfig:
        return CategoryConfig(labelled_pages=self.labelled_pages, kind=self.kind, heldout_fraction=self.heldout_fraction)


class QualitySettingsResource(CheckedResource):
    key: ClassVar[str] = "quality_settings"

    annotator: str = Field(default="llm", description="llm (the generator grades a sample) or labelled_set (an existing labelled file)")
    source_asset: str = Field(default="deduped", description="what the annotator samples, scores and edu_filtered read")
    sample_documents: int = Field(default=200, description="documents the LLM grades")
    seed: int = 0
    prompt: str = Field(default="edu_score", description="the annotation prompt file in factory/configs/annotation")
    max_chars: int = Field(default=3000, description="the start of each document the annotator reads")
    labelled_set: dict[str, Any] = Field(
        default_factory=lambda: {"path": DCLM_AGREEMENT, "text_field": "text", "label_field": "label"},
        description="for annotator labelled_set: {path, text_field, label_field, score_map}")
    # fastText: AUC 0.91 vs 0.75 for MiniLM + ridge on held-out DCLM labels, ~200x faster (bench/results/quality_classifier.json)
    classifier_kind: str = Field(default="fasttext", description="fasttext or embedding (MiniLM + linear regression head)")
    classifier_settings: dict[str, Any] = Field(default_factory=dict, description="ClassifierConfig fields: max_tokens, ridge_alpha, "
                                                "epoch, lr, dim, seed")
    heldout_fraction: float = Field(default=0.2, description="annotations held out to measure the classifier")
    human_labels: str | None = Field(default=DCLM_MAJORITY, description="binary human labels the classifier's AUC is measured on")
    threshold: float = Field(default=3.0, description="edu_filtered keeps documents scored at or above this (FineWeb-Edu: 3)")

    def check_config(self) -> None:
        check_value(self.source_asset, "source_asset")
        if not 0.0 <= self.threshold <= 5.0:
            raise ValueError(f"threshold must be a score in [0, 5], got {self.threshold}")
        if not 0.0 < self.heldout_fraction < 1.0:
            raise ValueError(f"heldout_fraction must be in (0, 1), got {self.heldout_fraction}")
        self.annotation_config()
        self.classifier_config()

    def annotation_config(self) -> AnnotationConfig:
        return AnnotationConfig(annotator=self.annotator, source_asset=self.source_asset,
                                sample_documents=self.sample_documents, seed=self.seed, prompt=self.prompt,
                                max_chars=self.max_chars, labelled_set=dict(self.labelled_set))

    def classifier_config(self) -> TrainingConfig:
        return TrainingConfig(classifier={"kind": self.classifier_kind, **self.classifier_settings},
                              heldout_fraction=self.heldout_fraction, human_labels=self.human_labels)


class SemanticDedupResource(CheckedResource):
    key: ClassVar[str] = "semantic_dedup"

    input_asset: str = Field(default="deduped", description="the dump-level dataset to deduplicate semantically")
    settings: dict[str, Any] = Field(default_factory=dict, description="SemanticDedupConfig fields: clusters, threshold, ...")

    def check_config(self) -> None:
        check_value(self.input_asset, "input_asset")
        self.get_config()

    def get_config(self) -> SemanticDedupConfig:
        return SemanticDedupConfig(**{"input_asset": self.input_asset, **self.settings})
