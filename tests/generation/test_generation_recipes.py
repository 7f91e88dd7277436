"""Recipe files: every required recipe is there, valid, and renders the document into its prompt."""

from __future__ import annotations

import pytest

from factory.generation import RecipeError, load_recipes
from factory.generation.recipes import parse_recipe

REQUIRED = {
    "finephrase_faq", "finephrase_math", "finephrase_table", "finephrase_tutorial",
    "wrap_easy", "wrap_wikipedia", "wrap_qa",
    "nemotron_diverse_qa", "nemotron_distill", "nemotron_extract_knowledge", "nemotron_knowledge_list",
    "rewire_guided_rewrite",
}


def valid(**changes):
    raw = {"name": "demo_recipe", "version": 1, "follows": "test", "system": "sys", "user": "Rewrite:\n{text}",
           "sampling": {"temperature": 0.7, "max_tokens": 64}}
    raw.update(changes)
    return raw


def test_every_required_recipe_file_loads_and_names_what_it_follows():
    recipes = load_recipes()
    assert REQUIRED <= set(recipes), f"missing recipes: {REQUIRED - set(recipes)}"
    for recipe in recipes.values():
        assert recipe.follows and recipe.output_format, recipe.name
        assert recipe.applies_to.max_tokens and recipe.applies_to.max_tokens + recipe.sampling.max_tokens < 2048 - 200, recipe.name


def test_render_puts_the_document_in_the_user_message_and_keeps_its_braces_literal():
    recipe = load_recipes()["finephrase_faq"]
    messages = recipe.render("Water boils at {100} degrees. {text} stays as written.", url="http://x")
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[1]["content"].endswith("Water boils at {100} degrees. {text} stays as written.")
    assert "{text}" not in recipe.system


def test_fingerprint_changes_when_the_prompt_changes():
    first = parse_recipe(valid(), "a")
    second = parse_recipe(valid(user="Summarize:\n{text}"), "b")
    assert first.fingerprint != second.fingerprint and first.version == second.version


@pytest.mark.parametrize(("changes", "message"), [
    ({"user": "no placeholder"}, "must contain {text}"),
    ({"user": "{text} {author}"}, "unknown placeholders ['author']"),
    ({"name": "Bad Name"}, "snake_case"),
    ({"version": 0}, "version must be an integer >= 1"),
    ({"sampling": {"temperature": 3}}, "temperature must be in [0, 2], got 3"),
    ({"sampling": {"temprature": 0.5}}, "unknown sampling fields ['temprature']"),
    ({"applies_to": {"min_tokens": 100, "max_tokens": 10}}, "max_tokens (10) < min_tokens (100)"),
    ({"prompt": "x"}, "unknown fields ['prompt']"),
])
def test_invalid_recipes_are_refused_with_the_field_named(changes, message):
    with pytest.raises(RecipeError, match=None) as error:
        parse_recipe(valid(**changes), "recipes/demo_recipe.yaml")
    assert message in str(error.value) and "recipes/demo_recipe.yaml" in str(error.value)
