"""Dedup: exact content, then MinHash (FineWeb settings) across every chunk of a dump."""

from factory.dedup.config import DedupConfig, DedupConfigError
from factory.dedup.step import ASSET, CODE_VERSION, dedup_dump

__all__ = ["ASSET", "CODE_VERSION", "DedupConfig", "DedupConfigError", "dedup_dump"]
