"""Semantic dedup (SemDeDup): embed, cluster, and remove near-duplicates in meaning within each cluster."""

from factory.semantic_dedup.cluster_dedup import ClusterVerdict, dedup_cluster
from factory.semantic_dedup.config import SemanticDedupConfig, SemanticDedupConfigError
from factory.semantic_dedup.step import ASSET, STEP, semantic_dedup_dump

__all__ = ["ASSET", "STEP", "ClusterVerdict", "SemanticDedupConfig", "SemanticDedupConfigError",
           "dedup_cluster", "semantic_dedup_dump"]
