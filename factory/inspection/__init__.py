"""Looking at the data: seeded random samples of a documents version with their scores, categories and lineage."""

from factory.inspection.document import InspectedDocument, SourceDocument, SyntheticLineage
from factory.inspection.sampling import sample_documents
from factory.inspection.target import InspectionError, categories, check_category, documents_version

__all__ = [
    "InspectedDocument", "InspectionError", "SourceDocument", "SyntheticLineage", "categories", "check_category",
    "documents_version", "sample_documents",
]
