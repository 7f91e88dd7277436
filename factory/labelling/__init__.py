"""Human labels of document categories, stored beside the version they judge, and their agreement with the classifier.

The Textual screen (``factory.labelling.app``) is not imported here: only ``factory label`` needs it.
"""

from factory.labelling.agreement import LabelAgreement, cohen_kappa, compare, counts, raw_agreement, shares
from factory.labelling.store import LabelRecord, LabelSession, labels_dir, read_labels, read_sessions

__all__ = [
    "LabelAgreement", "LabelRecord", "LabelSession", "cohen_kappa", "compare", "counts", "labels_dir", "raw_agreement",
    "read_labels", "read_sessions", "shares",
]
