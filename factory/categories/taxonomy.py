"""The 8 document categories, and how WebOrganizer's labels map onto them, as data.

A category says what kind of page a document is, so a mix can be described ("40% of the tokens are
boilerplate") and weighted by it. The labelled pages come from WebOrganizer (Wettig et al. 2025),
whose 24 *formats* describe exactly that; each format maps to one category, with its reason beside it
(``docs/categories.md`` writes the table out). The 24 *topics* matter in one place only: an Adult page
never counts as Educational, News or Creative, so upweighting those categories cannot upweight adult
content; adult ads, spam, listings and forum posts keep the category of their form.

The order of ``CATEGORIES`` is fixed: key 1..8 of a labelling UI and the columns of every probability
matrix follow it.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = ("Educational", "Advertising", "Forum", "News", "Creative", "Boilerplate", "Nonsensical", "Other")
EDUCATIONAL, ADVERTISING, FORUM, NEWS, CREATIVE, BOILERPLATE, NONSENSICAL, OTHER = CATEGORIES
CATEGORY_KEY = "category"  # the key of a document's metadata that holds its category

CATEGORY_MEANINGS = {
    EDUCATIONAL: "explains or teaches: papers, encyclopedia articles, tutorials, technical documentation",
    ADVERTISING: "sells: product and service pages, organisations presenting themselves",
    FORUM: "written by users in conversation: comment threads, Q&A sites, user reviews",
    NEWS: "reports or comments on events: news articles, journalism, press releases",
    CREATIVE: "fiction, poetry, lyrics",
    BOILERPLATE: "the frame of a site, not its content: listings, navigation, legal text, help pages, paywalls",
    NONSENSICAL: "spam: spun or machine-made text, keyword stuffing, pages with no apparent purpose",
    OTHER: "everything else: personal blogs, listicles, FAQs, transcripts, tables and data",
}

ADULT_TOPIC = 0
# Categories an adult page may not have: it counts as Other instead (see the module docstring).
ADULT_EXCLUDED = (EDUCATIONAL, NEWS, CREATIVE)


@dataclass(frozen=True)
class FormatRule:
    format_id: int
    name: str  # WebOrganizer's format name (formats.json)
    category: str
    reason: str


FORMAT_RULES = (
    FormatRule(0, "Academic Writing", EDUCATIONAL, "research papers, abstracts, theses: the densest teaching text"),
    FormatRule(1, "Content Listing", BOILERPLATE, "sitemaps, catalogues, search results: navigation, not content"),
    FormatRule(2, "Creative Writing", CREATIVE, "stories, novel chapters, poems, lyrics"),
    FormatRule(3, "Customer Support", BOILERPLATE,
               "opening hours, shipping and help pages: site service text, repeated per site"),
    FormatRule(4, "Comment Section", FORUM, "comment threads and discussion boards"),
    FormatRule(5, "FAQ", OTHER, "half service information, half explanation: neither category fits most pages"),
    FormatRule(6, "Truncated", BOILERPLATE,
               "paywalls, login walls, media captions: the wrapper of content that is missing"),
    FormatRule(7, "Knowledge Article", EDUCATIONAL, "encyclopedic, neutral, from moderated or reputable sources"),
    FormatRule(8, "Legal Notices", BOILERPLATE, "terms of service, privacy policies, disclaimers: templated site text"),
    FormatRule(9, "Listicle", OTHER,
               "'top 10' articles: light content, often affiliate, not reliably teaching or selling"),
    FormatRule(10, "News Article", NEWS, "journalists on current events"),
    FormatRule(11, "Nonfiction Writing", NEWS,
               "long reads, profiles, editorials by journalists: journalism beyond breaking news"),
    FormatRule(12, "About Page (Organization)", ADVERTISING,
               "organisations presenting themselves: unverified self-promotion"),
    FormatRule(13, "News (Organization)", NEWS,
               "press releases and announcements: reports of events, from the organisation itself"),
    FormatRule(14, "About Page (Personal)", OTHER, "a person's profile on a personal site"),
    FormatRule(15, "Personal Blog", OTHER, "personal experiences and opinions: neither forum nor journalism"),
    FormatRule(16, "Product Page", ADVERTISING, "descriptions and promotions of products and services"),
    FormatRule(17, "Q&A Forum", FORUM, "question-and-answer forums (Stack Exchange, Quora)"),
    FormatRule(18, "Spam / Ads", NONSENSICAL,
               "SEO spam, spun text, keyword stuffing; mostly unreadable, some short ads"),
    FormatRule(19, "Structured Data", OTHER, "tables, datasheets, glossaries, records: data rather than prose"),
    FormatRule(20, "Documentation", EDUCATIONAL, "technical writing, API docs, READMEs, source code"),
    FormatRule(21, "Audio Transcript", OTHER, "interviews, speeches, hearings: spoken language written down"),
    FormatRule(22, "Tutorial", EDUCATIONAL, "how-to guides, recipes, courses with the actual instructions"),
    FormatRule(23, "User Review", FORUM, "reviews posted by users"),
)
FORMAT_CATEGORY = {rule.format_id: rule.category for rule in FORMAT_RULES}


class UnknownLabelError(ValueError):
    """A WebOrganizer format id (or a category name) outside the taxonomy."""


def category_of(format_id: int, topic_id: int | None = None) -> str:
    """The category of a page WebOrganizer labelled ``format_id`` (0-23) and ``topic_id`` (0-23)."""
    if format_id not in FORMAT_CATEGORY:
        raise UnknownLabelError(
            f"WebOrganizer format id {format_id!r} is not in the taxonomy (expected 0-{len(FORMAT_RULES) - 1}): "
            "is the file from a newer WebOrganizer release? add its formats to FORMAT_RULES")
    category = FORMAT_CATEGORY[format_id]
    if topic_id == ADULT_TOPIC and category in ADULT_EXCLUDED:
        return OTHER
    return category


def check_category(name: str) -> str:
    if name not in CATEGORIES:
        raise UnknownLabelError(f"unknown category {name!r}: expected one of {list(CATEGORIES)}")
    return name
