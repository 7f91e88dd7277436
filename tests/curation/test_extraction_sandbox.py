"""The extraction sandbox under load: cleanup never hides the real error, a slow start fails loudly."""

from __future__ import annotations

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
