import pytest

from factory.curation import CurationConfig, CurationConfigError


def test_defaults_are_finewebs_thresholds():
    config = CurationConfig()
    assert config.extractor == "trafilatura" and config.trafilatura_favour_precision
    assert config.language.languages == ("en",) and config.language.language_threshold == 0.65
    assert config.gopher_repetition.dup_line_frac == 0.3 and config.gopher_repetition.top_n_grams[0] == (2, 0.2)
    assert config.gopher_quality.min_doc_words == 50 and config.gopher_quality.min_stop_words == 2
    assert config.c4_quality.filter_no_terminal_punct is False  # FineWeb's one change to C4
    assert config.fineweb_quality.line_punct_thr == 0.12 and config.fineweb_quality.char_duplicates_ratio == 0.01


def test_overrides_change_only_what_they_name_and_the_version_config():
    config = CurationConfig.from_overrides({"gopher_quality": {"min_doc_words": 30}, "extractor": "resiliparse",
                                            "gopher_repetition": {"top_n_grams": [[2, 0.25]]}})
    assert config.gopher_quality.min_doc_words == 30 and config.gopher_quality.max_doc_words == 100_000
    assert config.gopher_repetition.top_n_grams == ((2, 0.25),)
    assert config.to_dict() != CurationConfig().to_dict()
    assert CurationConfig.from_overrides({}).to_dict() == CurationConfig().to_dict()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"gopher_quality": {"min_doc_words": -3}}, "gopher_quality.min_doc_words must be >= 0"),
    ({"language": {"language_threshold": 1.5}}, "language.language_threshold must be a fraction"),
    ({"language": {"languages": ["eng"]}}, None),
    ({"extractor": "lynx"}, "extractor must be one of"),
    ({"gopher_qualty": {}}, "unknown curation setting"),
    ({"fineweb_quality": {"line_punct": 0.1}}, "fineweb_quality.line_punct"),
    ({"max_documents_per_file": 0}, "max_documents_per_file must be > 0"),
])
def test_bad_settings_are_rejected_with_the_field_named(overrides, message):
    if message is None:  # a 3-letter code is a valid ft176-style code shape; it must not raise
        CurationConfig.from_overrides(overrides)
        return
    with pytest.raises(CurationConfigError, match=message):
        CurationConfig.from_overrides(overrides)
