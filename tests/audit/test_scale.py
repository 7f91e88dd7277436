"""Audits stay fast on a store with well over a thousand versions: one manifest scan, no per-node rescans."""

from __future__ import annotations

import json
import time

from typer.testing import CliRunner

from factory.cli import app
from factory.store import Manifest, SourceFile, Store
from factory.store.versioning import compute_version

CHUNKS = 400  # x (raw_crawl + 2 filtered versions) + deduped + mixes: 1,205 manifests


def manifest(store: Store, asset: str, partition: str, config: dict, inputs: list[Manifest] = (),
             sources: list[SourceFile] = ()) -> Manifest:
    refs = [store.input_ref(m) for m in inputs]
    version = compute_version(asset, "1", config, refs, sources)
    made = Manifest(asset=asset, partition=partition, version=version, content_hash=version, code_version="1", config=config,
                    inputs=refs, files=[], counts={"documents": 1}, sources=list(sources),
                    timings={"committed_at": f"2026-01-01T00:00:{len(refs) % 60:02d}"})
    store.commit_manifest(made)
    return made


def big_store(root: str) -> Store:
    store = Store(root)
    current = []
    for chunk in range(CHUNKS):
        partition = f"dump=big/chunk={chunk:03d}"
        raw = manifest(store, "raw_crawl", partition, {"chunks": CHUNKS},
                       sources=[SourceFile(f"s3://crawl/big/{chunk}.warc.gz", 1000, f"sha256:{chunk:064x}", 10, "warc")])
        manifest(store, "filtered", partition, {"max_documents_per_file": 10}, [raw])
        current.append(manifest(store, "filtered", partition, {}, [raw]))  # committed last: current
    deduped = manifest(store, "deduped", "dump=big", {}, current)
    for mix in ("a", "b", "c"):
        manifest(store, "mixed", f"mix-{mix}", {"seed": 0}, [deduped])
    return store


def timed(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return time.perf_counter() - started, result.output


# A guard against a walk that grows with the square of the store (minutes on 1,000 versions), not a speed figure
# (bench/ has those): it took 1-2 s here alone and over 5 s beside other work on the 2 cores.
BOUND_S = 20


def test_downstream_and_tree_stay_fast_on_a_thousand_versions(tmp_path):
    store = big_store(str(tmp_path / "store"))
    assert len(list(store.fs.glob(f"{store.root}/**/_manifest.json"))) == 3 * CHUNKS + 4

    timings = []
    seconds, output = timed(["lineage", "raw_crawl", "big|007", "--downstream", "--json", "--store", store.root_uri])
    timings.append(seconds)
    assert seconds < BOUND_S, f"--downstream took {seconds:.1f} s"
    assert {k.split("@")[0] for k in json.loads(output)[0]["by_asset"]["mixed"]} == {"mixed[mix-a]", "mixed[mix-b]", "mixed[mix-c]"}

    seconds, output = timed(["lineage", "mixed", "mix-a", "--json", "--store", store.root_uri])
    timings.append(seconds)
    assert seconds < BOUND_S, f"the tree took {seconds:.1f} s"
    tree = json.loads(output)
    assert len(tree["inputs"][0]["inputs"]) == CHUNKS and tree["superseded_inputs"] == []

    seconds, _ = timed(["lineage", "mixed", "mix-a", "--store", store.root_uri])
    assert seconds < BOUND_S, f"printing the tree took {seconds:.1f} s"
    print(f"downstream {timings[0]:.2f} s, tree JSON {timings[1]:.2f} s, printed tree {seconds:.2f} s")
