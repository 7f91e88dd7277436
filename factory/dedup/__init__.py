"""Dedup: exact content, then MinHash (FineWeb settings) across every chunk of a dump."""

from factory.dedup.config import DedupConfig, DedupConfigError
from factory.dedup.step import ASSET, STEP, dedup_dump

__all__ = ["ASSET", "STEP", "DedupConfig", "DedupConfigError", "dedup_dump"]
