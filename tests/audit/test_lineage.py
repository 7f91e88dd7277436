"""`factory lineage`: the upstream tree with config changes, partition keys as the UI shows them, downstream."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from audit.helpers import CHUNK, DUMP, MIX, RECIPE, build_chain, flat
from factory.cli import app


def lineage(*args: str):
    return CliRunner().invoke(app, ["lineage", *args])


@pytest.fixture
def chain(store, shared_data):
    return build_chain(store, shared_data)


def test_tree_reaches_the_crawl_file_with_its_checksum_and_shows_changed_config(store, chain):
    result = lineage("leaderboard", "--json", "--store", store.root_uri)
    assert result.exit_code == 0, result.output
    tree = json.loads(result.output)
    path = [tree]
    while path[-1]["inputs"]:
        path.append(path[-1]["inputs"][0])
    assert [n["asset"] for n in path] == ["leaderboard", "proxy_eval", "proxy_model", "mixed", "deduped", "filtered", "raw_crawl"]
    crawl = path[-1]
    assert crawl["sources"][0]["checksum"] == chain.raw.sources[0].checksum and crawl["code_version"] == "2"
    filtered = path[-2]
    assert {"key": "gopher_quality.min_doc_words", "value": 30, "default": 50, "has_default": True, "set": True} in filtered["config_changes"]
    assert path[4]["config_changes"] == []  # deduped ran with the default DedupConfig
    assert tree["superseded_inputs"] == [] and not any(n["superseded"] for n in path)

    printed = lineage("leaderboard", "--store", store.root_uri)
    assert "gopher_quality.min_doc_words=30 (default 50)" in flat(printed.output)
    assert chain.raw.sources[0].checksum in flat(printed.output).replace(" ", "")


@pytest.mark.parametrize("key", [f"dump={DUMP}/chunk={CHUNK}", f"{CHUNK}|{DUMP}", f"{DUMP}|{CHUNK}"])
def test_a_ui_partition_key_finds_the_store_partition(tmp_path, shared_data, key):
    from factory.store import Store

    store = Store(str(tmp_path / "store"))
    build_chain(store, shared_data)
    result = lineage("raw_crawl", key, "--json", "--store", store.root_uri)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["partition"] == f"dump={DUMP}/chunk={CHUNK}"


def test_a_bare_dump_key_and_no_key_resolve(tmp_path, shared_data):
    from factory.store import Store

    store = Store(str(tmp_path / "store"))
    build_chain(store, shared_data)
    assert json.loads(lineage("deduped", DUMP, "--json", "--store", store.root_uri).output)["partition"] == f"dump={DUMP}"
    assert json.loads(lineage("leaderboard", "--json", "--store", store.root_uri).output)["partition"] == "all"
    missing = lineage("deduped", "HOLDOUT-01", "--store", store.root_uri)
    assert missing.exit_code == 1 and f"dump={DUMP}" in missing.output  # says what the partitions look like
    partitioned = lineage("deduped", "--store", store.root_uri)
    assert partitioned.exit_code == 1 and "matches no folder" in partitioned.output


def test_downstream_of_a_crawl_chunk_and_of_a_recipe_version_reaches_the_leaderboard(tmp_path, shared_data):
    from factory.store import Store

    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    result = lineage("raw_crawl", f"{DUMP}|{CHUNK}", "--downstream", "--json", "--store", store.root_uri)
    assert result.exit_code == 0, result.output
    [root] = json.loads(result.output)
    assert root["by_asset"]["mixed"] == [f"mixed[{MIX}]@{chain.mixed.version}"]
    assert set(root["by_asset"]) == {"filtered", "deduped", "synthetic", "mixed", "proxy_model", "proxy_eval", "leaderboard"}

    recipe = lineage("synthetic", f"dump={DUMP}/recipe={RECIPE}", "--downstream", "--store", store.root_uri)
    assert recipe.exit_code == 0 and f"leaderboard[all]@{chain.leaderboard.version}" in recipe.output
    assert "deduped" not in recipe.output.split("\n", 1)[1]  # only what was made from it


def test_typer_pretty_exceptions_are_off():
    assert app.pretty_exceptions_enable is False
