"""Run datatrove's filters and the fast ones side by side on the same texts and list every difference."""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

from datatrove.data import Document

from factory.curation.config import CurationConfig
from factory.curation.fast_filters import filter_classes

NAMES = ("gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality")


def settings(config: CurationConfig, name: str) -> dict:
    return {key: value for key, value in dataclasses.asdict(getattr(config, name)).items() if key != "enabled"}


class SideBySide:
    """Both implementations of the four filters, built with ``config``'s settings."""

    def __init__(self, config: CurationConfig | None = None):
        config = config or CurationConfig()
        datatrove_in_steady_state()
        self.pairs = {name: (filter_classes("datatrove")[name](**settings(config, name)),
                             filter_classes("fast")[name](**settings(config, name))) for name in NAMES}

    def differences(self, source: str, text: str) -> list[str]:
        """Each filter on ``text``, then FineWeb again on C4's shortened text when C4 keeps it (as in the pipeline).
        C4 runs last: its sentence splits would push the text's words out of datatrove's small cache."""
        found, kept_by_c4 = [], None
        for name in ("gopher_repetition", "gopher_quality", "fineweb_quality", "c4_quality"):
            found_here, kept_by_c4 = self._compare(f"{source} [{name}]", *self.pairs[name], text)
            found += found_here
        if kept_by_c4 is not None and kept_by_c4 != text:
            found += self._compare(f"{source} [fineweb_quality after c4]", *self.pairs["fineweb_quality"], kept_by_c4)[0]
        return found

    def stats_differences(self) -> list[str]:
        """The statistics the filters counted themselves (C4's per-line counts), compared."""
        return [f"[{name}] stats {reference.stats.to_dict()} != {fast.stats.to_dict()}"
                for name, (reference, fast) in self.pairs.items() if reference.stats.to_dict() != fast.stats.to_dict()]

    @staticmethod
    def _compare(where: str, reference, fast, text: str) -> tuple[list[str], str | None]:
        """The differences, and the text datatrove's filter keeps (None when it drops the document)."""
        expected_doc, fast_doc = Document(text=text, id="x"), Document(text=text, id="x")
        expected, got = _decision(reference.filter(expected_doc)), _decision(fast.filter(fast_doc))
        kept_text = expected_doc.text if expected[0] else None
        if expected != got:
            return [f"{where}: datatrove {expected}, fast {got}"], kept_text
        if expected_doc.text != fast_doc.text:
            return [f"{where}: same decision {expected} but the kept text differs"], kept_text
        return [], kept_text


def datatrove_in_steady_state() -> None:
    """Put datatrove's word splitter in the state it is in for all but the first text of a process holding the token
    IS_ALPHA (see ``factory.curation.fast_filters.words.IS_ALPHA_TEXT``): from then on it deletes the string."""
    from datatrove.utils.text import split_into_words

    split_into_words("IS_ALPHA")
    split_into_words("IS_ALPHA")


def _decision(result) -> tuple[bool, str | None]:
    return (result[0], result[1]) if isinstance(result, tuple) else (bool(result), None)


def all_differences(texts: Iterable[tuple[str, str]], config: CurationConfig | None = None) -> list[str]:
    side_by_side = SideBySide(config)
    found = [difference for source, text in texts for difference in side_by_side.differences(source, text)]
    return found + side_by_side.stats_differences()


SLICES = 8  # per file: the work goes out as (file, slice) pairs, and the suite compares one slice of each file
DATATROVE_DEFAULTS = {"c4_quality": {"filter_no_terminal_punct": True}}


def real_document_jobs(data_dir: Path, slices: range) -> list[tuple[str, str, int, bool]]:
    """(data folder, file, slice, with datatrove's C4 defaults) for each real file of ``data_dir``: every file with
    FineWeb's settings, and the C4 sample a second time with datatrove's defaults."""
    from support.real_documents import real_documents

    files = sorted({document.source.split(":")[0] for document in real_documents(data_dir)
                    if "weborganizer" not in document.source} | {"classification/weborganizer"})
    jobs = [(str(data_dir), only, index, False) for only in files for index in slices]
    return jobs + [(str(data_dir), "olmo_c4/c4-sample", index, True) for index in slices]


def slice_differences(job: tuple[str, str, int, bool]) -> tuple[int, list[str]]:
    """How many documents one (file, slice) job compared, and the differences found."""
    from support.real_documents import real_documents

    data_dir, only, index, datatrove_defaults = job
    documents = islice(real_documents(Path(data_dir), only), index, None, SLICES)
    texts = [(document.source, document.text) for document in documents]
    config = CurationConfig.from_overrides(DATATROVE_DEFAULTS) if datatrove_defaults else None
    return len(texts), all_differences(texts, config)


def compare_real_documents(data_dir: Path, slices: range, processes: int = 2) -> tuple[int, list[str]]:
    """Every document of the given slices of every real file through both filter stacks, in ``processes`` spawned
    processes (not forked: a pytest-xdist worker has threads of its own, and a child forked from it can inherit a
    lock held by one of them and hang). Returns the number compared and every difference."""
    jobs = real_document_jobs(data_dir, slices)
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.map(slice_differences, jobs, chunksize=1)
    return sum(count for count, _ in results), [difference for _, found in results for difference in found]
