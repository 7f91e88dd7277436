"""The Definitions as a new user meets them in the UI: grouped by stage, owned, described, quiet, checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster import AssetKey

from factory.mixing import MixRecipe
from factory.mixing.step import build_mix
from mixing.helpers import c4_texts, write_documents
from support.contamination import index_in

REPO = Path(__file__).resolve().parents[2]
STAGE_GROUPS = {"raw_crawl": "crawl", "filtered": "curation", "deduped": "curation", "synthetic": "synthetic",
                "mixed": "mixing", "proxy_model": "proxy", "proxy_eval": "proxy", "leaderboard": "proxy"}


def test_loading_the_definitions_prints_no_warnings():
    """Every run and step process loads them: a warning here repeated twice per run and step in the log."""
    loaded = subprocess.run([sys.executable, "-W", "always", "-c", "import assets.definitions"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert "Warning" not in loaded.stderr, loaded.stderr[-2000:]


def test_every_asset_has_its_stage_group_owner_kinds_and_a_one_line_description():
    from assets.definitions import defs

    graph = defs.resolve_asset_graph()
    for name, group in STAGE_GROUPS.items():
        node = graph.get(AssetKey(name))
        assert node.group_name == group, name
        assert node.owners == ["team:data-factory"], name
        assert node.kinds, name
        assert node.description and node.description.startswith("One "), name  # what one row (or file) is


def test_the_leaderboard_check_and_the_staleness_checks_are_registered():
    from assets.definitions import defs
    from assets.planner import Planner

    checks = {(key.asset_key.to_user_string(), key.name) for key in defs.resolve_asset_graph().asset_check_keys}
    assert ("leaderboard", "candidate_beats_baseline") in checks
    assert {(asset, "up_to_date") for asset in Planner.PLANNED} <= checks


def test_a_mix_built_from_a_superseded_version_fails_its_up_to_date_check(store, shared_data, tmp_path):
    from assets.definitions import build_resources
    from assets.planner import Planner
    from assets.staleness import check_result
    from resources import StoreResource

    resources = {**build_resources(), "store": StoreResource(root=store.root_uri)}
    write_documents(store, "deduped", {"dump": "c4a"}, c4_texts(shared_data, 20), tag="c4a")
    recipe = MixRecipe.from_dict({"name": "web", "total_tokens": 3000, "sources": [{"asset": "deduped", "weight": 1}]})
    index_in(store)
    build_mix(store, recipe)
    resources["mix_recipes"] = _recipes_in(tmp_path, recipe)
    assert check_result(Planner(resources), "mixed").passed

    # deduped is rebuilt (new filter settings): the mix's current version still names the old one.
    write_documents(store, "deduped", {"dump": "c4a"}, c4_texts(shared_data, 20, skip=5), tag="c4a-v2")
    result = check_result(Planner(resources), "mixed")
    assert not result.passed
    stale = result.metadata["stale_partitions"].data
    assert list(stale) == ["web"] and stale["web"]["state"] == "outdated"
    assert "input deduped[dump=c4a]" in result.description


def _recipes_in(tmp_path, recipe):
    """A mix-recipes resource whose folder holds ``recipe`` alone (a local folder, whatever the store)."""
    import yaml

    from resources.trainer import MixRecipesResource

    folder = tmp_path / "_recipes"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{recipe.name}.yaml").write_text(yaml.safe_dump({"name": recipe.name, "total_tokens": 3000,
                                                                "sources": [{"asset": "deduped", "weight": 1}]}))
    return MixRecipesResource(folder=str(folder))
