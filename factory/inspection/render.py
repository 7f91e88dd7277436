"""Documents for the terminal: the classifier's verdicts and lineage above the text, cut to a readable length.

The labelling app shows the same header (``details``), so what a reviewer sees while labelling is what
``factory inspect`` prints. All document text goes through ``rich.text.Text``: pages contain ``[brackets]``
that rich would otherwise read as markup.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from factory.inspection.document import InspectedDocument

TEXT_CHARS = 600


def cut(text: str, limit: int) -> str:
    """``text`` up to ``limit`` characters, saying how much was left out."""
    return text if len(text) <= limit else f"{text[:limit].rstrip()} … (+{len(text) - limit:,} chars)"


def score_text(document: InspectedDocument) -> Text:
    if document.edu_score is None:
        return Text("no score", style="dim")
    source = f" (from {document.score_source})" if document.score_source else ""
    return Text(f"{document.edu_score:.2f}", style="bold") + Text(source, style="dim")


def details(document: InspectedDocument) -> Table:
    """The fields of a document other than its text, as a two-column grid."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    category_style = "bold magenta" if document.category else "dim"
    grid.add_row("category", Text(document.category or "unclassified", style=category_style))
    grid.add_row("edu score", score_text(document))
    grid.add_row("url", Text(document.url or "-"))
    grid.add_row("source file", Text(document.source_file or "-"))
    grid.add_row("version", Text(document.version_short))
    if document.synthetic is not None:
        lineage = document.synthetic
        version = f" v{lineage.recipe_version}" if lineage.recipe_version is not None else ""
        grid.add_row("recipe", Text(f"{lineage.recipe}{version} by {lineage.model}"))
        if lineage.faithfulness:
            scores = lineage.faithfulness
            grid.add_row("faithfulness", Text(f"{scores['faithfulness']:.2f}", style="bold") + Text(
                f" (similarity {scores['source_similarity']:.2f}, {scores['supported_share']:.0%} of its words on the page)", style="dim"))
        where = f" in {lineage.source.version}" if lineage.source.version else " (not found in the inputs)"
        grid.add_row("source", Text(f"{lineage.source.id}{where}"))
        if lineage.source.snippet is not None:
            grid.add_row("source text", Text(lineage.source.snippet, style="italic"))
    return grid


def render_document(document: InspectedDocument, text_chars: int = TEXT_CHARS) -> Panel:
    body = Group(details(document), Text(""), Text(cut(document.text, text_chars)))
    return Panel(body, title=Text(document.id, style="bold"), title_align="left", border_style="blue")


def render_documents(documents: list[InspectedDocument], text_chars: int = TEXT_CHARS) -> RenderableType:
    return Group(*(render_document(document, text_chars) for document in documents))
