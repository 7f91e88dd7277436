"""Exact and MinHash dedup of a dump as a chain of datatrove executors, every folder inside the version.

    exact signatures (one task per input shard) -> exact duplicates (one task)
    -> MinHash signatures of what exact dedup keeps (one task per shard)
    -> buckets (one task per bucket; also writes this dump's index, and matches earlier dumps')
    -> candidate pair check (one task per bucket) -> clusters (one task)
    -> filter (one task per shard): kept documents, removed/exact, removed/minhash, part markers

Scratch (signatures, buckets, duplicate ids) lives in ``_work/`` of the version folder, the index in
``minhash_index/``, datatrove's logs and completions in ``_logs/<stage>``: all in the store (local
or ``s3://``), so the stages run on Ray or Slurm across machines and a rerun skips completed tasks.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from factory.curation.executors import ExecutorSpec
from factory.dedup.candidates import CandidatePairs, CompleteRemoveFiles, MarkEarlierMatches
from factory.dedup.config import DedupConfig
from factory.dedup.outputs import REMOVED_EXACT, REMOVED_MINHASH, REMOVED_SCHEMA, exact_removed_row, minhash_removed_row
from factory.documents import DOCUMENT_SCHEMA, DOCUMENTS, document_row
from factory.store.filesystem import join_folder
from factory.store.task_layout import WORK, TaskLayout

INDEX_PREFIX = "minhash_index"
INDEX_NAME = "index"  # this dump's index files: minhash_index/bucket_XXX/index_00.minhash.index
TABLES = [DOCUMENTS, REMOVED_EXACT, REMOVED_MINHASH]


@dataclass(frozen=True)
class DedupLayout(TaskLayout):
    """Where a dedup version's inputs, scratch and outputs are (datatrove DataFolder specs)."""

    @property
    def input_files(self) -> int:
        return len(self.paths)


class InputReader:
    """The documents of input shard ``i`` as every stage after exact dedup numbers them (picklable)."""

    def __init__(self, layout: DedupLayout, config: DedupConfig):
        self.layout, self.config = layout, config

    def __call__(self, file_id: int, world_size: int):
        reader = _reader(self.layout)
        documents = reader.run(None, rank=file_id, world_size=world_size)
        if self.config.exact:
            documents = _exact_filter(self.layout).run(documents, rank=file_id, world_size=world_size)
        return documents


def exact_config():
    from datatrove.pipeline.dedup.exact_dedup import ExactDedupConfig
    from datatrove.utils.hashing import HashConfig

    from factory.dedup.outputs import normalized_text

    return ExactDedupConfig(content_getter=normalized_text, hash_config=HashConfig(precision=64))


def _reader(layout: DedupLayout):
    from factory.store.shard_reader import ShardReader

    return ShardReader(layout.root, list(layout.paths))


def _exact_filter(layout: DedupLayout, exclusion_writer=None):
    from datatrove.pipeline.dedup.exact_dedup import ExactDedupFilter

    return ExactDedupFilter(layout.work("exact_dups"), config=exact_config(), exclusion_writer=exclusion_writer)


def build_stages(layout: DedupLayout, config: DedupConfig, executor: ExecutorSpec, what: str, in_process: bool) -> list:
    """The stages' executors, in the order they must run (``run_stages`` runs them)."""
    from datatrove.pipeline.dedup import MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter
    from datatrove.pipeline.dedup.exact_dedup import ExactDedupSignature, ExactFindDedups

    from factory.dedup.outputs import CONTENT_KEY, content_key
    from factory.dedup.signatures import signature_stage
    from factory.store.commit_part import ClearPart, CommitPart
    from factory.store.shard_writer import shard_writer

    files, minhash = layout.input_files, config.datatrove_config()

    stages = []

    def stage(pipeline: list, tasks: int, name: str) -> None:
        stages.append(executor.build(pipeline, tasks, join_folder(layout.logs, name), job_name=f"{what}-{name}",
                                     in_process=in_process))

    if config.exact:
        stage([_reader(layout), ExactDedupSignature(layout.work("exact_sigs"), config=exact_config())], files, "exact_signatures")
        stage([ExactFindDedups(layout.work("exact_sigs"), layout.work("exact_dups"), config=exact_config())], 1,
              "exact_duplicates")
    final: list = [_reader(layout), ClearPart(layout.version, TABLES), functools.partial(_with_content_key, key_name=CONTENT_KEY, key=content_key)]
    if config.exact:
        final.append(_exact_filter(layout, shard_writer(layout.version, REMOVED_EXACT, REMOVED_SCHEMA, exact_removed_row)))
    if config.minhash:
        read_input = InputReader(layout, config)
        stage([read_input_step(read_input), signature_stage(config.signatures, layout.work("signatures"), minhash)],
              files, "minhash_signatures")
        stage(
            [MinhashDedupBuckets(layout.work("signatures"), layout.work("buckets"), config=minhash,
                                 index_folder=join_folder(layout.version, INDEX_PREFIX), create_index_name=INDEX_NAME,
                                 only_dedup_in_index=False),
             CommitPart(layout.version, [], extra_files=functools.partial(index_files, num_buckets=config.num_buckets),
                        part_offset=files)],
            config.num_buckets, "minhash_buckets")
        stage([CandidatePairs(layout.work("buckets"), layout.work("pairs"), layout.work("earlier"), read_input,
                              minhash, config.verify_min_jaccard, files, config.signatures)], config.num_buckets, "minhash_pairs")
        stage([MinhashDedupCluster(layout.work("pairs"), layout.work("remove_ids"), config=minhash,
                                              save_cluster_id=True, save_cluster_size=True),
                          CompleteRemoveFiles(layout.work("remove_ids"), files)], 1, "minhash_clusters")
        final += [MarkEarlierMatches(layout.work("earlier")),
                  MinhashDedupFilter(layout.work("remove_ids"), load_cluster_ids=True, load_cluster_sizes=True,
                                     exclusion_writer=shard_writer(layout.version, REMOVED_MINHASH, REMOVED_SCHEMA,
                                                                   minhash_removed_row))]
    final += [shard_writer(layout.version, DOCUMENTS, DOCUMENT_SCHEMA, document_row), CommitPart(layout.version, TABLES, describe_metadata=True)]
    stage(final, files, "filter")
    return stages


def index_files(_folder, rank: int, num_buckets: int) -> list[str]:
    """The index file bucket task ``rank`` writes (one worker per bucket)."""
    return [f"{INDEX_PREFIX}/bucket_{rank % num_buckets:03d}/{INDEX_NAME}_00.minhash.index"]


def read_input_step(read_input: InputReader):
    """A pipeline step (a plain callable, as datatrove allows) yielding this task's input documents."""
    return functools.partial(_read_input, read_input=read_input)


def _read_input(data, rank: int, world_size: int, read_input: InputReader):
    yield from read_input(rank, world_size)


def _with_content_key(data, rank: int, world_size: int, key_name: str, key):
    for document in data:
        document.metadata[key_name] = key(document)
        yield document
