"""HTML -> text for WARC records: trafilatura (FineWeb's choice) or resiliparse (several times faster).

Records that arrive as text (WET conversions, JSONL dumps) pass through untouched, so one
pipeline serves chunks that mix formats. A page whose extraction is empty, times out or fails
is dropped with that reason and written to the ``extraction`` exclusion table like any filter.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.extractors.base import BaseExtractor, ExtractorSandbox
from datatrove.utils.typeshelper import StatHints

from factory.curation.reader import NEEDS_EXTRACTION

# A loaded machine (8 runs on 2 cores) took longer than a page's timeout to start the worker, and
# datatrove then dropped the page as a "timeout": starting is given its own, longer budget.
STARTUP_TIMEOUT = 120.0


class ExtractorStartError(RuntimeError):
    """The extraction worker process did not start: a machine problem, not a bad page."""


class HardenedSandbox(ExtractorSandbox):
    """datatrove's sandbox, forked whatever the default start method, with an idempotent cleanup and a start
    that fails loudly instead of dropping pages. Under Dagster's spawn default datatrove's own could not
    start its worker (it cannot be pickled), and its cleanup then raised ``'NoneType' object has no
    attribute 'terminate'``, hiding why every HTML page of a UI-launched run failed."""

    def __init__(self, timeout: float, startup_timeout: float = STARTUP_TIMEOUT):
        super().__init__(timeout=timeout, warmup_text="")
        self.startup_timeout = startup_timeout

    def _cleanup_process(self):
        process, connections = self.process, (self.parent_conn, self.child_conn)
        self.process = self.parent_conn = self.child_conn = None
        for connection in connections:
            if connection is not None:
                connection.close()
        if process is not None and process.pid is not None:  # a worker that failed to start has nothing to stop
            process.terminate()
            process.join(timeout=0.1)
            if process.is_alive():
                process.kill()

    def _ensure_process(self, extract_fn):
        if self.process is not None and self.process.is_alive():
            return
        self._cleanup_process()
        # Forked, whatever the process's default: Dagster's step processes default to spawn, which must
        # pickle the worker and cannot (datatrove's own start failed there on every HTML page).
        context = multiprocessing.get_context("fork")
        self.parent_conn, self.child_conn = context.Pipe()
        self.process = context.Process(target=self._worker, args=(self.child_conn, extract_fn), daemon=True)
        self.process.start()
        self.all_processes.append(self.process)
        if not self.parent_conn.poll(self.startup_timeout):
            self._cleanup_process()
            raise ExtractorStartError(
                f"the extraction worker did not start within {self.startup_timeout:.0f} s: the machine is overloaded "
                "(lower concurrent runs or tasks per node) or the extractor cannot import"
            )
        self.parent_conn.recv()  # the worker's "ready"


class HtmlExtractor(BaseExtractor):
    name = "⛏ Extraction"

    def __init__(self, extractor: str = "trafilatura", favour_precision: bool = True, timeout: float = 5.0,
                 exclusion_writer=None, startup_timeout: float = STARTUP_TIMEOUT):
        super().__init__(timeout)
        self.startup_timeout = startup_timeout
        if extractor not in ("trafilatura", "resiliparse"):
            raise ValueError(f"extractor must be 'trafilatura' or 'resiliparse', got {extractor!r}")
        self.extractor, self.favour_precision = extractor, favour_precision
        self.exclusion_writer = exclusion_writer

    def _extract_in_sandbox(self, text: str) -> str:
        """Runs in the sandbox process, forked from the caller: the caller's SIGTERM handler (Dagster's
        interrupt handler, for one) must not run when the sandbox is terminated after its last page."""
        if os.getpid() != self._parent_pid and signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        return self.extract(text)

    def extract(self, text: str) -> str:
        if self.extractor == "resiliparse":
            from resiliparse.extract.html2text import extract_plain_text

            return extract_plain_text(text, main_content=True, alt_texts=False, links=False, comments=False)
        from trafilatura import extract

        return extract(text, favor_precision=self.favour_precision, include_comments=False, deduplicate=True) or ""

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        self._parent_pid = os.getpid()
        writer_context = self.exclusion_writer if self.exclusion_writer else contextlib.nullcontext()
        with writer_context as writer, HardenedSandbox(self.timeout, self.startup_timeout) as sandbox:
            for doc in data:
                self.stat_update(StatHints.total)
                if not doc.metadata.pop(NEEDS_EXTRACTION, False):
                    self.stat_update("passed_through_text", StatHints.forwarded)
                    yield doc
                    continue
                reason = None
                with self.track_time():
                    try:
                        doc.text = (sandbox.process_document(doc.text, self._extract_in_sandbox) or "").strip()
                    except ExtractorStartError:
                        raise
                    except TimeoutError:
                        reason = "timeout"
                    except EOFError:
                        reason = "extractor_died"
                    except Exception:  # a page the extractor cannot parse: dropped with its reason
                        reason = "extraction_error"
                if reason is None and not doc.text:
                    reason = "empty"
                if reason is None:
                    self.stat_update("extracted", StatHints.forwarded)
                    self.update_doc_stats(doc)
                    yield doc
                    continue
                self.stat_update(StatHints.dropped, f"dropped_{reason}")
                if writer:
                    doc.text = "" if reason != "empty" else doc.text
                    doc.metadata["filter_reason"] = reason
                    writer.write(doc, rank)
