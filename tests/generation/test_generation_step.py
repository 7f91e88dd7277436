"""The synthetic step: lineage, rejections kept aside by reason, no empty commits, resume after a kill."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from factory.faults import CRASH_ENV
from factory.generation import AllRejectedError, OutputChecks, SyntheticConfig, generate_synthetic, load_recipe
from factory.store import Store
from generation_helpers import DUMP, CountingGenerator, PlantedGenerator, faithful, planted, write_source

REPO = Path(__file__).resolve().parents[2]


def respond_by_document(request):
    """A different planted output per source document: one per rejection reason (the sixth invented, about something
    the page never mentions), the rest faithful."""
    doc = request.messages[-1]["content"]
    number = int(request.request_id.rsplit("-", 1)[1])
    source_text = doc.split("Document:\n", 1)[-1]
    outputs = [
        planted(""),
        planted("I'm sorry, but I cannot rewrite this document for you as it is written."),
        planted("the same words " * 40, "length"),
        planted(source_text),
        planted(faithful(request).text, "length"),
        planted("Q: Who founded the Academy of French Literature?\nA: The novelist Eric Rothjacket, in Lyon, in 1925."),
    ]
    if number % 7 < len(outputs):
        return outputs[number % 7]
    return faithful(request)


def test_planted_outputs_are_counted_by_reason_and_kept_aside_with_lineage(store, c4_docs):
    docs = [{**d, "id": f"doc-{i}"} for i, d in enumerate(c4_docs[:12])]
    source = write_source(store, docs)
    recipe = load_recipe("finephrase_faq")
    result = generate_synthetic(store, PlantedGenerator(respond_by_document), dump=DUMP, recipe=recipe,
                                config=SyntheticConfig(chunk_size=5))
    manifest = result.manifest
    assert manifest.counts["requests"] == 12 and manifest.parts == 3
    assert manifest.stats["rejections"] == {"empty": 2, "refused": 2, "looping": 2, "copied_source": 2, "unfaithful": 1,
                                            "truncated": 2}
    assert manifest.counts["accepted"] == 1 and manifest.inputs[0].version == source.version
    kept = store.read_table(manifest, "documents").to_pylist()
    assert {row["source_id"] for row in kept} == {"doc-6"}
    row = kept[0]
    assert row["recipe"] == "finephrase_faq" and row["recipe_version"] == recipe.version and row["model"] == "planted-model@planted"
    assert json.loads(row["sampling"])["temperature"] == recipe.sampling.temperature and row["seed"] == 0
    assert row["tokens"] > 0 and row["dump"] == DUMP and row["url"] == docs[6]["url"]
    rejected = store.read_table(manifest, "rejected").to_pylist()
    assert sorted(r["reason"] for r in rejected).count("looping") == 2 and len(rejected) == 11
    assert manifest.stats["accelerator_hours"]["cpu"] >= 0 and manifest.stats["tokens_out"] > 0


def test_an_all_rejected_partition_raises_and_commits_nothing(store, c4_docs):
    write_source(store, c4_docs[:4])
    generator = PlantedGenerator(lambda request: planted("I'm sorry, I cannot do that for you, as it would not be right."))
    with pytest.raises(AllRejectedError, match=r"all 4 outputs were rejected \(\{'refused': 4\}\); nothing committed") as error:
        generate_synthetic(store, generator, dump=DUMP, recipe=load_recipe("wrap_easy"), config=SyntheticConfig())
    assert error.value.rejections == {"refused": 4} and error.value.samples[0]["reason"] == "refused"
    assert store.current("synthetic", {"dump": DUMP, "recipe": "wrap_easy"}) is None


def test_a_missing_source_names_the_asset_to_materialize(store):
    with pytest.raises(LookupError, match=r"no committed version of deduped\[dump=olmo_c4\].*materialize deduped"):
        generate_synthetic(store, PlantedGenerator(respond_by_document), dump=DUMP, recipe=load_recipe("wrap_easy"), config=SyntheticConfig())


# 8-token outputs are fragments: the faithfulness gate is off so that resuming, not the gate, is what is tested.
RESUME_SETTINGS = {"chunk_size": 2, "max_tokens": 8, "checks": {"empty_min_words": 1, "truncated": "keep", "unfaithful_min_score": None}}

CHILD = """
import json, sys
from factory import settings; settings.set_offline_defaults()
from factory.generation import GeneratorConfig, OutputChecks, SyntheticConfig, generate_synthetic, load_generator, load_recipe
from factory.store import Store
root, model, dump, raw = sys.argv[1:5]
cfg = json.loads(raw)
generator = load_generator(GeneratorConfig(backend="transformers", model=model, batch_size=4))
config = SyntheticConfig(chunk_size=cfg["chunk_size"], max_tokens=cfg["max_tokens"], checks=OutputChecks(**cfg["checks"]))
generate_synthetic(Store(root), generator, dump=dump, recipe=load_recipe("wrap_easy"), config=config)
"""


def test_resume_after_a_kill_does_not_regenerate_committed_chunks(tmp_path, c4_docs, smollm2_dir, transformers_generator):
    root = str(tmp_path / "store")
    store = Store(root)
    write_source(store, c4_docs[:6])
    parts_dir = tmp_path / "store" / "synthetic" / f"dump={DUMP}" / "recipe=wrap_easy"
    # Preempted at a named point: right after the first chunk's part is committed, before the manifest.
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, root, str(smollm2_dir), DUMP, json.dumps(RESUME_SETTINGS)],
        cwd=REPO, env={**os.environ, CRASH_ENV: "part_committed@1"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        status = child.wait(timeout=240)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
    assert status == -signal.SIGKILL, f"the generation child was not killed: {child.stderr.read().decode()[-2000:]}"
    version_dir = next(parts_dir.glob("*/_parts")).parent
    assert not (version_dir / "_manifest.json").exists()
    committed = {p.name: p.read_bytes() for p in (version_dir / "_parts").glob("part-*.json")}
    committed_paths = {row for p in committed.values() for f in json.loads(p)["files"] for row in [f["path"]]}
    assert len(committed) == 1

    counting = CountingGenerator(transformers_generator)
    cfg = RESUME_SETTINGS
    config = SyntheticConfig(chunk_size=cfg["chunk_size"], max_tokens=cfg["max_tokens"], checks=OutputChecks(**cfg["checks"]))
    result = generate_synthetic(store, counting, dump=DUMP, recipe=load_recipe("wrap_easy"), config=config)
    manifest = result.manifest
    assert manifest.version == version_dir.name, "the resumed run must continue the killed run's version"
    expected = [d["id"] for d in c4_docs[len(committed) * 2:6]]
    assert counting.requested == expected, "only the chunks without a part marker are generated again"
    assert manifest.stats["parts_resumed"] == len(committed) and manifest.parts == 3 and manifest.counts["requests"] == 6
    for name, marker in committed.items():
        assert (version_dir / "_parts" / name).read_bytes() == marker, f"committed part {name} was rewritten"
    assert all(any(f.path == path for f in manifest.files) for path in committed_paths)

    again = generate_synthetic(store, counting, dump=DUMP, recipe=load_recipe("wrap_easy"), config=config)
    assert again.reused and again.manifest.version == manifest.version and len(counting.requested) == len(expected)

    # The resumed version is the one an uninterrupted run commits, byte for byte.
    uninterrupted_store = Store(str(tmp_path / "uninterrupted"))
    write_source(uninterrupted_store, c4_docs[:6])
    uninterrupted = generate_synthetic(uninterrupted_store, transformers_generator, dump=DUMP, recipe=load_recipe("wrap_easy"),
                                       config=config).manifest
    assert (manifest.version, manifest.content_hash) == (uninterrupted.version, uninterrupted.content_hash)
