"""A mix as three datatrove stages whose tasks read the sources' shards and write into the mix's version.

    weigh (one task per input shard): token histograms of the documents' draws
    sample + tokenize (one task per input shard): the selected documents (table ``selected``), counted
        by category in documents and tokens, tokenized with datatrove's DocumentTokenizer, shuffled within the task
    merge (one task): datatrove's DocumentTokenizerMerger shuffles across tasks into ``shards/``

The driver only sums the histograms (65,536 numbers per source) between the first two stages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from factory.documents import CONTAMINATION
from factory.evaluation.heldout import Exclusion, text_hash
from factory.mixing.sampling import (
    COPIES,
    SOURCE,
    VERSION,
    DropHeldout,
    RepeatCopies,
    SampleDocuments,
    ShardSource,
    Threshold,
    WeighDocuments,
)
from factory.mixing.shards import EOS_TOKEN, SHARDS
from factory.store.filesystem import join_folder
from factory.store.task_layout import TaskLayout

SELECTED = "selected"
SELECTED_SCHEMA = pa.schema([("doc_id", pa.string()), ("source", pa.int64()), ("version", pa.string()),
                             ("copies", pa.int64()), ("tokens", pa.int64()), ("text_hash", pa.string())])


@dataclass(frozen=True)
class Decontamination:
    """Where the contamination index is, its n-gram size, and what the mix does with a contaminated document."""

    index_folder: Any  # a FolderSpec of the index version
    ngram_size: int
    action: str  # remove or report


@dataclass(frozen=True)
class MixLayout(TaskLayout):
    shards: tuple[ShardSource, ...] = ()  # the source and version of each input shard
    exclusion: Exclusion | None = None  # held-out evaluation documents, dropped in every stage
    decontamination: Decontamination | None = None  # checked in every stage; recorded by the tokenize stage


def _reader(layout: MixLayout, record: bool = False) -> list:
    """The input shards, less the held-out documents and (unless only reported) the contaminated ones; with
    ``record``, the task's earlier shards are cleared and the contaminated documents written to ``contamination``."""
    from factory.decontamination.filter import CONTAMINATION_SCHEMA, Decontaminate, contamination_row
    from factory.store.shard_reader import ShardReader
    from factory.store.shard_writer import shard_writer

    from factory.store.commit_part import ClearPart

    steps = [ShardReader(layout.root, list(layout.paths))]
    if record:
        steps.append(ClearPart(layout.version, recorded_tables(layout)))
    if layout.exclusion:
        steps.append(DropHeldout(layout.exclusion))
    if spec := layout.decontamination:
        writer = shard_writer(layout.version, CONTAMINATION, CONTAMINATION_SCHEMA, contamination_row) if record else None
        steps.append(Decontaminate(spec.index_folder, spec.ngram_size, spec.action, list(layout.shards), writer))
    return steps


def recorded_tables(layout: MixLayout) -> list[str]:
    """The tables the tokenize stage writes: ``selected``, and ``contamination`` when the mix is decontaminated."""

    return [SELECTED, CONTAMINATION] if layout.decontamination else [SELECTED]


def selected_row(_writer: Any, document: Any) -> dict[str, Any]:
    """A row of ``selected``: which document of which source version, how many copies, how many tokens each."""
    metadata = document.metadata
    return {"doc_id": str(document.id), "source": int(metadata[SOURCE]), "version": str(metadata[VERSION]),
            "copies": int(metadata[COPIES]), "tokens": int(metadata.get("tokens") or 0), "text_hash": text_hash(document.text)}


def weigh_stage(layout: MixLayout, seed: int, executor, in_process: bool):
    return executor.build([*_reader(layout), WeighDocuments(list(layout.shards), seed, layout.work("weights"))],
                          len(layout.shards), join_folder(layout.logs, "weigh"), job_name="mix-weigh", in_process=in_process)


def tokenize_stages(layout: MixLayout, seed: int, thresholds: list[Threshold], tokenizer_path: str, shard_tokens: int,
                    executor, in_process: bool):
    """The sample + tokenize stage and the merge stage that follows it (datatrove picks 2 or 4 bytes per
    token from the vocabulary size, as ``factory.mixing.shards.token_size`` does for reading)."""
    from datatrove.pipeline.tokens import DocumentTokenizer, DocumentTokenizerMerger

    from factory.categories.counter import CategoryCounter
    from factory.store.commit_part import CommitPart
    from factory.store.shard_writer import shard_writer

    tasks = len(layout.shards)
    tokenize = executor.build(
        [*_reader(layout, record=True), SampleDocuments(list(layout.shards), seed, thresholds),
         shard_writer(layout.version, SELECTED, SELECTED_SCHEMA, selected_row), RepeatCopies(), CategoryCounter(),
         DocumentTokenizer(layout.work("tokenized"), tokenizer_name_or_path=tokenizer_path, eos_token=EOS_TOKEN,
                           save_filename="tokens", shuffle_documents=True, seed=seed),
         CommitPart(layout.version, recorded_tables(layout))],
        tasks, join_folder(layout.logs, "tokenize"), job_name="mix-tokenize", in_process=in_process)
    merge = executor.build(
        [DocumentTokenizerMerger(layout.work("tokenized"), join_folder(layout.version, SHARDS), save_filename="tokens",
                                 max_tokens_per_file=shard_tokens, shuffle=True, seed=seed, progress=False),
         CommitPart(layout.version, [], extra_files=merged_files, part_offset=tasks)],
        1, join_folder(layout.logs, "merge"), job_name="mix-merge")
    return [tokenize, merge]


def merged_files(folder, rank: int) -> list[str]:
    """The merger's shards, their document indexes and metadata, in name order."""
    return sorted(path for path in folder.list_files(subdirectory=SHARDS))


def thresholds_from(histograms: list, targets: list[int]) -> list[Threshold]:
    return [Threshold.for_budget(histogram, target) for histogram, target in zip(histograms, targets, strict=True)]


def describe(thresholds: list[Threshold]) -> list[dict[str, Any]]:
    return [json.loads(json.dumps(t.__dict__)) for t in thresholds]

