"""The extraction sandbox under load: cleanup never hides the real error, a slow start fails loudly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from factory.curation.extraction import ExtractorStartError, HardenedSandbox, HtmlExtractor


def _slow_start(text: str) -> str:
    if text == "":  # the warmup call: the worker is "starting"
        time.sleep(5)
    return text.upper()


def _upper(text: str) -> str:
    return text.upper()


def test_cleanup_is_idempotent_and_the_sandbox_restarts():
    with HardenedSandbox(timeout=5) as sandbox:
        assert sandbox.process_document("page", _upper) == "PAGE"
        sandbox._cleanup_process()
        sandbox._cleanup_process()  # datatrove's own raised AttributeError on a second cleanup
        assert sandbox.process_document("again", _upper) == "AGAIN"


def test_a_worker_that_does_not_start_is_an_error_not_a_dropped_page():
    with pytest.raises(ExtractorStartError, match="did not start within 1 s"):
        with HardenedSandbox(timeout=0.5, startup_timeout=1) as sandbox:
            sandbox.process_document("page", _slow_start)


def test_a_slow_start_within_the_startup_budget_is_not_a_page_timeout():
    with HardenedSandbox(timeout=0.5, startup_timeout=30) as sandbox:
        assert sandbox.process_document("page", _slow_start) == "PAGE"


def test_the_extractor_lets_a_start_failure_through(monkeypatch):
    from datatrove.data import Document

    from factory.curation.reader import NEEDS_EXTRACTION

    extractor = HtmlExtractor(timeout=0.5, startup_timeout=1)
    monkeypatch.setattr(extractor, "_extract_in_sandbox", _slow_start)
    docs = [Document(text="<p>x</p>", id="1", metadata={NEEDS_EXTRACTION: True})]
    with pytest.raises(ExtractorStartError):
        list(extractor.run(iter(docs)))


def test_html_is_extracted_where_the_default_start_method_is_spawn(tmp_path):
    """Dagster's step processes spawn: the worker of a run launched from the UI must still start, with the
    exclusion writer the pipeline gives it (which cannot be pickled)."""
    script = textwrap.dedent(f"""
        import multiprocessing
        multiprocessing.set_start_method("spawn")
        from datatrove.data import Document
        from factory.curation.extraction import HtmlExtractor
        from factory.curation.outputs import REMOVED_SCHEMA, removed_adapter, removed_table
        from factory.curation.reader import NEEDS_EXTRACTION
        from factory.store.shard_writer import shard_writer

        writer = shard_writer("{tmp_path}", removed_table("extraction"), REMOVED_SCHEMA, removed_adapter("extraction"))
        page = "<html><body><article><h1>Tides</h1><p>" + "The moon pulls the sea toward it every day. " * 30 + "</p></article></body></html>"
        docs = [Document(text=page, id="1", metadata={{NEEDS_EXTRACTION: True}})]
        [doc] = HtmlExtractor("trafilatura", exclusion_writer=writer).run(iter(docs))
        print("EXTRACTED", "moon pulls the sea" in doc.text)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "EXTRACTED True" in result.stdout, result.stderr[-2000:]
