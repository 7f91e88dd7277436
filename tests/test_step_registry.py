"""The step registry reads every `STEP = Step(...)` declaration from the source: a new step is registered by declaring
it, and what the registry derives (code versions, deciding libraries, the planned assets) follows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from factory.step_registry import StepDeclarationError, registered_steps
from factory.store.packages import deciding_versions

ROOT = Path(__file__).resolve().parents[1]
STEP_SOURCE = 'from factory.steps import Step\n\nSTEP = Step("decontaminated", code_version="1", libraries=("numpy",))\n'


@pytest.fixture
def tree(tmp_path) -> Path:
    shutil.copytree(ROOT / "factory", tmp_path / "factory", ignore=shutil.ignore_patterns("__pycache__", "configs"))
    return tmp_path


def test_every_step_of_the_factory_is_registered_with_its_module_and_libraries():
    steps = registered_steps()
    assert {"raw_crawl", "filtered", "deduped", "synthetic", "mixed", "proxy_model", "proxy_eval", "leaderboard"} <= set(steps)
    assert steps["filtered"].module == "factory.curation.step" and "datatrove" in steps["filtered"].libraries
    assert set(deciding_versions("filtered")) <= set(steps["filtered"].libraries) and "datatrove" in deciding_versions("filtered")


def test_declaring_a_step_registers_it(tree):
    (tree / "factory/decont").mkdir()
    (tree / "factory/decont/step.py").write_text(STEP_SOURCE)
    step = registered_steps(tree)["decontaminated"]
    assert (step.module, step.code_version, step.libraries) == ("factory.decont.step", "1", ("numpy",))


def test_two_steps_for_one_asset_are_refused(tree):
    (tree / "factory/curation/copy.py").write_text(STEP_SOURCE.replace("decontaminated", "filtered"))
    with pytest.raises(StepDeclarationError, match="both declare the step 'filtered'"):
        registered_steps(tree)


def test_a_declaration_the_registry_cannot_read_is_refused(tree):
    (tree / "factory/curation/odd.py").write_text(STEP_SOURCE.replace('code_version="1"', "code_version=VERSION"))
    with pytest.raises(StepDeclarationError, match="literal arguments"):
        registered_steps(tree)
