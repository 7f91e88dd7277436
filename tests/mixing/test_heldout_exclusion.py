"""Held-out evaluation documents never reach a mix: by text hash, by id, or as the source of a rephrasing."""

from __future__ import annotations

import pyarrow as pa

from factory.decontamination.config import DecontaminationConfig
from factory.documents import DOCUMENT_SCHEMA
from factory.evaluation.heldout import Exclusion, exclusion, read_domain
from factory.mixing.heldout_check import heldout_leaks
from factory.mixing.recipe import MixRecipe
from factory.mixing.step import build_mix
from factory.models import count_tokens
from factory.store import Store
from factory.store.writer import open_writer
from mixing.helpers import c4_texts, write_documents
from support.contamination import index_in


def test_held_out_documents_are_dropped_from_every_mix_and_the_check_proves_it(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    held = exclusion(shared_data)
    c4 = c4_texts(shared_data, 60)  # every 5th of the sample is held out: 12 of these 60 pages
    write_documents(store, "deduped", "c4", c4, tag="c4")
    # The same held-out page under the crawl's id (its url) with other text, and a rephrasing of a held-out SciQ passage.
    sciq = read_domain("sciq_passages", shared_data, limit=1)[0]
    extra = [{"id": read_domain("c4", shared_data, limit=2)[1].id, "text": "Whitespace and edits change the text, not the id.", "source_id": ""},
             {"id": "synthetic-0", "text": "A rephrased passage about science.", "source_id": sciq.id},
             {"id": "synthetic-1", "text": "A rephrased web page that is not held out, about gardening in spring.", "source_id": "c4-1"}]
    rows = [{"id": r["id"], "text": r["text"], "url": "", "dump": "x", "source_file": "x", "tokens": n,
             "metadata": "{}", **({"source_id": r["source_id"]} if r["source_id"] else {})} for r, n in zip(extra, count_tokens([r["text"] for r in extra]))]
    schema = DOCUMENT_SCHEMA.append(pa.field("source_id", pa.string()))
    writer = open_writer(store, "synthetic", {"dump": "x", "recipe": "faq"}, code_version="test", config={})
    with writer.part(0) as part:
        part.write_table("documents", pa.Table.from_pylist([{**r, "source_id": r.get("source_id")} for r in rows], schema=schema))
    writer.commit()
    recipe = MixRecipe.from_dict({"name": "all", "total_tokens": 60000, "sources": [{"asset": "deduped", "weight": 0.9},
                                                                                   {"asset": "synthetic", "weight": 0.1}],
                                  "max_repeats": 400})
    index_in(store)
    mix = build_mix(store, recipe).manifest
    assert mix.counts["heldout_excluded"] == 12 + 2
    assert mix.stats["heldout"]["digest"] == held.digest and mix.config["heldout_excluded"] == held.digest
    assert heldout_leaks(store, mix, held) == (0, [])

    # Built without the exclusion, and with contaminated documents only reported, the same check finds the 12
    # pages: it can fail. The contamination index finds them too, by their n-grams.
    nothing = Exclusion(frozenset({"none"}), frozenset())
    leaky = build_mix(store, MixRecipe.from_dict({**recipe.identity(), "name": "leaky"}), exclusion=nothing,
                      decontamination=DecontaminationConfig(action="report")).manifest
    found, examples = heldout_leaks(store, leaky, held)
    assert found >= 12 and examples
    c4_rows = [row for row in leaky.stats["contamination"]["sources"] if row["source"] == "c4"]
    assert c4_rows[0]["documents"] >= 12 and leaky.stats["contamination"]["removed"] == 0


def test_held_out_sets_are_fixed_real_text(shared_data):
    c4 = read_domain("c4", shared_data)
    assert len(c4) == 200 and c4[0].id.startswith("http")
    assert all(len(d.text) > 100 for d in read_domain("english_corpus", shared_data, limit=50))
    assert [d.id for d in read_domain("sciq_passages", shared_data, limit=3)] == [d.id for d in read_domain("sciq_passages", shared_data, limit=3)]
