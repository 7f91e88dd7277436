"""Audits that read only the store: lineage up and down, one document's trail, version diffs, verification."""

from factory.audit.diff import VersionDiff, diff_versions, pick_versions
from factory.audit.downstream import DownstreamNode, build_downstream
from factory.audit.index import StoreIndex
from factory.audit.lineage import LineageNode, build_lineage
from factory.audit.resolve import PartitionNotFoundError, resolve_partition
from factory.audit.staleness import SupersededInput, superseded_inputs
from factory.audit.trace import AmbiguousDocumentError, DocumentNotFoundError, Hop, trace_document
from factory.audit.verify import Problem, VerifyReport, verify_store

__all__ = [
    "AmbiguousDocumentError", "DocumentNotFoundError", "DownstreamNode", "Hop", "LineageNode", "PartitionNotFoundError",
    "Problem", "StoreIndex",
    "SupersededInput", "VerifyReport", "VersionDiff", "build_downstream", "build_lineage", "diff_versions", "pick_versions",
    "resolve_partition", "superseded_inputs", "trace_document", "verify_store",
]
