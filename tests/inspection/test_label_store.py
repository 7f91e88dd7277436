"""Labels round-trip through the store: one JSON-lines file per session under _labels/, rewritten as labels come."""

from __future__ import annotations

import json

from factory.labelling.store import LABELS_DIR, LabelSession, labels_dir, read_labels, read_sessions


def test_session_file_is_written_at_every_label_and_read_back(tiny):
    store, manifest = tiny.store, tiny.deduped
    session = LabelSession(store, manifest, "s1")
    assert session.path == f"{store.root}/{LABELS_DIR}/deduped/dump=c4/{manifest.version}/s1.jsonl"
    session.record("a", "News", "News")
    assert [json.loads(line)["label"] for line in open(session.path)] == ["News"]
    session.record("b", "Forum", None)
    session.record("a", "Creative", "News")  # went back: the new label replaces the old, in place
    lines = [json.loads(line) for line in open(session.path)]
    assert [(r["id"], r["label"], r["classifier_category"]) for r in lines] == [("a", "Creative", "News"),
                                                                                 ("b", "Forum", None)]
    assert set(lines[0]) == {"id", "label", "classifier_category", "timestamp"}
    assert read_sessions(store, "deduped", manifest.partition, manifest.version)["s1"] == session.records


def test_later_sessions_win_and_versions_stay_apart(tiny):
    store, manifest = tiny.store, tiny.synthetic
    LabelSession(store, manifest, "20240101T000000Z-aaaaaa").record("x", "News", "Other")
    LabelSession(store, manifest, "20240102T000000Z-bbbbbb").record("x", "Other", "Other")
    LabelSession(store, manifest, "20240102T000000Z-cccccc").record("y", "Forum", None)
    labels = {r.id: r.label for r in read_labels(store, "synthetic", manifest.partition, manifest.version)}
    assert labels == {"x": "Other", "y": "Forum"}
    assert read_labels(store, "synthetic", manifest.partition, "0" * 16) == []
    assert labels_dir(store, "synthetic", manifest.partition, manifest.version).endswith(
        f"_labels/synthetic/dump=c4/recipe=faq/{manifest.version}")
