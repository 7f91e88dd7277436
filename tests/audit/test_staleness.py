"""superseded_inputs: versions a manifest was built from that are no longer their partition's current one."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from audit.helpers import build_chain, c4_records, filtered_version, flat
from factory.audit import superseded_inputs
from factory.cli import app
from factory.store import Store


def test_a_rerun_upstream_supersedes_the_inputs_of_everything_built_before_it(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    assert superseded_inputs(store, chain.leaderboard) == []

    rerun = filtered_version(store, chain.raw, c4_records(shared_data, 6), min_doc_words=40)  # becomes current
    [stale] = superseded_inputs(store, chain.leaderboard)
    assert (stale.ref.asset, stale.ref.version, stale.current) == ("filtered", chain.filtered.version, rerun.version)
    assert stale.used_by == chain.deduped.short
    assert superseded_inputs(store, chain.mixed, transitive=False) == []  # the mix's own inputs are still current
    assert [s.ref.version for s in superseded_inputs(store, chain.deduped, transitive=False)] == [chain.filtered.version]

    result = CliRunner().invoke(app, ["lineage", "mixed", chain.mixed.partition, "--json", "--store", store.root_uri])
    tree = json.loads(result.output)
    filtered = tree["inputs"][0]["inputs"][0]
    assert filtered["superseded"] is True and filtered["current_version"] == rerun.version
    assert tree["superseded_inputs"][0]["version"] == chain.filtered.version
    printed = CliRunner().invoke(app, ["lineage", "mixed", chain.mixed.partition, "--store", store.root_uri])
    assert f"SUPERSEDED (current: {rerun.version})" in flat(printed.output)


def test_an_input_without_a_current_pointer_counts_as_superseded(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    store.fs.rm(f"{store.partition_dir('proxy_eval', chain.evaluation.partition)}/_current.json")
    [stale] = superseded_inputs(store, chain.leaderboard)
    assert stale.ref.asset == "proxy_eval" and stale.current is None
