"""Bad recipes fail with a clear message before any work; good ones plan to exact shares."""

from __future__ import annotations

import pytest

from factory.mixing import MixRecipe, MixRecipeError, load_recipes, plan_mix
from factory.store import Store
from mixing.helpers import c4_texts, write_documents, write_recipe

BASE = {"name": "m", "total_tokens": 1000, "sources": [{"asset": "deduped", "partitions": ["*"], "weight": 1}]}


@pytest.mark.parametrize(("change", "message"), [
    ({"sources": [{"asset": "deduped", "weight": 0}]}, "weight must be a number > 0"),
    ({"sources": [{"asset": "deduped", "weight": -0.5}]}, "weight must be a number > 0"),
    ({"sources": []}, "sources must be a non-empty list"),
    ({"total_tokens": 0}, "total_tokens must be a positive integer"),
    ({"max_repeats": 0.5}, "max_repeats must be a number >= 1"),
    ({"role": "champion"}, "role must be"),
    ({"wieght": 1}, "unknown field(s) ['wieght']"),
    ({"name": "Bad Name"}, "name must be"),
    ({"sources": [{"asset": "Deduped!", "weight": 1}]}, "asset must be a snake_case asset name"),
])
def test_malformed_recipe_is_rejected_naming_the_field(change, message):
    with pytest.raises(MixRecipeError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        MixRecipe.from_dict(BASE | change)


def test_recipe_file_name_must_match_and_baseline_must_exist(tmp_path):
    write_recipe(tmp_path / "a", "other", "total_tokens: 10\nsources: [{asset: deduped, weight: 1}]\n")
    (tmp_path / "a" / "other.yaml").rename(tmp_path / "a" / "renamed.yaml")
    with pytest.raises(MixRecipeError, match="rename one so they agree"):
        load_recipes(tmp_path / "a")
    write_recipe(tmp_path / "b", "cand", "baseline: nowhere\ntotal_tokens: 10\nsources: [{asset: deduped, weight: 1}]\n")
    with pytest.raises(MixRecipeError, match="baseline 'nowhere' is not another recipe"):
        load_recipes(tmp_path / "b")


def test_shipped_recipes_load_with_one_baseline():
    recipes = load_recipes()
    assert [r.name for r in recipes.values() if r.role == "baseline"] == ["web-only"]
    assert sum(r.demo for r in recipes.values()) >= 2


@pytest.fixture
def web_store(tmp_path, shared_data) -> Store:
    store = Store(str(tmp_path / "store"))
    write_documents(store, "deduped", "c4a", c4_texts(shared_data, 40), tag="c4a")
    return store


def test_unknown_source_is_rejected_before_work(web_store):
    recipe = MixRecipe.from_dict(BASE | {"sources": [{"asset": "synthetic", "weight": 1}]})
    with pytest.raises(MixRecipeError, match="unknown source 'synthetic'.*materialize synthetic first"):
        plan_mix(web_store, recipe)


def test_partition_pattern_matching_nothing_is_rejected(web_store):
    recipe = MixRecipe.from_dict(BASE | {"sources": [{"asset": "deduped", "partitions": ["CC-MAIN-*"], "weight": 1}]})
    with pytest.raises(MixRecipeError, match=r"matches none of the partitions of deduped in the store \(c4a\)"):
        plan_mix(web_store, recipe)


def test_budget_beyond_allowed_repetition_is_rejected(web_store):
    available = plan_mix(web_store, MixRecipe.from_dict(BASE)).sources[0].available_tokens
    too_big = MixRecipe.from_dict(BASE | {"total_tokens": 3 * available, "max_repeats": 2})
    with pytest.raises(MixRecipeError, match=r"3\.00 passes, but max_repeats is 2: lower total_tokens to at most"):
        plan_mix(web_store, too_big)
    assert plan_mix(web_store, MixRecipe.from_dict(BASE | {"total_tokens": 3 * available, "max_repeats": 3})).sources[0].repeats == pytest.approx(3)


def test_shares_follow_weights_and_add_up_to_the_budget(web_store, shared_data):
    write_documents(web_store, "deduped", "c4b", c4_texts(shared_data, 40, skip=40), tag="c4b")
    recipe = MixRecipe.from_dict(BASE | {"total_tokens": 10_001, "sources": [
        {"asset": "deduped", "partitions": ["c4a"], "weight": 3}, {"asset": "deduped", "partitions": ["c4b"], "weight": 1}]})
    plan = plan_mix(web_store, recipe)
    assert [s.target_tokens for s in plan.sources] == [7501, 2500]
    assert [(i.asset, i.partition) for i in plan.manifests] == [("deduped", "c4a"), ("deduped", "c4b")]


def test_a_known_answer_pair_names_another_recipe(tmp_path):
    write_recipe(tmp_path, "good", "known_better_than: bad\ntotal_tokens: 10\nsources: [{asset: deduped, weight: 1}]\n")
    write_recipe(tmp_path, "bad", "total_tokens: 10\nsources: [{asset: deduped, weight: 1}]\n")
    assert load_recipes(tmp_path)["good"].known_better_than == "bad"
    write_recipe(tmp_path, "self", "known_better_than: self\ntotal_tokens: 10\nsources: [{asset: deduped, weight: 1}]\n")
    with pytest.raises(MixRecipeError, match="known_better_than 'self' is not another recipe"):
        load_recipes(tmp_path)


@pytest.mark.parametrize(("sources", "message"), [
    ([{"asset": "deduped", "weight": 1, "epochs": 2}], "give weight .a share of the budget. or epochs"),
    ([{"asset": "deduped", "epochs": 0}], "epochs must be a number > 0"),
    ([{"asset": "deduped", "epochs": 2}], "every source has epochs; give at least one a weight"),
    ([{"asset": "deduped", "weight": 1}, {"asset": "synthetic", "epochs": 5}], "epochs 5 exceeds max_repeats 4"),
])
def test_a_fixed_pass_source_is_checked_when_read(sources, message):
    with pytest.raises(MixRecipeError, match=message):
        MixRecipe.from_dict(BASE | {"max_repeats": 4, "sources": sources})


def test_a_fixed_pass_source_gives_its_passes_and_the_weighted_ones_fill_the_rest(web_store, shared_data):
    write_documents(web_store, "synthetic", "small", c4_texts(shared_data, 3, skip=80), tag="small")
    small = plan_mix(web_store, MixRecipe.from_dict(BASE | {"sources": [{"asset": "synthetic", "weight": 1}]}))
    small_tokens = small.sources[0].available_tokens
    recipe = MixRecipe.from_dict(BASE | {"total_tokens": 20_000, "max_repeats": 4, "sources": [
        {"asset": "deduped", "weight": 1}, {"asset": "synthetic", "epochs": 3}]})
    plan = plan_mix(web_store, recipe)
    assert [s.target_tokens for s in plan.sources] == [20_000 - 3 * small_tokens, 3 * small_tokens]
    assert plan.summary()[1]["epochs"] == 3 and "epochs" not in plan.summary()[0]
    # The same mix with 40x the budget: the fixed part is still 3 passes, the web's share grows (and fails at 4 passes).
    with pytest.raises(MixRecipeError, match=r"source deduped\[\*\] gives .* max_repeats is 4"):
        plan_mix(web_store, MixRecipe.from_dict(recipe.identity() | {"total_tokens": 800_000, "max_repeats": 4}))
    too_small = MixRecipe.from_dict(recipe.identity() | {"total_tokens": 3 * small_tokens})
    with pytest.raises(MixRecipeError, match="sources with epochs give .* leaving nothing for the weighted ones"):
        plan_mix(web_store, too_small)


def test_recipes_without_epochs_keep_their_versions():
    """``epochs`` joined the recipe format after mixes were stored: a recipe without it hashes as before."""
    recipe = MixRecipe.from_dict(BASE | {"total_tokens": 10_001, "seed": 3})
    assert recipe.identity()["sources"] == [{"asset": "deduped", "partitions": ["*"], "weight": 1.0, "table": "documents"}]
