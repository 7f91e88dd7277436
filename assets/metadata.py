"""Metadata that reads well in the Dagster UI: pictures, tables as tables, links to the store.

A plot stored as a file path shows as a path; Dagster 1.13 renders a markdown entry's data-URI
image (one click on "Show Markdown"), so plots travel as PNG bytes in markdown (~20-80 KB,
at most ~900 px wide so the dialog does not clip them).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from typing import Any

from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

from factory.plots import horizontal_bars_png, score_histogram_png
from factory.store import Manifest, Store

MAX_TABLE_ROWS = 50
FLOAT_DIGITS = 4  # table cells: 0.0988, not -0.09876543209876544
OWNERS = ["team:data-factory"]  # who answers for the assets, shown on each asset's page


def image(png: bytes, caption: str) -> MetadataValue:
    encoded = base64.b64encode(png).decode()
    return MetadataValue.md(f"![{caption}](data:image/png;base64,{encoded})\n\n{caption}")


def stored_image(store: Store, manifest: Manifest, relpath: str, caption: str) -> MetadataValue:
    """A PNG of a committed version, shown inline (a missing file is a bug in the step: it fails loudly)."""
    return image(store.get(f"{store.version_dir(manifest.asset, manifest.partition, manifest.version)}/{relpath}"), caption)


def bar_chart(values: Mapping[str, float], title: str, xlabel: str, percent: bool = False) -> MetadataValue:
    return image(horizontal_bars_png(list(values), list(values.values()), title, xlabel, percent), title)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> MetadataValue:
    """A table of ``rows`` with ``columns`` as (name, type) pairs; types: string, int, float, bool.
    Long tables keep their first ``MAX_TABLE_ROWS`` rows (the manifest has them all)."""
    schema = TableSchema(columns=[TableColumn(name, kind) for name, kind in columns])
    records = [TableRecord({name: _cell(row.get(name), kind) for name, kind in columns}) for row in rows[:MAX_TABLE_ROWS]]
    return MetadataValue.table(records=records, schema=schema)


def store_links(manifest: Manifest) -> dict[str, MetadataValue]:
    """Where the version lives: the store (a path, or a URL for s3://) and the version's folder in it, with its
    ``_manifest.json``. The folder is relative: a whole path has no place to wrap, and one such line made every asset
    page scroll sideways at 1,600 px, pushing the tables beside it out of view."""
    link = MetadataValue.url if "://" in manifest.uri else MetadataValue.path
    cut = manifest.uri.rfind(f"/{manifest.asset}/")
    root, folder = (manifest.uri[:cut], manifest.uri[cut + 1:]) if cut >= 0 else (manifest.uri, ".")
    return {"store": link(root), "store_folder": MetadataValue.text(folder)}


def store_kinds() -> set[str]:
    """The storage kind tag every asset carries: ``s3`` when the store is a bucket."""
    from factory import settings

    return {"s3"} if settings.store_root().startswith("s3://") else set()


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "int":
        return int(value)
    if kind == "float":  # NaN (the spread of one seed) would make the record unreadable JSON: the UI says "Could not parse"
        return round(float(value), FLOAT_DIGITS) if math.isfinite(float(value)) else None
    if kind == "bool":
        return bool(value)
    return str(value)


def category_metadata(summary: dict, unit: str = "documents", title: str = "") -> dict[str, MetadataValue]:
    """A version's category distribution (``{"documents": {...}, "tokens": {...}}``, counted in its tasks) as a
    table and a bar chart of shares in ``unit``, every category shown (0 when absent) so versions compare."""
    from factory.categories.taxonomy import CATEGORIES

    documents, tokens = summary.get("documents", {}), summary.get("tokens", {})
    counted = documents if unit == "documents" else tokens
    names = [*CATEGORIES, *sorted(set(counted) - set(CATEGORIES))]
    total = sum(counted.values()) or 1
    rows = [{"category": name, "documents": documents.get(name, 0), "tokens": tokens.get(name, 0),
             "share": f"{counted.get(name, 0) / total:.1%}"} for name in names]
    chart_title = title or f"Share of the {unit} per category"
    return {
        "categories": table(rows, [("category", "string"), ("share", "string"), ("documents", "int"), ("tokens", "int")]),
        "category_chart": bar_chart({name: counted.get(name, 0) / total for name in names}, chart_title, unit, percent=True),
    }


def contamination_metadata(report: Mapping[str, Any]) -> dict[str, MetadataValue]:
    """A mix's contamination report: per benchmark the items found and the documents holding them, and examples."""
    rows = [row for row in report["sources"] if row["items_found"] or row["documents"]] or report["sources"]
    examples = [{"source": source, **example} for source, found in report["examples"].items() for example in found]
    return {
        "contamination": table(rows, [("source", "string"), ("items_indexed", "int"), ("items_found", "int"),
                                      ("documents", "int")]),
        "contamination_examples": table(examples, [("source", "string"), ("item", "string"), ("item_text", "string"),
                                                   ("doc_id", "string"), ("url", "string"), ("ngram", "string")]),
        "contaminated_documents": MetadataValue.int(int(report["documents"])),
        "contamination_index": MetadataValue.text(str(report["index"])),
    }


def faithfulness_metadata(summary: Mapping[str, Any], rejected: int, requests: int, threshold: float | None) -> dict[str, MetadataValue]:
    """A synthetic version's faithfulness: the score's distribution (scored and kept), the share the gate rejected,
    and the least faithful outputs it kept beside the opening of their sources."""
    if not summary.get("scored"):
        return {}
    chart = score_histogram_png(summary["histogram"], summary["kept_histogram"], threshold,
                                "Faithfulness of each output to its source", "faithfulness (0: about something else, 1: the source's own words)")
    return {
        "faithfulness_mean": MetadataValue.float(summary["mean"]),
        "faithfulness_kept_mean": MetadataValue.float(summary["kept_mean"]),
        "unfaithful_share": MetadataValue.float(round(rejected / requests, 4) if requests else 0.0),
        "faithfulness_threshold": MetadataValue.text("off" if threshold is None else f"{threshold:g}"),
        "faithfulness_chart": image(chart, f"{summary['scored']} outputs scored, {summary['kept']} kept; {rejected} rejected as unfaithful"),
        "least_faithful_kept": MetadataValue.md(_least_faithful_markdown(summary.get("least_faithful_kept", []))),
    }


def _least_faithful_markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "_none kept_"
    blocks = []
    for row in rows:
        head = (f"**faithfulness {row['faithfulness']:.2f}** (similarity {row['source_similarity']:.2f}, "
                f"supported {row['supported_share']:.0%}) · source `{row['source_id']}`")
        output = "\n".join(f"> {line}" for line in row["output"].splitlines() if line.strip()) or "> _(empty)_"
        source = "\n".join(f"> {line}" for line in row["source"].splitlines() if line.strip()) or "> _(empty)_"
        blocks.append(f"{head}\n\nOutput:\n\n{output} …\n\nSource (opening):\n\n{source} …")
    return "\n\n---\n\n".join(blocks)
