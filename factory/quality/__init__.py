"""Quality: LLM annotations of educational value, the classifier trained on them, the scores it gives every
document (an attribute dataset) and the documents that pass (``edu_filtered``)."""

from factory.quality.agreement import Agreement, agreement, roc_auc
from factory.quality.annotation import Annotation, ParsedScore, annotate, load_prompt, parse_score
from factory.quality.classifier import ClassifierConfig, QualityClassifier, load_classifier
from factory.quality.labelled_sets import LabelledSetConfig, load_labelled_set

__all__ = ["Agreement", "Annotation", "ClassifierConfig", "LabelledSetConfig", "ParsedScore", "QualityClassifier", "agreement",
           "annotate", "load_classifier", "load_labelled_set", "load_prompt", "parse_score", "roc_auc"]
