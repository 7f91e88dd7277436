"""The pair check between MinHash's buckets and clusters: dissimilar collisions are not merged."""

import gzip
import json

from factory.dedup import DedupConfig
from factory.dedup.planted import plant
from factory.dedup.verify import PAIR, SENTINEL, verify_pairs


def test_pairs_below_the_jaccard_floor_are_dropped_and_index_matches_kept(web_data, tmp_path):
    with gzip.open(web_data / "olmo_c4" / "c4-sample.00000-of-00001.json.gz", "rt") as handle:
        texts = [json.loads(line)["text"] for line in handle if len(json.loads(line)["text"].split()) > 200][:3]
    near, similarity = plant(texts[0], texts[2], 0.9, seed=1)
    assert similarity >= 0.85
    (tmp_path / "input").mkdir()
    with gzip.open(tmp_path / "input" / "00000_a.jsonl.gz", "wt") as handle:
        for doc_id, text in enumerate([texts[0], texts[1], near]):
            handle.write(json.dumps({"id": str(doc_id), "text": text}) + "\n")
    (tmp_path / "buckets").mkdir()
    pairs = [(0, 0, 0, 2), (0, 0, 0, 1), (SENTINEL, SENTINEL, 0, 1)]  # near copy, unrelated, earlier-dump match
    (tmp_path / "buckets" / "00000_00.dups").write_bytes(b"".join(PAIR.pack(*p) for p in pairs))
    counts = verify_pairs(tmp_path / "buckets", tmp_path / "verified", tmp_path / "input", DedupConfig().datatrove_config(), 0.7)
    kept = list(PAIR.iter_unpack((tmp_path / "verified" / "00000_00.dups").read_bytes()))
    assert kept == [(0, 0, 0, 2), (SENTINEL, SENTINEL, 0, 1)]
    assert counts == {"candidates": 3, "rejected": 1, "index_matches": 1}
