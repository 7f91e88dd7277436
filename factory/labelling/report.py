"""The labelling report for the terminal: the reviewer's distribution beside the classifier's, then agreement."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from factory.labelling.agreement import LabelAgreement, compare, shares
from factory.labelling.store import LabelRecord


def agreement_of(records: list[LabelRecord], categories: tuple[str, ...]) -> LabelAgreement:
    return compare([(record.label, record.classifier_category) for record in records], categories)


def render_report(result: LabelAgreement, title: str) -> RenderableType:
    table = Table("category", "yours", "share", "classifier", "share", title=Text(title), title_justify="left")
    mine_shares, their_shares = shares(result.mine), shares(result.classifier)
    for category in result.categories:
        table.add_row(category, str(result.mine[category]), f"{mine_shares[category]:.0%}",
                      str(result.classifier[category]), f"{their_shares[category]:.0%}")
    unclassified = result.labelled - sum(result.classifier.values())
    table.add_row("total", str(result.labelled), "", str(result.labelled - unclassified), "", style="bold")
    raw = "n/a" if result.raw_agreement is None else f"{result.raw_agreement:.1%}"
    kappa = "n/a" if result.kappa is None else f"{result.kappa:.3f}"
    summary = Text(f"agreement {raw} ({result.agreed}/{result.compared} documents), Cohen's kappa {kappa}")
    if unclassified:
        summary.append(f"; {unclassified} labelled documents have no classifier category", style="yellow")
    return Group(table, summary)
