"""Labelled sets as annotations: DCLM's human labels mapped onto 0-5, ids by text (which shows that the
agreement set is a subset of the majority set), deterministic limits, gzip, and errors that name the
field, file and line."""

from __future__ import annotations

import gzip
import json

import pytest
from pydantic import ValidationError

from factory.quality.labelled_sets import LabelledSetConfig, load_labelled_set, source_file, text_id, without


@pytest.fixture(scope="module")
def dclm(shared_data):
    return shared_data / "classification" / "dclm_human_quality"


def test_dclm_labels_become_scores_0_and_4_with_ids_by_text(dclm):
    rows = load_labelled_set(LabelledSetConfig(path=str(dclm / "majority_data.jsonl")))
    assert len(rows) == 499 and {row.score for row in rows} == {0, 4}
    assert {row.label for row in rows} == {"0", "1"} and all(row.score == 4 * int(row.label) for row in rows)
    assert rows[0].id == text_id(rows[0].text) and rows[0].source == "majority_data"


def test_the_agreement_set_lies_inside_the_majority_set_so_held_out_runs_remove_it(dclm):
    agreement = load_labelled_set(LabelledSetConfig(path=str(dclm / "agreement_data.jsonl")))
    majority = load_labelled_set(LabelledSetConfig(path=str(dclm / "majority_data.jsonl")))
    assert len(agreement) == 281
    by_id = {row.id: row.label for row in majority}
    assert all(by_id[row.id] == row.label for row in agreement)  # same pages, same labels
    disjoint = without(majority, agreement)
    assert len(disjoint) == 218 and not {row.id for row in disjoint} & {row.id for row in agreement}


def test_limit_takes_the_first_rows_and_gzip_reads_the_same(dclm, tmp_path):
    plain = dclm / "agreement_data.jsonl"
    packed = tmp_path / "agreement.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    first = load_labelled_set(LabelledSetConfig(path=str(plain), limit=10))
    again = load_labelled_set(LabelledSetConfig(path=str(packed), limit=10, source="agreement_data"))
    assert first == again and len(first) == 10
    assert first == load_labelled_set(LabelledSetConfig(path=str(plain)))[:10]


def test_score_map_keys_may_be_numbers_or_strings_and_relative_paths_use_the_labelled_data_folder(dclm, monkeypatch):
    monkeypatch.setenv("FACTORY_LABELLED_DATA", str(dclm.parent))
    config = LabelledSetConfig(path="dclm_human_quality/agreement_data.jsonl", score_map={0: 1, "1": 5})
    assert config.score_map == {"0": 1, "1": 5}
    assert {row.score for row in load_labelled_set(config)} == {1, 5}
    source = source_file(config)
    assert source.url == "dclm_human_quality/agreement_data.jsonl" and source.checksum.startswith("sha256:")
    assert config.identity()["score_map"] == {"0": 1, "1": 5}


@pytest.mark.parametrize(("fields", "named"), [
    ({"score_map": {"0": 0, "1": 7}}, "score_map"),
    ({"limit": 0}, "limit"),
    ({"path": "labels.csv"}, "path"),
    ({"text_field": ""}, "text_field"),
    ({"scoremap": {}}, "scoremap"),
])
def test_bad_settings_name_their_field(fields, named):
    with pytest.raises(ValidationError, match=named):
        LabelledSetConfig(**{"path": "/x/labels.jsonl", **fields})


def test_bad_rows_are_refused_naming_file_line_and_fix(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in [{"text": "a", "label": 0}, {"text": "b", "label": 2}]) + "\n")
    with pytest.raises(ValueError, match=r"labels.jsonl, line 2: label 2 is not in score_map .*add it"):
        load_labelled_set(LabelledSetConfig(path=str(path)))
    with pytest.raises(ValueError, match=r"line 1: no text in field 'body'.*set text_field"):
        load_labelled_set(LabelledSetConfig(path=str(path), text_field="body"))
    with pytest.raises(FileNotFoundError, match="missing.jsonl does not exist"):
        load_labelled_set(LabelledSetConfig(path=str(tmp_path / "missing.jsonl")))
