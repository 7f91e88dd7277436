"""A step's source cannot change under its old code version without someone deciding so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from factory import code_versions

ROOT = Path(__file__).resolve().parents[1]


def test_every_step_source_matches_its_recorded_code_version():
    drifts = code_versions.check()
    assert not drifts, "\n".join(d.message for d in drifts)


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the factory's sources, with its lock recorded."""
    shutil.copytree(ROOT / "factory", tmp_path / "factory", ignore=shutil.ignore_patterns("__pycache__", "configs"))
    code_versions.record(tmp_path, tmp_path / "lock.json")
    return tmp_path


def check(tree: Path) -> dict[str, str]:
    return {d.step: d.message for d in code_versions.check(tree, tree / "lock.json")}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_a_changed_helper_module_fails_every_step_that_imports_it(tree):
    edit(tree / "factory/curation/report.py", "def ", "def _added_helper():\n    return 1\n\n\ndef ")
    drifts = check(tree)
    assert "filtered" in drifts and not {"raw_crawl", "leaderboard", "proxy_model"} & set(drifts)
    assert "factory.curation.report changed since code version" in drifts["filtered"]
    assert "bump the code_version of STEP in factory.curation.step" in drifts["filtered"]


def test_shared_code_fails_all_its_users(tree):
    edit(tree / "factory/documents.py", "def ", "def _added_helper():\n    return 1\n\n\ndef ")
    assert {"filtered", "deduped", "synthetic"} <= set(check(tree))


def test_comments_docstrings_and_formatting_do_not_count(tree):
    path = tree / "factory/mixing/sampling.py"
    text = path.read_text()
    assert text.startswith('"""')
    path.write_text('"""Reworded docs.\n\n' + text[3:].replace("\n\n\n", "\n\n\n\n# a new comment\n", 1))
    assert check(tree) == {}


def test_a_bump_must_be_recorded_and_then_passes(tree):
    edit(tree / "factory/dedup/step.py", 'code_version="', 'code_version="9')
    assert "is not recorded" in check(tree)["deduped"]
    code_versions.record(tree, tree / "lock.json")
    assert check(tree) == {}


def test_plumbing_is_left_out(tree):
    edit(tree / "factory/store/writer.py", "def ", "def _added_helper():\n    return 1\n\n\ndef ")
    assert check(tree) == {}
