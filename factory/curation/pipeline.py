"""The FineWeb pipeline, as datatrove steps, from a CurationConfig, writing into a store version.

reader -> bad input -> extraction -> category tag -> URL -> language -> Gopher repetition -> Gopher quality -> C4 quality
-> FineWeb quality -> PII -> token count -> writer -> commit. Extraction runs before the URL filter so
that every removal table holds text whose tokens can be counted; FineWeb runs the URL filter first,
which saves extracting the few pages it blocks. Task ``i`` reads crawl file ``i`` whole; each filter
writes what it drops to ``removed/<filter>/part-<i>.parquet`` in the version folder (local or
``s3://``) through its exclusion writer, the kept documents go to ``documents/part-<i>.parquet``,
and the last step commits the task as part ``i``. The reader's bad records (truncated, unparsable,
too large, binary, undecodable...) are removed first, into ``removed/input`` with their reason.
As FineWeb does, the kept text is anonymized last (``pii``: emails and public IPs replaced, counted per task),
before its tokens are counted and it is written; the removal tables keep the text as the filters saw it.
"""

from __future__ import annotations

import dataclasses

from factory.curation.config import CurationConfig
from factory.curation.outputs import REMOVED_SCHEMA, removed_adapter, removed_table, tables
from factory.curation.reader import BadInputFilter, CrawlInput, CrawlRecordReader
from factory.documents import DOCUMENT_SCHEMA, DOCUMENTS, document_row
from factory.store.filesystem import FolderSpec, StorageOptions

# The order documents meet the filters in; also the rows of the removal table, after the bad input.
FILTER_ORDER = ("extraction", "url_filter", "language", "gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality")
# Not a filter one can switch off: records the reader could not use, removed before anything else.
BAD_INPUT = "input"
REMOVAL_ORDER = (BAD_INPUT, *FILTER_ORDER)


def _settings(section) -> dict:
    return {key: value for key, value in dataclasses.asdict(section).items() if key != "enabled"}


def build_filter_steps(config: CurationConfig, version_folder: FolderSpec, tokenizer_path: str,
                       category_model: str | None = None, store_options: StorageOptions | None = None,
                       filters: str = "fast") -> list:
    """The bad-input, extraction and filter steps (no reader, no writer), each with its exclusion writer.

    ``filters`` picks the Gopher/C4/FineWeb implementations: "fast" (the factory's, the default) or
    "datatrove"; both make the same decisions (``tests/curation/test_fast_filters.py``).

    With ``category_model`` (a category classifier's folder in the store, read with ``store_options``) every
    extracted document is tagged with its category before the filters, so the kept documents and every
    filter's removals show what they hold.

    Tokens are counted right after extraction (in the parallel tasks), so every removal table
    carries the token count of what was removed; the writer's counter recounts the kept text,
    which the C4 filter may have shortened and the PII step rewritten.
    """
    from datatrove.pipeline.tokens import TokensCounter

    from factory.curation.extraction import HtmlExtractor
    from factory.curation.fast_filters import filter_classes
    from factory.curation.offline import OfflineLanguageFilter, OfflineURLFilter
    from factory.store.shard_writer import shard_writer

    def excluded(name: str):
        return shard_writer(version_folder, removed_table(name), REMOVED_SCHEMA, removed_adapter(name))

    steps = [BadInputFilter(exclusion_writer=excluded(BAD_INPUT)),
             HtmlExtractor(config.extractor, config.trafilatura_favour_precision, config.extraction_timeout_s,
                           exclusion_writer=excluded("extraction")), TokensCounter(tokenizer_path)]
    if category_model is not None:
        from factory.categories.tagging import CategoryTagger

        steps.append(CategoryTagger(category_model, storage=store_options))
    if config.url_filter.enabled:
        url = config.url_filter
        steps.append(OfflineURLFilter(soft_word_threshold=url.soft_word_threshold, extra_domains=list(url.extra_domains) or None,
                                      extra_urls=list(url.extra_urls) or None, exclusion_writer=excluded("url_filter")))
    if config.language.enabled:
        steps.append(OfflineLanguageFilter(list(config.language.languages), config.language.language_threshold,
                                           exclusion_writer=excluded("language")))
    for name, filter_class in filter_classes(filters).items():
        section = getattr(config, name)
        if section.enabled:
            steps.append(filter_class(**_settings(section), exclusion_writer=excluded(name)))
    return steps


def build_pipeline(config: CurationConfig, files: list[CrawlInput], dump: str, version_folder: FolderSpec,
                   tokenizer_path: str, storage: StorageOptions | None = None, category_model: str | None = None,
                   store_options: StorageOptions | None = None, filters: str = "fast") -> list:
    """The whole pipeline for ``len(files)`` tasks; ``tokenizer_path`` is a ``tokenizer.json`` (SmolLM2's)."""
    from datatrove.pipeline.tokens import TokensCounter

    from factory.store.commit_part import ClearPart, CommitPart
    from factory.store.shard_writer import shard_writer

    reader = CrawlRecordReader(files, dump, max_documents=config.max_documents_per_file, storage=storage,
                               max_page_bytes=config.max_page_bytes)
    writer = shard_writer(version_folder, DOCUMENTS, DOCUMENT_SCHEMA, document_row)
    clear, commit = ClearPart(version_folder, tables(REMOVAL_ORDER)), CommitPart(version_folder, tables(REMOVAL_ORDER), describe_metadata=True)
    steps = [reader, clear, *build_filter_steps(config, version_folder, tokenizer_path, category_model, store_options, filters)]
    if config.pii.enabled:  # before the count: the kept tokens are those of the anonymized text
        from factory.curation.pii import CountingPIIFormatter

        steps.append(CountingPIIFormatter(config.pii.emails, config.pii.ips, config.pii.only_public_ips))
    return [*steps, TokensCounter(tokenizer_path), writer, commit]
