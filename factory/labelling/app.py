"""The labelling screen: one document at a time, a key per category, every label saved as it is given.

Keys ``1``-``8`` label the document with the taxonomy's categories in order and move on, ``s`` skips, ``b`` or
backspace goes back (a new label then replaces the old one), ``q`` quits; the arrow and page keys scroll the text.
The classifier's category and score are shown on purpose: this is an audit aid, where the question is "is the
classifier right about this page", not a blind annotation tool.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from factory.inspection.document import InspectedDocument
from factory.inspection.render import cut, details
from factory.labelling.store import LabelSession

TEXT_CHARS = 20_000  # a scrollable page; longer documents are cut so one huge page cannot stall the screen


class LabelApp(App[None]):
    CSS = """
    #meta { height: auto; max-height: 14; padding: 0 1; border-bottom: solid $accent; }
    #body { height: 1fr; padding: 0 1; }
    #status { dock: bottom; height: 2; padding: 0 1; background: $panel; }
    """
    BINDINGS = [
        *(Binding(str(key), f"label({key - 1})", show=False) for key in range(1, 10)),
        Binding("s", "skip", show=False), Binding("b", "back", show=False), Binding("backspace", "back", show=False),
        Binding("q", "quit", show=False),
    ]

    def __init__(self, documents: list[InspectedDocument], categories: tuple[str, ...], session: LabelSession):
        super().__init__()
        self.documents, self.categories, self.session = documents, categories, session
        self.position = 0
        self.skipped: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Static(id="meta")
        with VerticalScroll(id="body"):
            yield Static(id="text", markup=False)
        yield Static(id="status")

    def on_mount(self) -> None:
        self.query_one("#body").focus()
        self.show()

    @property
    def current(self) -> InspectedDocument | None:
        return self.documents[self.position] if self.position < len(self.documents) else None

    def show(self) -> None:
        meta, text = self.query_one("#meta", Static), self.query_one("#text", Static)
        document = self.current
        if document is None:
            meta.update(Text(f"All {len(self.documents)} documents seen. Press q to quit (and see the report), "
                             "b to go back.", style="bold green"))
            text.update("")
        else:
            mine = self.session.label_of(document.id)
            header = Text.assemble((document.id, "bold"), ("  your label: ", "dim"), (mine or "-", "bold yellow"))
            meta.update(Group(header, details(document)))
            text.update(Text(cut(document.text, TEXT_CHARS)))
        self.query_one("#body", VerticalScroll).scroll_home(animate=False)
        self.query_one("#status", Static).update(self.status())

    def status(self) -> Text:
        shown = min(self.position + 1, len(self.documents))
        progress = (f"Document {shown}/{len(self.documents)} · labelled {len(self.session.records)}"
                    f" · skipped {len(self.skipped)} · saved to {self.session.path.rsplit('/', 1)[-1]}")
        legend = "  ".join(f"{index + 1} {name}" for index, name in enumerate(self.categories))
        return Text.assemble((progress, "bold"), ("   s skip  b back  q quit  ↑↓ scroll", "dim"), "\n", legend)

    def action_label(self, index: int) -> None:
        document = self.current
        if document is None or index >= len(self.categories):
            return
        self.session.record(document.id, self.categories[index], document.category)
        self.skipped.discard(document.id)
        self.position += 1
        self.show()

    def action_skip(self) -> None:
        if self.current is not None:
            if self.session.label_of(self.current.id) is None:
                self.skipped.add(self.current.id)
            self.position += 1
            self.show()

    def action_back(self) -> None:
        if self.position > 0:
            self.position -= 1
            self.show()
