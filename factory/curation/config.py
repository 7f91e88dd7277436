"""What the ``filtered`` step does, as a versioned, validated config.

The defaults are FineWeb's (datatrove's ``examples/fineweb.py``): trafilatura with
``favour_precision``, the integrated URL block lists, fastText ft176 English >= 0.65, Gopher
repetition and quality, C4 quality without the terminal-punctuation rule, and FineWeb's own
quality filter, then FineWeb's PII anonymization of the kept text (emails and public IPs). Every threshold
can be overridden; ``None`` switches one check off (datatrove's convention), ``enabled: false`` a whole filter
(or the anonymization). The whole config is part of the version hash.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from factory.crawl.records import DEFAULT_MAX_PAGE_BYTES

EXTRACTORS = ("trafilatura", "resiliparse")


class CurationConfigError(ValueError):
    """A curation setting with a bad name or value."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise CurationConfigError(message)


def _fraction(name: str, value: float | None) -> None:
    _check(value is None or 0.0 <= float(value) <= 1.0, f"{name} must be a fraction in [0, 1] or null, got {value!r}")


@dataclass(frozen=True)
class URLFilterConfig:
    enabled: bool = True
    soft_word_threshold: int = 2
    extra_domains: tuple[str, ...] = ()
    extra_urls: tuple[str, ...] = ()

    def validate(self) -> None:
        _check(self.soft_word_threshold >= 1, f"url_filter.soft_word_threshold must be >= 1, got {self.soft_word_threshold}")


@dataclass(frozen=True)
class LanguageConfig:
    enabled: bool = True
    # ft176 codes ("en"), not GlotLID's ("eng"): datatrove's Languages.english would drop everything.
    languages: tuple[str, ...] = ("en",)
    language_threshold: float = 0.65

    def validate(self) -> None:
        _fraction("language.language_threshold", self.language_threshold)
        for code in self.languages:
            _check(isinstance(code, str) and 2 <= len(code) <= 3 and code.islower(),
                   f"language.languages holds ft176 codes such as 'en', got {code!r}")


@dataclass(frozen=True)
class GopherRepetitionConfig:
    enabled: bool = True
    dup_line_frac: float | None = 0.3
    dup_para_frac: float | None = 0.3
    dup_line_char_frac: float | None = 0.2
    dup_para_char_frac: float | None = 0.2
    top_n_grams: tuple[tuple[int, float], ...] = ((2, 0.2), (3, 0.18), (4, 0.16))
    dup_n_grams: tuple[tuple[int, float], ...] = ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))

    def validate(self) -> None:
        for name in ("dup_line_frac", "dup_para_frac", "dup_line_char_frac", "dup_para_char_frac"):
            _fraction(f"gopher_repetition.{name}", getattr(self, name))
        for name in ("top_n_grams", "dup_n_grams"):
            for n, frac in getattr(self, name):
                _check(int(n) >= 1, f"gopher_repetition.{name}: n-gram size must be >= 1, got {n}")
                _fraction(f"gopher_repetition.{name}[{n}]", frac)


@dataclass(frozen=True)
class GopherQualityConfig:
    enabled: bool = True
    min_doc_words: int | None = 50
    max_doc_words: int | None = 100_000
    min_avg_word_length: float | None = 3
    max_avg_word_length: float | None = 10
    max_symbol_word_ratio: float | None = 0.1
    max_bullet_lines_ratio: float | None = 0.9
    max_ellipsis_lines_ratio: float | None = 0.3
    max_non_alpha_words_ratio: float | None = 0.8
    min_stop_words: int | None = 2

    def validate(self) -> None:
        for name in ("min_doc_words", "max_doc_words", "min_avg_word_length", "max_avg_word_length", "min_stop_words"):
            value = getattr(self, name)
            _check(value is None or value >= 0, f"gopher_quality.{name} must be >= 0 or null, got {value!r}")
        if self.min_doc_words is not None and self.max_doc_words is not None:
            _check(self.min_doc_words <= self.max_doc_words,
                   f"gopher_quality.min_doc_words ({self.min_doc_words}) must be <= max_doc_words ({self.max_doc_words})")
        for name in ("max_symbol_word_ratio", "max_bullet_lines_ratio", "max_ellipsis_lines_ratio", "max_non_alpha_words_ratio"):
            _fraction(f"gopher_quality.{name}", getattr(self, name))


@dataclass(frozen=True)
class C4QualityConfig:
    enabled: bool = True
    split_paragraph: bool = True
    remove_citations: bool = True
    filter_no_terminal_punct: bool = False  # FineWeb switched this C4 rule off
    min_num_sentences: int = 5  # -1 switches it off (datatrove's convention for this filter)
    min_words_per_line: int = 3
    max_word_length: int = 1000
    filter_lorem_ipsum: bool = True
    filter_javascript: bool = True
    filter_curly_bracket: bool = True
    filter_policy: bool = True

    def validate(self) -> None:
        for name in ("min_num_sentences", "min_words_per_line", "max_word_length"):
            value = getattr(self, name)
            _check(value == -1 or value >= 0, f"c4_quality.{name} must be >= 0 (or -1 to switch it off), got {value!r}")


@dataclass(frozen=True)
class FineWebQualityConfig:
    enabled: bool = True
    line_punct_thr: float = 0.12
    line_punct_exclude_zero: bool = False
    short_line_thr: float = 0.67
    short_line_length: int = 30
    char_duplicates_ratio: float = 0.01
    new_line_ratio: float = 0.3

    def validate(self) -> None:
        for name in ("line_punct_thr", "short_line_thr", "char_duplicates_ratio", "new_line_ratio"):
            _fraction(f"fineweb_quality.{name}", getattr(self, name))
        _check(self.short_line_length > 0, f"fineweb_quality.short_line_length must be > 0, got {self.short_line_length}")


@dataclass(frozen=True)
class PIIConfig:
    """FineWeb's last step: emails and public IP addresses in the kept text replaced (datatrove's PIIFormatter)."""

    enabled: bool = True
    emails: bool = True
    ips: bool = True
    only_public_ips: bool = True  # private, loopback and reserved addresses (192.168.1.1) are not PII

    def validate(self) -> None:
        for name in ("enabled", "emails", "ips", "only_public_ips"):
            value = getattr(self, name)
            _check(isinstance(value, bool), f"pii.{name} must be true or false, got {value!r}")


@dataclass(frozen=True)
class CurationConfig:
    """Everything that changes what ``filtered`` keeps. Build with ``CurationConfig.from_overrides``."""

    extractor: str = "trafilatura"
    trafilatura_favour_precision: bool = True
    extraction_timeout_s: float = 5.0  # per document; a timeout drops the page (counted as extraction/timeout)
    # Read at most this many records of each crawl file, in file order (demo and benchmark sizes).
    max_documents_per_file: int | None = None
    # A page (WARC/WET payload, JSONL line) over this size is removed as input/too_large without being read
    # further (Common Crawl itself cuts payloads at 1 MiB); it bounds each task's memory per record.
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    url_filter: URLFilterConfig = field(default_factory=URLFilterConfig)
    language: LanguageConfig = field(default_factory=LanguageConfig)
    gopher_repetition: GopherRepetitionConfig = field(default_factory=GopherRepetitionConfig)
    gopher_quality: GopherQualityConfig = field(default_factory=GopherQualityConfig)
    c4_quality: C4QualityConfig = field(default_factory=C4QualityConfig)
    fineweb_quality: FineWebQualityConfig = field(default_factory=FineWebQualityConfig)
    pii: PIIConfig = field(default_factory=PIIConfig)  # not a filter: it removes nothing, it rewrites the kept text

    def __post_init__(self) -> None:
        _check(self.extractor in EXTRACTORS, f"extractor must be one of {EXTRACTORS}, got {self.extractor!r}")
        _check(self.extraction_timeout_s > 0, f"extraction_timeout_s must be > 0, got {self.extraction_timeout_s}")
        _check(self.max_documents_per_file is None or self.max_documents_per_file > 0,
               f"max_documents_per_file must be > 0 or null, got {self.max_documents_per_file}")
        _check(isinstance(self.max_page_bytes, int) and self.max_page_bytes >= 1024,
               f"max_page_bytes must be an integer >= 1024, got {self.max_page_bytes!r}")
        for section in (*FILTER_SECTIONS, "pii"):
            getattr(self, section).validate()

    def to_dict(self) -> dict[str, Any]:
        """The versioned form: plain JSON types only."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any] | None = None) -> CurationConfig:
        """FineWeb defaults with ``overrides`` applied: ``{"gopher_quality": {"min_doc_words": 30}, ...}``."""
        return _build(cls, overrides or {}, "")


FILTER_SECTIONS = ("url_filter", "language", "gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality")


def _build(cls, values: dict[str, Any], prefix: str):
    if not isinstance(values, dict):
        raise CurationConfigError(f"{prefix.rstrip('.') or 'curation config'} must be a mapping, got {values!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    _check(not unknown, f"unknown curation setting(s) {[prefix + u for u in unknown]}: expected one of {sorted(fields)}")
    kwargs = {}
    for name, value in values.items():
        default = fields[name].default_factory() if fields[name].default_factory is not dataclasses.MISSING else None
        if dataclasses.is_dataclass(default):
            kwargs[name] = _build(type(default), value, f"{prefix}{name}.")
        elif isinstance(value, list):
            kwargs[name] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        else:
            kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise CurationConfigError(f"{prefix or 'curation config'}: {error}") from error
