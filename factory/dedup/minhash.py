"""datatrove's 4-stage MinHash dedup over a work folder, as one chain of executors.

signatures (one task per input file) -> buckets (one task per bucket; also writes this dump's
signature index, and matches against earlier dumps' indexes under ``index/``) -> candidate pairs
checked against their exact shingle Jaccard (``verify.py``) -> clusters (one
task; cluster ids and sizes saved) -> filter (one task per input file; duplicates to the
exclusion writer with their cluster id). Inputs are ``<work>/input/*.jsonl.gz``.
"""

from __future__ import annotations

from pathlib import Path

from factory.curation.executors import ExecutorSpec, run_to_completion
from factory.dedup.config import DedupConfig
from factory.dedup.verify import verify_pairs

INPUT, KEPT, REMOVED, INDEX = "input", "kept", "removed_minhash", "index"
INDEX_NAME = "index"  # this dump's index files: index/bucket_XXX/index_00.minhash.index


def run_minhash(config: DedupConfig, work: Path, input_files: int, executor: ExecutorSpec, what: str) -> dict[str, int]:
    """Runs the four stages (with the pair check between buckets and clusters); returns the pair counts."""
    from datatrove.pipeline.dedup import MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    minhash = config.datatrove_config()
    (work / INDEX).mkdir(parents=True, exist_ok=True)
    signatures = executor.build(
        [JsonlReader(str(work / INPUT)), MinhashDedupSignature(output_folder=str(work / "signatures"), config=minhash)],
        tasks=input_files, logging_dir=str(work / "logs/signatures"), job_name=f"{what}-signatures",
    )
    buckets = executor.build(
        [MinhashDedupBuckets(input_folder=str(work / "signatures"), output_folder=str(work / "buckets"), config=minhash,
                             index_folder=str(work / INDEX), create_index_name=INDEX_NAME, only_dedup_in_index=False)],
        tasks=config.num_buckets, logging_dir=str(work / "logs/buckets"), depends=signatures, job_name=f"{what}-buckets",
    )
    run_to_completion(buckets, f"{what} (signatures and buckets)")
    pairs_dir, pair_counts = work / "buckets", {}
    if config.verify_min_jaccard is not None:
        pairs_dir = work / "buckets_verified"
        pair_counts = verify_pairs(work / "buckets", pairs_dir, work / INPUT, minhash, config.verify_min_jaccard)
    clusters = executor.build(
        [MinhashDedupCluster(input_folder=str(pairs_dir), output_folder=str(work / "remove_ids"), config=minhash,
                             save_cluster_id=True, save_cluster_size=True)],
        tasks=1, logging_dir=str(work / "logs/clusters"), job_name=f"{what}-clusters",
    )
    final = executor.build(
        [
            JsonlReader(str(work / INPUT)),
            MinhashDedupFilter(input_folder=str(work / "remove_ids"), load_cluster_ids=True, load_cluster_sizes=True,
                               exclusion_writer=JsonlWriter(str(work / REMOVED), output_filename="${rank}.jsonl.gz")),
            JsonlWriter(str(work / KEPT), output_filename="${rank}.jsonl.gz"),
        ],
        tasks=input_files, logging_dir=str(work / "logs/filter"), depends=clusters, job_name=f"{what}-filter",
    )
    run_to_completion(final, what)
    return pair_counts
