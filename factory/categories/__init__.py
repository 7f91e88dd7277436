"""Document categories: what kind of page each document is (8 categories), learned from WebOrganizer's labels."""

from factory.categories.classifier import CategoryClassifier, ClassifierFolderError, load_classifier
from factory.categories.dataset import (
    HELD_OUT_FRACTION, LabelledPage, LabelledPagesError, is_held_out, load_labelled_pages, split_pages,
)
from factory.categories.distribution import UNTAGGED, category_distribution, category_of_metadata, table_category_counts
from factory.categories.evaluation import CategoryEvaluation, evaluate_classifier, evaluate_predictions
from factory.categories.tagging import CategoryTagger, local_model_folder, tag_texts
from factory.categories.taxonomy import (
    CATEGORIES, CATEGORY_KEY, CATEGORY_MEANINGS, FORMAT_RULES, FormatRule, UnknownLabelError, category_of,
)
from factory.categories.training import DEFAULT_KIND, CategoryTrainingError, train_category_classifier

__all__ = [
    "CATEGORIES", "CATEGORY_KEY", "CATEGORY_MEANINGS", "DEFAULT_KIND", "FORMAT_RULES", "HELD_OUT_FRACTION", "UNTAGGED",
    "CategoryClassifier", "CategoryEvaluation", "CategoryTagger", "CategoryTrainingError", "ClassifierFolderError",
    "FormatRule", "LabelledPage", "LabelledPagesError", "UnknownLabelError", "category_distribution",
    "category_of", "category_of_metadata", "evaluate_classifier", "evaluate_predictions", "is_held_out",
    "load_classifier", "load_labelled_pages", "local_model_folder", "split_pages", "table_category_counts", "tag_texts",
    "train_category_classifier",
]
