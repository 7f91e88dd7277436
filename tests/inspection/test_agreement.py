"""Distributions, raw agreement and Cohen's kappa against values computed by hand (and scikit-learn's kappa)."""

from __future__ import annotations

import pytest

from factory.labelling.agreement import cohen_kappa, compare, counts, raw_agreement, shares

CATS = ("Educational", "Advertising", "Forum", "News", "Creative", "Boilerplate", "Nonsensical", "Other")
MINE = ["Educational", "Educational", "News", "Forum", "News", "Other"]
THEIRS = ["Educational", "News", "News", "Forum", "Educational", "Other"]


def test_counts_and_shares_cover_every_category():
    found = counts(MINE, CATS)
    assert list(found) == list(CATS)
    assert found == {"Educational": 2, "Advertising": 0, "Forum": 1, "News": 2, "Creative": 0, "Boilerplate": 0,
                     "Nonsensical": 0, "Other": 1}
    assert shares(found)["Educational"] == pytest.approx(1 / 3) and shares(found)["Creative"] == 0
    assert shares(counts([], CATS)) == dict.fromkeys(CATS, 0.0)
    with pytest.raises(ValueError, match=r"labels \['Recipes'\] are not categories"):
        counts(["Recipes"], CATS)


def test_kappa_by_hand():
    # p_o = 4/6; both raters: Educational 2, News 2, Forum 1, Other 1 -> p_e = (4 + 4 + 1 + 1) / 36 = 10/36
    # kappa = (24/36 - 10/36) / (26/36) = 14/26
    assert raw_agreement(MINE, THEIRS) == pytest.approx(4 / 6)
    assert cohen_kappa(MINE, THEIRS) == pytest.approx(7 / 13)
    # p_o = 3/4, p_e = 0.5 * 0.25 + 0.5 * 0.75 = 0.5 -> kappa 0.5
    assert cohen_kappa(["News", "News", "Forum", "Forum"], ["News", "Forum", "Forum", "Forum"]) == pytest.approx(0.5)
    # complete disagreement between two balanced raters: p_o = 0, p_e = 0.5 -> kappa -1
    assert cohen_kappa(["News", "Forum"], ["Forum", "News"]) == pytest.approx(-1.0)


def test_kappa_matches_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    assert cohen_kappa(MINE, THEIRS) == pytest.approx(cohen_kappa_score(MINE, THEIRS, labels=list(CATS)))


def test_kappa_is_undefined_without_documents_or_with_certain_chance_agreement():
    assert cohen_kappa([], []) is None and raw_agreement([], []) is None
    assert cohen_kappa(["News", "News"], ["News", "News"]) is None
    with pytest.raises(ValueError, match="same documents: 2 labels against 1"):
        raw_agreement(["News", "News"], ["News"])


def test_compare_leaves_unclassified_documents_out_of_the_agreement():
    result = compare([*zip(MINE, THEIRS, strict=True), ("Creative", None)], CATS)
    assert result.labelled == 7 and result.compared == 6 and result.agreed == 4
    assert result.mine["Creative"] == 1 and sum(result.classifier.values()) == 6
    assert result.raw_agreement == pytest.approx(4 / 6) and result.kappa == pytest.approx(7 / 13)
    assert result.to_dict()["mine_shares"]["Creative"] == pytest.approx(1 / 7)
