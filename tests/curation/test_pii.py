"""FineWeb's PII anonymization in `filtered`, on real pages: emails and public IPs replaced, and counted."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from datatrove.data import Document

from factory.crawl import parse_source
from factory.crawl.index import index_chunk
from factory.curation import CurationConfig, ExecutorSpec, filter_chunk
from factory.curation.pii import CountingPIIFormatter
from factory.store import Store
from support.categories import classifier_in

C4_SAMPLE = "olmo_c4/c4-sample.00000-of-00001.json.gz"
DOLMA_CC = "dolma/CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz"
# Found independently of datatrove's regex (which agrees with it on every page of both files).
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
EMAIL_REPLACEMENTS = ("email@example.com", "firstname.lastname@example.org")
IP_REPLACEMENTS = ("22.214.171.124", "126.96.36.199", "188.8.131.52", "184.108.40.206", "220.127.116.11", "18.104.22.168")


def read_pages(path: Path) -> list[dict]:
    with gzip.open(path, "rt") as lines:
        return [json.loads(line) for line in lines]


def page(pages: list[dict], needle: str) -> str:
    """The one page whose text holds ``needle``."""
    [text] = [p["text"] for p in pages if needle in p["text"]]
    return text


@pytest.fixture(scope="module")
def email_pages(web_data: Path) -> list[dict]:
    """The C4 sample's 21 pages that hold an email address (34 addresses)."""
    return [p for p in read_pages(web_data / C4_SAMPLE) if EMAIL.search(p["text"])]


def anonymize(texts: list[str], **settings) -> tuple[list[str], dict[str, int]]:
    formatter = CountingPIIFormatter(**settings)
    out = [doc.text for doc in formatter.run(Document(text=t, id=str(i)) for i, t in enumerate(texts))]
    return out, {name: formatter.stats.stats[name].total for name in ("pii_emails", "pii_ips", "pii_documents")}


def occurrences(texts: list[str], needles: tuple[str, ...]) -> int:
    return sum(text.count(needle) for text in texts for needle in needles)


def test_every_email_of_real_pages_is_replaced_and_counted(email_pages):
    texts = [p["text"] for p in email_pages]
    emails = [email for text in texts for email in EMAIL.findall(text)]
    assert (len(texts), len(emails)) == (21, 34)
    assert occurrences(texts, EMAIL_REPLACEMENTS) == 0
    out, counts = anonymize(texts)
    assert not [email for email in emails if any(email in text for text in out)]
    # the count is of what was replaced: exactly the replacement addresses now in the text
    assert counts == {"pii_emails": len(emails), "pii_ips": 0, "pii_documents": 21}
    assert occurrences(out, EMAIL_REPLACEMENTS) == len(emails)


def test_public_ips_are_replaced_private_ones_and_non_addresses_kept(web_data):
    c4, dolma = read_pages(web_data / C4_SAMPLE), read_pages(web_data / DOLMA_CC)
    texts = [
        page(c4, "189.114.111.55"),  # a svnwiki changelog: "Changes applied for mario (189.114.111.55)"
        page(dolma, "Обговорення користувача:195.234.74.142"),  # Ukrainian Wikipedia, an anonymous user's talk page
        page(dolma, "ServerName 10.200.2.15"),  # a pastebin Apache config: private IP (4x), webmaster@example.com
        page(dolma, "039.0.55.001"),  # matches the IP regex, but is no address
        "The router answers on 192.168.1.1; the resolver is 8.8.8.8.",
    ]
    assert occurrences(texts, IP_REPLACEMENTS) == 0
    out, counts = anonymize(texts)
    assert counts == {"pii_emails": 1, "pii_ips": 3, "pii_documents": 4}
    assert occurrences(out, IP_REPLACEMENTS) == 3 and occurrences(out, EMAIL_REPLACEMENTS) == 1
    assert "189.114.111.55" not in out[0] and "195.234.74.142" not in out[1] and "8.8.8.8" not in out[4]
    assert out[2].count("10.200.2.15") == 4 and "webmaster@example.com" not in out[2]
    assert out[3] == texts[3] and "192.168.1.1" in out[4]

    everything, _ = anonymize(texts, only_public_ips=False)  # every valid address, 039.0.55.001 still not one
    assert "10.200.2.15" not in everything[2] and "192.168.1.1" not in everything[4] and everything[3] == texts[3]
    emails_only, counts = anonymize(texts, ips=False)
    assert counts["pii_ips"] == 0 and "189.114.111.55" in emails_only[0]


def test_anonymization_is_on_by_default_and_part_of_the_version():
    config = CurationConfig()
    assert config.pii.enabled and config.pii.emails and config.pii.ips and config.pii.only_public_ips
    assert config.to_dict()["pii"] == {"enabled": True, "emails": True, "ips": True, "only_public_ips": True}
    off = CurationConfig.from_overrides({"pii": {"enabled": False}})
    assert not off.pii.enabled and off.to_dict() != config.to_dict()
    assert CurationConfig.from_overrides({"pii": {"only_public_ips": False}}).to_dict() != config.to_dict()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"pii": {"emals": False}}, r"unknown curation setting\(s\) \['pii.emals'\]"),
    ({"pii": {"enabled": "no"}}, "pii.enabled must be true or false, got 'no'"),
    ({"pii": False}, "pii must be a mapping"),
])
def test_bad_pii_settings_are_rejected_with_the_field_named(overrides, message):
    from factory.curation import CurationConfigError

    with pytest.raises(CurationConfigError, match=message):
        CurationConfig.from_overrides(overrides)


def test_filtered_replaces_the_emails_of_kept_pages_and_counts_them(email_pages, tmp_path):
    dump = tmp_path / "crawl" / "emails"
    dump.mkdir(parents=True)
    with gzip.open(dump / "c4-emails.jsonl.gz", "wt") as out:
        out.writelines(json.dumps(p) + "\n" for p in email_pages)
    emails = {email for p in email_pages for email in EMAIL.findall(p["text"])}
    store = Store(str(tmp_path / "store"))
    index_chunk(store, parse_source(str(tmp_path / "crawl")), "emails", "000", 1)
    classifier_in(store)

    manifest = filter_chunk(store, "emails", "000", CurationConfig(), ExecutorSpec()).manifest
    kept = store.read_table(manifest, "documents").column("text").to_pylist()
    assert manifest.counts["documents_in"] == 21 and len(kept) >= 10  # measured: 16 kept, 21 emails in them
    assert manifest.counts["pii_emails"] == occurrences(kept, EMAIL_REPLACEMENTS) > 0
    assert manifest.counts["pii_documents"] == len(kept) and manifest.counts["pii_ips"] == 0
    assert not [email for email in emails if any(email in text for text in kept)]

    off = filter_chunk(store, "emails", "000", CurationConfig.from_overrides({"pii": {"enabled": False}}), ExecutorSpec())
    assert off.manifest.version != manifest.version
    assert {off.manifest.counts[name] for name in ("pii_emails", "pii_ips", "pii_documents")} == {0}
    kept_raw = store.read_table(off.manifest, "documents").column("text").to_pylist()
    assert len(kept_raw) == len(kept) and sum(len(EMAIL.findall(text)) for text in kept_raw) == manifest.counts["pii_emails"]
