"""Generation with real vLLM, killed after its first committed chunk, resumes from the next chunk."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from factory.categories.step import build_category_classifier
from factory.faults import CRASH_ENV
from factory.generation import load_recipe
from factory.generation.checks import OutputChecks
from factory.generation.step import SyntheticConfig, generate_synthetic
from factory.store import Store
from generation_helpers import DUMP, CountingGenerator, write_source

CONFIG = SyntheticConfig(chunk_size=2, max_documents=6, max_tokens=48, checks=OutputChecks(empty_min_words=3, truncated="trim"))
CHILD = """
    import sys
    from factory.generation import GeneratorConfig, load_generator, load_recipe
    from factory.generation.checks import OutputChecks
    from factory.generation.step import SyntheticConfig, generate_synthetic
    from factory.store import Store

    config = SyntheticConfig(chunk_size=2, max_documents=6, max_tokens=48, checks=OutputChecks(empty_min_words=3, truncated="trim"))
    generator = load_generator(GeneratorConfig(backend="vllm", model=sys.argv[2]))
    generate_synthetic(Store(sys.argv[1]), generator, dump=sys.argv[3], recipe=load_recipe("finephrase_faq"), config=config)
"""


@pytest.mark.slow
def test_vllm_generation_killed_after_a_chunk_redoes_no_committed_chunk(vllm_resource, smollm2_dir, c4_docs, tmp_path):
    store = Store(str(tmp_path / "store"))
    write_source(store, c4_docs[:6])
    build_category_classifier(store)  # an input of synthetic: committed first, so the kill counts chunk parts only
    log = tmp_path / "killed.log"
    with open(log, "w") as output:  # vLLM's own processes share the child's session and are killed with it
        child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(CHILD), store.root_uri, str(smollm2_dir), DUMP],
                                 env={**os.environ, CRASH_ENV: "part_committed@1"}, stdout=output, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        try:
            status = child.wait(timeout=600)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
    assert status == -signal.SIGKILL, log.read_text()[-3000:]
    assert store.versions("synthetic", {"dump": DUMP, "recipe": "finephrase_faq"}) == []
    committed = committed_bytes(store)
    assert any(path.endswith(".parquet") for path in committed)  # chunk 1's part marker and the files it lists

    generator = CountingGenerator(vllm_resource.get())
    result = generate_synthetic(store, generator, dump=DUMP, recipe=load_recipe("finephrase_faq"), config=CONFIG)
    manifest = result.manifest
    first_chunk = {doc["id"] for doc in c4_docs[:2]}
    assert sorted(generator.requested) == sorted(doc["id"] for doc in c4_docs[2:6])  # chunk 1 was not generated again
    assert manifest.parts == 3 and manifest.counts["requests"] == 6 and manifest.stats["parts_resumed"] == 1
    kept = store.read_table(manifest, "documents").to_pylist() + store.read_table(manifest, "rejected").to_pylist()
    assert first_chunk <= {row["source_id"] for row in kept}  # the killed run's chunk is part of the version
    assert committed_bytes(store, manifest.version) == committed  # the killed run's committed bytes are untouched


def committed_bytes(store: Store, version: str | None = None) -> dict[str, bytes]:
    """Every file of the killed run's committed part 0 (its marker and the files it lists), by path."""
    partition = store.partition_dir("synthetic", {"dump": DUMP, "recipe": "finephrase_faq"})
    [folder] = [f"{partition}/{version}"] if version else store.glob(f"{partition}/*")
    marker = f"{folder}/_parts/part-00000.json"
    files = [entry["path"] for entry in json.loads(store.get(marker))["files"]]
    return {path: store.get(f"{folder}/{path}") for path in ["_parts/part-00000.json", *files]}
