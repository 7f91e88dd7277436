"""The printed plan puts provenance beside every number; the JSON carries every figure with its label."""

from __future__ import annotations

import json

from planning_fixtures import DUMP
from rich.console import Console

from factory.planning import PlanOptions, Targets, make_plan, read_paths_file
from factory.planning.figures import assumed
from factory.planning.render import format_value, render, to_json
from factory.store import Store
from factory.training.config import load_proxy_config


def _printed(plan) -> str:
    console = Console(width=260, record=True, color_system=None)
    console.print(render(plan))
    return console.export_text()


def _plan(store, paths_file, proxy="test-micro"):
    targets = Targets(load_proxy_config(proxy), recipes=("finephrase_faq",), mixes=("web-only",))
    return make_plan(store, read_paths_file(paths_file, DUMP), targets, PlanOptions(warc_gb=0.01))


def test_tables_show_measured_and_assumed_with_their_basis(measured_store, paths_file, tmp_path):
    text = _printed(_plan(measured_store, paths_file))
    assert f"Plan for {DUMP}: 1,000 WARC files" in text
    assert "measured (2 partitions)" in text and "4,000,000 compressed WARC bytes over 400 HTML responses" in text
    assert "measured (+ warc_gb)" in text  # the filtered CPU-hours: measured costs times the --warc-gb option
    assert "min(executor_workers, tasks)" in text  # the workers assumption is spelled out

    empty = _printed(_plan(Store(str(tmp_path / "empty")), paths_file, proxy="proxy-1.7b"))
    assert "assumes bytes_per_record, filtered_cpu_s_per_doc" in empty
    assert "assumes mfu, peak_flops" in empty and "40% MFU x 989.4 TFLOP/s" in empty
    assert "~4,750 output tokens/s per H100" in empty


def test_json_holds_every_figure_with_its_provenance(measured_store, paths_file):
    data = json.loads(to_json(_plan(measured_store, paths_file)))
    assert data["files"] == 1000 and data["chunks"]["count"] == 4 and sum(data["chunks"]["files_per_chunk"]) == 1000
    costs = {figure["name"]: figure for figure in data["costs"]}
    assert costs["filtered_cpu_s_per_doc"]["kind"] == "measured" and costs["filtered_cpu_s_per_doc"]["partitions"] == 2
    stages = {stage["stage"]: stage for stage in data["stages"]}
    assert stages["deduped"]["tasks"] == {"signatures": 1000, "buckets": 14, "cluster": 1, "filter": 1000}
    assert stages["filtered"]["cpu_hours"]["rests_on"] == ["warc_gb (option)"]
    assert set(data["totals"]) == {"cpu_hours", "gpu_hours", "wall_hours", "task_bound_wall_hours"}


def test_values_are_readable_in_their_units():
    assert format_value(assumed("x", 1.45e12, "B", "")) == "1.45 TB"
    assert format_value(assumed("x", 217.2e9, "tokens", "")) == "217.20 B tokens"
    assert format_value(assumed("x", 8052.14, "CPU-h", "")) == "8,052.1 CPU-h"
    assert format_value(assumed("x", 0.061111, "CPU-s/doc", "")) == "0.06111 CPU-s/doc"


def test_a_figure_of_options_alone_is_not_called_measured(measured_store, paths_file):
    text = _printed(_plan(measured_store, paths_file))
    crawl_row = next(line for line in text.splitlines() if "crawl_bytes" in line)
    assert "options only (+ warc_gb)" in crawl_row and "measured" not in crawl_row
