"""The domain half of the `factory` command line: commands that need no Dagster.

Orchestration commands (`demo`, `ui`) are added by `assets.cli`, which is the console script,
so the data flows one way (assets -> factory) and `factory lineage` starts fast.
"""

from __future__ import annotations

import json
import logging

import typer
from rich.console import Console

from factory import settings

app = typer.Typer(help="The LLM pretraining data factory.", no_args_is_help=True, pretty_exceptions_show_locals=False)
console = Console()


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="log at DEBUG level")) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def lineage(
    asset: str = typer.Argument(..., help="asset name, e.g. raw_crawl"),
    partition: str = typer.Argument(..., help="e.g. dump=olmo_c4/chunk=001, or a single key"),
    version: str | None = typer.Option(None, help="a committed version; default the partition's current one"),
    as_json: bool = typer.Option(False, "--json", help="print JSON for tools"),
    store: str | None = typer.Option(None, help="store root; default FACTORY_STORE or .factory/store"),
) -> None:
    """Print the upstream tree of a committed version down to the raw crawl files, from manifests alone."""
    from factory.lineage import build_lineage, render
    from factory.store import Store, VersionNotFoundError, parse_partition

    try:
        node = build_lineage(Store(store or settings.store_root()), asset, parse_partition(partition), version)
    except (VersionNotFoundError, ValueError) as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from error
    if as_json:
        typer.echo(json.dumps(node.to_dict(), indent=2, default=str))
    else:
        console.print(render(node))


@app.command()
def models() -> None:
    """Convert the packaged SmolLM2-135M-Instruct GGUF to a cached HF folder (once per machine)."""
    from factory.models import ensure_smollm2

    settings.set_offline_defaults()
    console.print(f"SmolLM2-135M-Instruct: {ensure_smollm2()}")
