"""One partition's generation spread over 2 worker processes (one engine each) gives the outputs of 1 worker:
the transformers backend seeds every batch from its request, and a batch is one request here."""

from __future__ import annotations

import pytest

from factory.generation import GeneratorConfig, OutputChecks, SyntheticConfig, generate_synthetic, load_generator, load_recipe
from factory.store import Store
from generation_helpers import DUMP, write_source


@pytest.mark.slow
def test_two_workers_commit_the_same_outputs_as_one(c4_docs, smollm2_dir, tmp_path):
    config = GeneratorConfig(backend="transformers", model=str(smollm2_dir), batch_size=1)
    step = SyntheticConfig(max_documents=4, chunk_size=1, max_tokens=24,
                           checks=OutputChecks(empty_min_words=2, truncated="trim"))
    recipe = load_recipe("finephrase_faq")
    results = {}
    for workers in (1, 2):
        store = Store(str(tmp_path / f"workers-{workers}"))
        write_source(store, c4_docs[:6])
        generator = load_generator(config)
        try:
            results[workers] = generate_synthetic(store, generator, dump=DUMP, recipe=recipe, config=step, workers=workers).manifest
        finally:
            generator.close()
    one, two = results[1], results[2]
    assert two.operational["workers"] == 2 and one.version == two.version  # workers are operational
    assert two.parts == one.parts == 4 and two.counts["requests"] == 4
    assert two.content_hash == one.content_hash  # the same outputs, chunk for chunk
    assert two.counts == one.counts
