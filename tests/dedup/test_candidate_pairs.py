"""The pair check between MinHash's buckets and clusters, run as a bucket task: dissimilar collisions are
dropped, earlier-dump matches kept and listed for the filter stage."""

import gzip
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from factory.dedup import DedupConfig
from factory.dedup.candidates import SENTINEL, CandidatePairs, matches_file
from factory.dedup.pipeline import DedupLayout, InputReader
from support.planted import plant


def test_pairs_below_the_jaccard_floor_are_dropped_and_index_matches_kept(web_data, tmp_path):
    with gzip.open(web_data / "olmo_c4" / "c4-sample.00000-of-00001.json.gz", "rt") as handle:
        texts = [json.loads(line)["text"] for line in handle if len(json.loads(line)["text"].split()) > 200][:3]
    near, similarity = plant(texts[0], texts[2], 0.9, seed=1)
    assert similarity >= 0.85
    (tmp_path / "in").mkdir()
    pq.write_table(pa.table({"id": ["0", "1", "2"], "text": [texts[0], texts[1], near]}), tmp_path / "in" / "a.parquet")
    (tmp_path / "buckets").mkdir()
    pairs = [(0, 0, 0, 2), (0, 0, 0, 1), (SENTINEL, SENTINEL, 0, 1)]  # near copy, unrelated, earlier-dump match
    (tmp_path / "buckets" / "00003_00.dups").write_bytes(np.asarray(pairs, dtype="<u4").tobytes())
    config = DedupConfig(exact=False)
    layout = DedupLayout(root=str(tmp_path), paths=("in/a.parquet",), version=str(tmp_path / "v"), logs=str(tmp_path / "logs"))
    step = CandidatePairs(str(tmp_path / "buckets"), str(tmp_path / "verified"), str(tmp_path / "earlier"),
                          InputReader(layout, config), config.datatrove_config(), 0.7, input_files=1)
    list(step.run(None, rank=3, world_size=14))
    kept = np.frombuffer((tmp_path / "verified" / "00003_00.dups").read_bytes(), dtype="<u4").reshape(-1, 4).tolist()
    assert kept == [[0, 0, 0, 2], [SENTINEL, SENTINEL, 0, 1]]
    assert np.frombuffer((tmp_path / "earlier" / matches_file(0, 3)).read_bytes(), dtype="<u4").tolist() == [1]
    assert {k: step.stats.stats[k].total for k in ("candidates", "rejected", "index_matches")} == {
        "candidates": 3, "rejected": 1, "index_matches": 1}
