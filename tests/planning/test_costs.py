"""Per-document costs read from committed manifests: values, provenance, and what is left out."""

from __future__ import annotations

import os

import pytest
from planning_fixtures import build_measured_store, commit, ref, warc

from factory.planning import ASSUMED, DERIVED, MEASURED, measure_curation
from factory.planning.manifests import workers_used
from factory.store import Manifest, SourceFile, Store


def test_costs_are_ratios_of_sums_over_the_measured_partitions(measured_store):
    costs = measure_curation(measured_store)
    expected = {
        "bytes_per_record": (10_000, 2), "filtered_cpu_s_per_doc": (0.4, 2), "filtered_keep_rate": (0.5, 2),
        "filtered_tokens_per_doc": (500, 2), "filtered_bytes_per_kept_doc": (1_000, 2),
        "filtered_bytes_per_removed_doc": (500, 2), "dedup_cpu_s_per_doc": (0.1, 1), "dedup_keep_rate": (0.75, 1),
        "dedup_tokens_per_doc": (400, 1), "dedup_bytes_per_kept_doc": (800, 1), "dedup_bytes_per_removed_doc": (500, 1),
        "dedup_other_bytes_per_doc": (100, 1), "num_buckets": (14, 1), "tokenize_cpu_s_per_token": (2e-6, 1),
    }
    for figure in costs.figures():
        value, partitions = expected[figure.name]
        assert figure.value == pytest.approx(value), figure
        assert figure.kind == MEASURED and figure.partitions == partitions, figure
        assert figure.label == f"measured ({partitions} partition{'s' if partitions > 1 else ''})"
    # The JSONL-input chunk (1,000 cheap documents) and the listing-only WARC are not in any figure.
    assert "400 input documents" in costs.filtered_cpu_s_per_doc.basis
    assert "400,000 compressed WARC bytes" not in costs.bytes_per_record.basis
    assert "4,000,000 compressed WARC bytes over 400 HTML responses" in costs.bytes_per_record.basis


def test_an_empty_store_falls_back_on_named_defaults(tmp_path):
    costs = measure_curation(Store(str(tmp_path / "empty")))
    for figure in costs.figures():
        assert not figure.is_measured, figure
        assert figure.kind in (ASSUMED, DERIVED)
        assert figure.label.startswith(("assumed", "derived; rests on")), figure.label
    assert costs.bytes_per_record.value == 36_700 and "Common Crawl" in costs.bytes_per_record.basis
    assert costs.num_buckets.value == 14 and "DedupConfig" in costs.num_buckets.basis
    # A dedup size nobody measured is taken from the filtered one it shares a schema with, and says so.
    assert costs.dedup_bytes_per_kept_doc.rests_on == ("filtered_bytes_per_kept_doc (assumed)",)


def test_text_dump_costs_are_used_only_without_a_warc_partition_and_say_so(tmp_path):
    store = Store(str(tmp_path / "store"))
    commit(store, "raw_crawl", "dump=c4/chunk=000", sources=[warc("x", records=None)])
    text = SourceFile("/c4.json.gz", 10, "sha256:c4", 5, "jsonl")
    raw = commit(store, "raw_crawl", "dump=c4/chunk=001", sources=[text])
    commit(store, "filtered", "dump=c4/chunk=001", inputs=[ref(raw)], wall_s=10.0,
           counts={"documents_in": 100, "documents": 50, "tokens": 5_000},
           operational={"executor_workers": 1, "tasks": 1})
    costs = measure_curation(store)
    assert costs.filtered_cpu_s_per_doc.kind == MEASURED and costs.filtered_cpu_s_per_doc.value == pytest.approx(0.1)
    assert any("no filtered partition read only WARC files" in note and "jsonl" in note for note in costs.notes)
    assert costs.bytes_per_record.kind == ASSUMED  # neither the listing-only WARC nor the JSONL file counts


def _with_operational(operational: dict, documents_in: int = 5_000) -> Manifest:
    return Manifest("filtered", "dump=x/chunk=000", "v", "h", "1", {}, [], [], {"documents_in": documents_in},
                    operational=operational)


@pytest.mark.parametrize("operational, tasks, expected", [
    ({"executor_workers": 4}, 2, 2),  # min(workers, tasks)
    ({"executor_workers": 4}, 16, 4),
    ({"executor_workers": 0}, 10_000, os.cpu_count() or 1),  # 0: one per core, this machine standing in
    ({"executor_workers": 8}, None, 8),
    ({"executor_workers": 8, "executor_in_process_below_documents": 10_000}, 4, 1),  # ran in process
    ({"executor_workers": 8, "executor_min_documents_per_task": 10_000}, 4, 1),  # the older key
    ({"executor_kind": "ray", "executor_workers": 8, "executor_in_process_below_documents": 10_000}, 4, 4),
])
def test_workers_used_is_min_of_workers_and_tasks(operational, tasks, expected):
    assert workers_used(_with_operational(operational), tasks) == expected


def test_costs_read_through_s3(s3_endpoint, s3_bucket, monkeypatch):
    """The planner reads manifests only, so it works on any store root, S3 included."""
    monkeypatch.setenv("FACTORY_S3_ENDPOINT", s3_endpoint)
    costs = measure_curation(build_measured_store(Store(f"s3://{s3_bucket}/store")))
    assert costs.filtered_cpu_s_per_doc.value == pytest.approx(0.4) and costs.filtered_cpu_s_per_doc.partitions == 2


def test_warcs_unlike_common_crawls_are_flagged(measured_store, tmp_path):
    """10,000 B per response is ~4x below Common Crawl's ~36,700 B: every count rests on it, so the plan says so."""
    notes = measure_curation(measured_store).notes
    assert any(note.startswith("bytes_per_record measured at 10,000 B is 4x below") for note in notes)
    store = Store(str(tmp_path / "cc-like"))
    commit(store, "raw_crawl", "dump=x/chunk=000", sources=[warc("cc", size=3_500_000, records=100)])
    assert not any("bytes_per_record" in note for note in measure_curation(store).notes)


def test_a_datatrove_mix_counts_its_workers_over_its_input_shards(tmp_path):
    store = Store(str(tmp_path / "store"))
    shards = [(f"documents/part-{i:05d}.parquet", 1_000) for i in range(3)]
    source = commit(store, "deduped", "dump=x", counts={"documents": 5_000}, files=shards)
    commit(store, "mixed", "web-only", inputs=[ref(source)], counts={"tokens": 1_000_000}, wall_s=2.0,
           operational={"executor_kind": "local", "executor_workers": 8, "executor_in_process_below_documents": 1000})
    figure = measure_curation(store).tokenize_cpu_s_per_token
    assert figure.value == pytest.approx(2.0 * 3 / 1_000_000)  # min(8 workers, 3 input shards)
