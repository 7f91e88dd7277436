"""Curation: crawl records -> extracted text -> FineWeb filters, with every removal kept."""

from factory.curation.config import CurationConfig, CurationConfigError
from factory.curation.executors import ExecutorError, ExecutorSpec
from factory.curation.pipeline import FILTER_ORDER
from factory.curation.step import ASSET, STEP, filter_chunk

__all__ = ["ASSET", "STEP", "CurationConfig", "CurationConfigError", "ExecutorError", "ExecutorSpec", "FILTER_ORDER", "filter_chunk"]
