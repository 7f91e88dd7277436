"""`factory diff`: what differs between two versions, and which difference made the new one."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from audit.helpers import CHUNK, DUMP, build_chain, c4_records, commit, filtered_version
from factory.cli import app
from factory.store import Store


def diff(*args: str):
    return CliRunner().invoke(app, ["diff", *args])


def test_a_config_change_is_named_as_the_cause(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    rerun = filtered_version(store, chain.raw, c4_records(shared_data, 6), min_doc_words=40)
    result = diff("filtered", f"{DUMP}|{CHUNK}", "--json", "--store", store.root_uri)  # A: the one before the current
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["a"], report["b"]) == (chain.filtered.version, rerun.version)
    assert report["causes"] == ["config"]
    assert report["config"] == [{"key": "gopher_quality.min_doc_words", "a": 30, "b": 40}]
    assert report["inputs"] == [] and report["code_version"] is None

    printed = diff("filtered", f"dump={DUMP}/chunk={CHUNK}", chain.filtered.version[:6], rerun.version[:6], "--store", store.root_uri)
    assert "new version because of: config" in printed.output and "gopher_quality.min_doc_words: 30 -> 40" in printed.output


def test_new_input_versions_code_and_packages_are_reported(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    rerun = filtered_version(store, chain.raw, c4_records(shared_data, 6), min_doc_words=40)
    newer = commit(store, "deduped", {"dump": DUMP}, {"documents": []}, config=chain.deduped.config, inputs=[rerun], code_version="3")
    report = json.loads(diff("deduped", DUMP, "--json", "--store", store.root_uri).output)
    assert report["causes"] == ["code_version", "inputs"]
    assert report["inputs"] == [{"key": f"filtered[dump={DUMP}/chunk={CHUNK}]", "a": chain.filtered.version, "b": rerun.version}]
    assert newer.version == report["b"]


def test_a_library_upgrade_makes_a_new_version_and_is_named(tmp_path, shared_data, monkeypatch):
    """Upgrading a library that decides the output (datatrove for filtered) must not reuse the old output."""
    from factory.store import packages

    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    installed = packages.deciding_versions("filtered")
    assert "datatrove" in installed and chain.filtered.libraries == installed
    monkeypatch.setattr(packages, "deciding_versions", lambda asset: {**installed, "datatrove": "99.0.0"})
    monkeypatch.setattr("factory.store.writer.deciding_versions", packages.deciding_versions)
    upgraded = filtered_version(store, chain.raw, c4_records(shared_data, 6))
    assert upgraded.version != chain.filtered.version
    report = json.loads(diff("filtered", f"{DUMP}|{CHUNK}", "--json", "--store", store.root_uri).output)
    assert report["causes"] == ["libraries"]
    assert report["libraries"] == [{"key": "datatrove", "a": installed["datatrove"], "b": "99.0.0"}]
    printed = diff("filtered", f"{DUMP}|{CHUNK}", "--store", store.root_uri).output
    assert "new version because of: libraries" in printed and f"datatrove: {installed['datatrove']} -> 99.0.0" in printed


def test_a_partition_with_one_version_asks_for_an_explicit_a(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    build_chain(store, shared_data)
    result = diff("leaderboard", "all", "--store", store.root_uri)
    assert result.exit_code == 1 and "no earlier version" in result.output
    unknown = diff("leaderboard", "all", "ffff", "--store", store.root_uri)
    assert unknown.exit_code == 1 and "matches no" in unknown.output
