"""The leaderboard's page: narrow tables (ranking, other metrics, decisions, known answers), the lineage apart."""

from assets.proxy import leaderboard_tables


def _columns(value) -> list[str]:
    return [column.name for column in value.value.schema.columns]


def test_the_ranking_names_its_metric_once_and_the_lineage_and_other_metrics_are_tables_of_their_own():
    row = {"rank": 1, "mix": "web", "role": "baseline", "primary_metric": "task_bpb", "primary": 2.97, "seed_std": 0.01,
           "seeds": 3, "task_bpb": 2.97, "heldout_bpb": 2.8, "prob_correct": 0.3, "centred_acc": 0.0, "tokens_trained": 1000,
           "synthetic_faithfulness": 0.5, "max_repeats": 31.0, "repeated": "synthetic[*] x31 (10 documents)",
           "lineage": "deduped[*] w=1 1,000 tok <- dump=c4@v"}
    decisions = [{"a": "web", "b": "other", "metric": metric, "verdict": "undecided", "estimate": 0.0, "low": -1.0, "high": 1.0,
                  "reason": "long text"} for metric in ("task_bpb", "heldout_bpb")]
    tables = leaderboard_tables({"rows": [row], "decisions": decisions, "known_answers": []}, "task_bpb")

    ranking = tables["leaderboard"]
    assert _columns(ranking) == ["rank", "mix", "task_bpb", "seed_std", "repeats"]
    assert ranking.value.records[0].data["mix"] == "web (baseline)"
    assert ranking.value.records[0].data["repeats"] == "flagged: synthetic[*] x31 (10 documents)"
    others = {(r.data["metric"], r.data["value"]) for r in tables["other_metrics"].value.records}
    assert others == {("heldout_bpb", 2.8), ("prob_correct", 0.3), ("centred_acc", 0.0), ("synthetic_faithfulness", 0.5)}
    assert len(tables["decisions"].value.records) == 1, "only the primary metric's decisions: the count matches the rows"
    assert tables["decisions"].value.records[0].data["interval"] == "[-1.0000, +1.0000]"
    assert _columns(tables["lineage"]) == ["mix", "lineage"]
    assert tables["lineage"].value.records[0].data["lineage"] == "deduped[*] w=1 1,000 tok <- dump=c4 @ v"
