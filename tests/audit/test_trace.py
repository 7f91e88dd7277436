"""`factory lineage --doc`: one document from a mix back through synthetic, dedup and filtering to its crawl record."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from audit.helpers import MIX, RECIPE, build_chain
from factory.audit import StoreIndex, trace_document
from factory.cli import app
from factory.store import Store


def test_a_synthetic_document_in_a_mix_is_followed_to_its_crawl_record(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    result = CliRunner().invoke(app, ["lineage", "--doc", chain.synthetic_id, "--json", "--store", store.root_uri])
    assert result.exit_code == 0, result.output
    hops = json.loads(result.output)["hops"]
    assert [h["asset"] for h in hops] == ["mixed", "synthetic", "deduped", "filtered", "raw_crawl"]
    mixed, synthetic, deduped, filtered, crawl = hops
    assert mixed["partition"] == MIX and mixed["source"]["asset"] == "synthetic" and mixed["copies"] == 2
    assert (synthetic["recipe"], synthetic["recipe_version"], synthetic["seed"]) == (RECIPE, 1, 3)
    assert synthetic["model"] == "SmolLM2-135M-Instruct" and synthetic["sampling"]["temperature"] == 0.7
    assert synthetic["source_id"] == chain.kept_ids[1] == deduped["doc_id"] and deduped["kept"] is True
    assert filtered["record_index"] == 1 and filtered["source_file"] == chain.raw.sources[0].url
    assert crawl["file"]["checksum"] == chain.raw.sources[0].checksum and crawl["record_index"] == 1


def test_an_exact_duplicate_names_the_copy_that_was_kept(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    hops = trace_document(StoreIndex(store), chain.removed_id)  # in no mix: found where dedup removed it
    assert [h.manifest.asset for h in hops] == ["deduped", "filtered", "raw_crawl"]
    facts = hops[0].facts
    assert facts["kept"] is False and facts["reason"] == "exact_duplicate" and facts["content_key"] == "key0"
    assert [m["id"] for m in facts["cluster"]] == [chain.kept_ids[0]]


def test_an_unknown_document_says_where_it_looked(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    build_chain(store, shared_data)
    result = CliRunner().invoke(app, ["lineage", "--doc", "no-such-doc", "--store", store.root_uri])
    assert result.exit_code == 1 and "no current version of mixed" in result.output


def test_a_trail_that_breaks_upstream_keeps_the_hops_found_and_says_where_it_stops(tmp_path, shared_data):
    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    store.fs.rm(store.version_dir("filtered", chain.filtered.partition, chain.filtered.version), recursive=True)
    hops = trace_document(StoreIndex(store), chain.synthetic_id)
    assert [h.manifest.asset for h in hops] == ["mixed", "synthetic", "deduped"]
    assert hops[-1].facts["missing_inputs"] == [chain.filtered.short]


def test_a_document_of_an_edu_filtered_mix_is_followed_through_the_filter_to_its_crawl_record(tmp_path, shared_data):
    from audit.helpers import commit
    from factory.documents import DOCUMENT_SCHEMA

    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    kept = store.read_table(chain.deduped, "documents").to_pylist()
    scores = commit(store, "quality_scores", {"dump": "c4"}, {"attributes": [{"id": r["id"], "edu_score": 3.5} for r in kept]},
                    config={"model": "edu"}, inputs=[chain.deduped])
    educational = [{**kept[2], "metadata": json.dumps({**json.loads(kept[2]["metadata"]), "edu_score": 3.5, "edu_int": 3})}]
    edu = commit(store, "edu_filtered", {"dump": "c4"}, {"documents": educational}, config={"threshold": 3},
                 inputs=[chain.deduped, scores], schema=DOCUMENT_SCHEMA)
    selected = [{"doc_id": kept[2]["id"], "source": 0, "version": edu.version, "copies": 1, "tokens": 10}]
    recipe = {"name": "web-edu", "sources": [{"asset": "edu_filtered", "partitions": ["*"], "table": "documents", "weight": 1}]}
    mixed = commit(store, "mixed", "web-edu", {"selected": selected}, config={"recipe": recipe}, inputs=[edu])
    hops = trace_document(StoreIndex(store), kept[2]["id"], start=mixed)
    assert [h.manifest.asset for h in hops] == ["mixed", "edu_filtered", "deduped", "filtered", "raw_crawl"]
    assert hops[1].facts["kept"] is True and hops[1].facts["edu_score"] == 3.5 and hops[4].facts["record_index"] == 2


def test_a_bare_id_held_by_two_mixes_names_both_and_asks_for_one(tmp_path, shared_data):
    from audit.helpers import commit

    store = Store(str(tmp_path / "store"))
    chain = build_chain(store, shared_data)
    doc_id = chain.kept_ids[0]
    selected = [{"doc_id": doc_id, "source": 0, "version": chain.deduped.version, "copies": 1, "tokens": 10}]
    recipe = {"name": "other", "sources": [{"asset": "deduped", "partitions": ["*"], "table": "documents", "weight": 1}]}
    other = commit(store, "mixed", "other", {"selected": selected}, config={"recipe": recipe}, inputs=[chain.deduped])
    result = CliRunner().invoke(app, ["lineage", "--doc", doc_id, "--store", store.root_uri])
    message = " ".join(result.output.split())
    assert result.exit_code == 1 and "is in 2 current versions of mixed" in message
    assert chain.mixed.short in message and other.short in message and "factory lineage mixed" in message
    named = CliRunner().invoke(app, ["lineage", "mixed", "other", "--doc", doc_id, "--json", "--store", store.root_uri])
    assert named.exit_code == 0 and json.loads(named.output)["hops"][0]["partition"] == "other"
