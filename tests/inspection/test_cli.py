"""`factory inspect` and `factory label --report` through typer's runner: output, JSON, and exit 2 on mistakes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from factory.cli import app
from factory.labelling.store import LabelSession

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def flat(output: str) -> str:
    return " ".join(output.split())


def test_inspect_json_is_the_seeded_sample(tiny):
    result = invoke("inspect", "deduped", "c4", "--n", "3", "--seed", "11", "--root", str(tiny.store.root), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["version"] == tiny.deduped.short and report["seed"] == 11 and len(report["documents"]) == 3
    first = report["documents"][0]
    assert first["category"] == tiny.category[first["id"]]
    assert first["edu_score"] == pytest.approx(tiny.edu_score[first["id"]])


def test_inspect_prints_documents_with_lineage_and_the_seed(tiny):
    result = invoke("inspect", "synthetic", "dump=c4/recipe=faq", "--n", "1", "--seed", "2", "--store", str(tiny.store.root))
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "faq v2 by SmolLM2-135M-Instruct" in text and f"in {tiny.deduped.short}" in text
    assert "faithfulness 0.61 (similarity 0.72, 50% of its words on the page)" in text
    assert "seed 2 (--seed 2 shows the same sample)" in text
    filtered = flat(invoke("inspect", "deduped", "c4", "--category", "forum", "--score-min", "1", "--n", "2",
                           "--root", str(tiny.store.root)).output)
    assert filtered.count("category Forum") == 3  # two documents and the summary
    assert f"2 of {tiny.deduped.short}, category Forum, edu score >= 1.0; seed" in filtered


@pytest.mark.parametrize(("args", "message"), [
    (["inspect", "nope", "c4"], "unknown asset 'nope'"),
    (["inspect", "deduped", "2024"], "partition '2024' matches no folder"),
    (["inspect", "deduped", "dump=HOLDOUT"], "no current version of deduped[dump=HOLDOUT]"),
    (["inspect", "deduped", "c4", "--category", "Recipes"], "unknown category 'Recipes'"),
    (["inspect", "deduped", "../c4"], "is not allowed in store paths"),
    (["label", "deduped", "c4"], "needs an interactive terminal"),
])
def test_mistakes_exit_2_naming_what_failed(tiny, args, message):
    result = invoke(*args, "--root", str(tiny.store.root))
    assert result.exit_code == 2, result.output
    assert message in flat(result.output)


def test_label_report_reads_every_stored_session(tiny):
    manifest = tiny.filtered
    empty = invoke("label", "filtered", "000|c4", "--report", "--root", str(tiny.store.root))
    assert empty.exit_code == 0 and "no labels stored for filtered[dump=c4/chunk=000]" in flat(empty.output)
    session = LabelSession(tiny.store, manifest)
    for doc_id, label in [("a", "News"), ("b", "News"), ("c", "Forum")]:
        session.record(doc_id, label, "News")
    report = flat(invoke("label", "filtered", "000|c4", "--report", "--root", str(tiny.store.root)).output)
    assert f"Labels of {manifest.short}: 3 documents from 1 session(s)" in report
    assert "News │ 2 │ 67% │ 3 │ 100%" in report and "Forum │ 1 │ 33% │ 0 │ 0%" in report
    assert "agreement 66.7% (2/3 documents), Cohen's kappa 0.000" in report
