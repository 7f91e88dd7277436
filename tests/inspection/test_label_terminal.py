"""`factory label` in a real pseudo-terminal: keys label, skip and go back; labels reach the store as they are given;
quitting prints the reviewer's distribution beside the classifier's with agreement and kappa.

Every step waits for text the screen shows (the progress line), never for time, with generous timeouts.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from factory.inspection import sample_documents
from factory.labelling.agreement import cohen_kappa
from factory.labelling.store import labels_dir, read_labels

pexpect = pytest.importorskip("pexpect")
FACTORY = Path(sys.executable).parent / "factory"
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>78]")
SEED = 5


def spawn(root: str) -> pexpect.spawn:
    if not FACTORY.exists():
        pytest.fail(f"console script {FACTORY} not found: install the project into the virtualenv (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm-256color", PYTHONUNBUFFERED="1")
    return pexpect.spawn(str(FACTORY), ["label", "deduped", "c4", "--n", "5", "--seed", str(SEED), "--root", root],
                         env=env, dimensions=(40, 120), encoding="utf-8", timeout=30)


def press(child: pexpect.spawn, key: str, shows: str) -> None:
    child.send(key)
    child.expect_exact(shows)


def test_labelling_in_a_terminal_stores_labels_and_reports_agreement(tiny):
    documents = sample_documents(tiny.store, "deduped", "c4", 5, SEED)  # what the command draws with the same seed
    folder = Path(labels_dir(tiny.store, "deduped", tiny.deduped.partition, tiny.deduped.version))
    child = spawn(str(tiny.store.root))
    try:
        child.expect_exact("Document 1/5", timeout=120)
        child.expect_exact(documents[0].id[:40])  # the document itself is on screen, not just the frame
        press(child, "1", "Document 2/5")
        saved = list(folder.glob("*.jsonl"))
        assert len(saved) == 1, "the first label must be in the store before the session ends"
        assert [json.loads(line)["label"] for line in saved[0].read_text().splitlines()] == ["Educational"]
        press(child, "3", "Document 3/5")
        press(child, "s", "Document 4/5")
        press(child, "2", "Document 5/5")
        press(child, "b", "Document 4/5")
        press(child, "4", "Document 5/5")  # relabels document 4: News replaces Advertising
        child.send("q")
        child.expect(pexpect.EOF, timeout=60)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    labels = {r.id: r for r in read_labels(tiny.store, "deduped", tiny.deduped.partition, tiny.deduped.version)}
    expected = {documents[0].id: "Educational", documents[1].id: "Forum", documents[3].id: "News"}
    assert {doc_id: r.label for doc_id, r in labels.items()} == expected
    assert all(r.classifier_category == tiny.category[doc_id] for doc_id, r in labels.items())

    output = " ".join(ANSI.sub("", child.before).split())
    mine, theirs = list(expected.values()), [tiny.category[doc_id] for doc_id in expected]
    agreed = sum(m == t for m, t in zip(mine, theirs, strict=True))
    kappa = cohen_kappa(mine, theirs)
    assert f"Labels of {tiny.deduped.short}: 3 documents from 1 session(s)" in output
    for category in ("Educational", "Forum", "News"):
        assert f"{category} │ 1 │ 33% │ {theirs.count(category)} │" in output
    assert f"agreement {agreed / 3:.1%} ({agreed}/3 documents), Cohen's kappa {kappa:.3f}" in output
