"""A plan as rich tables for people and as JSON for tools.

The tables put the provenance beside every number: a stage's hours say which assumed or
option figures they rest on, and the cost table gives each per-document figure's basis
(how many partitions, which default), so the reader sees at once what to measure next.
"""

from __future__ import annotations

import json
import logging

from rich.console import Group
from rich.table import Table
from rich.text import Text

from factory.planning.figures import ASSUMED, DERIVED, OPTION, Figure
from factory.planning.plan import Plan

log = logging.getLogger(__name__)
_SI = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
_BYTES = ((1e15, "PB"), (1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB"))


def to_json(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), indent=2, sort_keys=False)


def render(plan: Plan) -> Group:
    return Group(_header(plan), _stages(plan), _totals(plan), _figures("Store size", plan.store),
                 _figures("Volumes", plan.volumes), _costs(plan), _notes(plan))


def format_value(figure: Figure) -> str:
    """A value in its unit, readable: bytes in decimal units, large counts with SI suffixes, hours with commas."""
    value, unit = figure.value, figure.unit
    if unit == "B":
        return _scaled(value, _BYTES, "B")
    if unit.endswith("-h") or unit == "h":
        return f"{value:,.1f} {unit}"
    if unit in ("docs", "tokens", "tokens/mix"):
        return f"{_scaled(value, _SI, '')} {unit}".strip()
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.4g} {unit}"


def _scaled(value: float, steps: tuple[tuple[float, str], ...], base: str) -> str:
    for size, suffix in steps:
        if abs(value) >= size:
            return f"{value / size:,.2f} {suffix}"
    return f"{value:,.0f} {base}".strip()


def _provenance(figure: Figure | None) -> str:
    """Short provenance for a table cell: measured, or which assumed figures (and options) a value rests on."""
    if figure is None:
        return ""
    if figure.kind != DERIVED:
        return figure.label
    assumed = [item.split(" (")[0] for item in figure.rests_on if item.endswith(f"({ASSUMED})")]
    options = [item.split(" (")[0] for item in figure.rests_on if item.endswith(f"({OPTION})")]
    text = f"assumes {', '.join(assumed)}" if assumed else "measured" if figure.uses_measurement else "options only"
    return f"{text} (+ {', '.join(options)})" if options else text


def _header(plan: Plan) -> Text:
    o = plan.options
    per_chunk = plan.files_per_chunk
    return Text.from_markup(
        f"[bold]Plan for {plan.dump}[/]: {plan.files:,} WARC files (list: {plan.origin}), {o.chunks} chunks of "
        f"{min(per_chunk):,}-{max(per_chunk):,} files\n"
        f"on {o.nodes} node(s) x {o.cpus_per_node} cores x {o.gpus_per_node} GPUs; proxy "
        f"{plan.targets['proxy_config']} ({plan.targets['proxy_params'] / 1e6:,.0f}M params, "
        f"{plan.targets['proxy_train_tokens']:,} tokens) per mix, {len(plan.targets['mixes'])} mix(es), "
        f"{len(plan.targets['recipes'])} recipe(s) at {o.rephrase_fraction:.0%} of the deduplicated tokens each"
    )


def _stages(plan: Plan) -> Table:
    table = Table("stage", "tasks", "CPU-hours", "GPU-hours", "wall h (alone)", "provenance", "note",
                  title="Stages", title_justify="left")
    for stage in plan.stages:
        tasks = ", ".join(f"{name} {n:,}" for name, n in stage.tasks)
        hours = stage.cpu_hours or stage.gpu_hours
        table.add_row(stage.stage, tasks, format_value(stage.cpu_hours) if stage.cpu_hours else "-",
                      format_value(stage.gpu_hours) if stage.gpu_hours else "-",
                      f"{stage.wall_hours(plan.options):,.1f}" if hours else "-", _provenance(hours), stage.note)
    return table


def _totals(plan: Plan) -> Table:
    table = Table("total", "value", "how", "provenance", title=f"Totals on {plan.options.nodes} node(s)",
                  title_justify="left")
    for figure in plan.totals:
        table.add_row(figure.name, format_value(figure), figure.basis, _provenance(figure))
    return table


def _figures(title: str, figures: tuple[Figure, ...]) -> Table:
    table = Table("figure", "value", "how", "provenance", title=title, title_justify="left")
    for figure in figures:
        table.add_row(figure.name, format_value(figure), figure.basis, _provenance(figure))
    return table


def _costs(plan: Plan) -> Table:
    table = Table("per-unit figure", "value", "provenance", "basis", title="Measured and assumed costs",
                  title_justify="left")
    for figure in plan.costs:
        style = "" if figure.is_measured else "yellow"
        table.add_row(figure.name, format_value(figure), Text(figure.label, style=style), figure.basis)
    return table


def _notes(plan: Plan) -> Text:
    return Text("\n".join(f"- {note}" for note in plan.notes)) if plan.notes else Text("")
