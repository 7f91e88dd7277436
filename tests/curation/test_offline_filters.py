"""The language and URL filters run from packaged files only."""

from datatrove.data import Document

from factory.curation.offline import OfflineLanguageFilter, OfflineURLFilter, packaged_lid_model


def doc(text: str, url: str = "https://example.org/a") -> Document:
    return Document(text=text, id="x", metadata={"url": url})


def test_language_filter_uses_the_packaged_ft176_model():
    assert packaged_lid_model().name == "lid.176.ftz"
    lid = OfflineLanguageFilter(["en"], 0.65)
    english = doc("The committee met on Tuesday to discuss the budget for the coming year and agreed on most points.")
    chinese = doc("委员会周二开会讨论了来年的预算，并在大多数问题上达成了一致。")
    assert lid.filter(english) is True and english.metadata["language"] == "en"
    assert lid.filter(chinese) == (False, "wrong_language") and chinese.metadata["language"] == "zh"


def test_url_filter_uses_the_bundled_suffix_list_and_block_lists():
    url_filter = OfflineURLFilter()
    assert url_filter.tldextractor.suffix_list_urls == ()
    assert url_filter.filter(doc("text", "https://www.bbc.co.uk/news/science")) is True
    assert url_filter.filter(doc("text", "https://free-porn-videos.example.com/")) == (False, "hard_blacklisted")
    assert url_filter.filter(doc("text", "")) is True  # text dumps without URLs pass
