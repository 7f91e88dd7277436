"""Each step's plan is declared beside its asset (`@plans`): the planner finds every registered step's, names a step
without one, and refuses two plans for one asset."""

from __future__ import annotations

import pytest

from assets.planner import Planner
from assets.plans import PlanDeclarationError, plan_functions, plans


def test_every_planned_step_has_its_plan_beside_its_asset():
    found = plan_functions(Planner.PLANNED)
    assert set(found) == set(Planner.PLANNED) and "raw_crawl" not in found
    assert all(function.__module__.startswith("assets.") for function in found.values())


def test_a_step_without_a_plan_is_named():
    with pytest.raises(PlanDeclarationError, match=r"no @plans function for the step\(s\) \['nothing_plans_me'\]"):
        plan_functions(("filtered", "nothing_plans_me"))


def test_two_plans_for_one_asset_are_refused():
    with pytest.raises(PlanDeclarationError, match="two plans for 'filtered'"):
        plans("filtered")(lambda planner, partition: None)
