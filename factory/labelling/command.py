"""``factory label``: sample a version, label it in the terminal, then report against the classifier.

Kept apart from the CLI so the command stays a few lines and the steps can be called from a notebook.
"""

from __future__ import annotations

import sys

from rich.console import RenderableType
from rich.text import Text

from factory.inspection import InspectionError, categories, sample_documents
from factory.labelling.report import agreement_of, render_report
from factory.labelling.store import LabelSession, labels_dir, read_labels, read_sessions
from factory.store import Manifest, Store


def label_interactively(store: Store, manifest: Manifest, n: int, seed: int) -> LabelSession:
    """Open the labelling screen on ``n`` documents of ``manifest`` drawn with ``seed``; returns the finished session."""
    from factory.labelling.app import LabelApp

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InspectionError("factory label needs an interactive terminal (stdin and stdout a TTY); "
                              "run it in a terminal, or add --report to print the stored labels' report")
    documents = sample_documents(store, manifest.asset, manifest.partition, n, seed)
    if not documents:
        raise InspectionError(f"{manifest.short} has no documents to label")
    session = LabelSession(store, manifest)
    LabelApp(documents, categories(), session).run()
    return session


def labels_report(store: Store, manifest: Manifest) -> RenderableType:
    """The report over every stored session of ``manifest``'s version."""
    key = (manifest.asset, manifest.partition, manifest.version)
    records = read_labels(store, *key)
    if not records:
        return Text(f"no labels stored for {manifest.short} (in {labels_dir(store, *key)}): "
                    f"label some with `factory label {manifest.asset} {manifest.partition}`", style="yellow")
    sessions = len(read_sessions(store, *key))
    title = f"Labels of {manifest.short}: {len(records)} documents from {sessions} session(s)"
    return render_report(agreement_of(records, categories()), title)
