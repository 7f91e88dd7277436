"""Quality: LLM annotations of educational value, and how well they agree with human judgements."""

from factory.quality.agreement import Agreement, agreement, roc_auc
from factory.quality.annotation import Annotation, ParsedScore, annotate, load_prompt, parse_score

__all__ = ["Agreement", "Annotation", "ParsedScore", "agreement", "annotate", "load_prompt", "parse_score", "roc_auc"]
