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


@app.command()
def plan(
    source: str = typer.Argument(..., help="the dump to plan, e.g. commoncrawl:CC-MAIN-2024-18"),
    paths: str | None = typer.Option(None, "--paths", help="a local warc.paths.gz (offline); default: from --base-url"),
    base_url: str | None = typer.Option(None, help="Common Crawl or a mirror; default https://data.commoncrawl.org/"),
    nodes: int = typer.Option(1, help="nodes for the wall time"),
    cpus_per_node: int = typer.Option(64, help="CPU cores per node"),
    gpus_per_node: int = typer.Option(8, help="GPUs per node"),
    chunks: int | None = typer.Option(None, help="chunks per dump; default FACTORY_CHUNKS (4)"),
    warc_gb: float = typer.Option(1.1, help="average compressed WARC size in GB (Common Crawl: ~1 GiB)"),
    rephrase_fraction: float = typer.Option(0.1, help="share of the deduplicated tokens each recipe rephrases"),
    proxy_config: str | None = typer.Option(
        None, help="proxy config name or YAML; default FACTORY_PROXY_CONFIG or proxy-1.7b"),
    recipes: str | None = typer.Option(None, help="comma-separated generation recipes; default every configured one"),
    mixes: str | None = typer.Option(None, help="comma-separated mixes to train; default every configured one"),
    store: str | None = typer.Option(None, help="store of measured manifests; default FACTORY_STORE"),
    as_json: bool = typer.Option(False, "--json", help="print JSON for tools"),
) -> None:
    """Plan a real dump from the costs the store measured: tasks, CPU/GPU-hours, store size, wall time on N nodes."""
    from factory.crawl.sources import DEFAULT_CC_BASE_URL
    from factory.planning import PlanOptions, fetch_listing, make_plan, parse_dump, read_paths_file, resolve_targets
    from factory.planning.render import render, to_json
    from factory.store import Store

    try:
        dump = parse_dump(source)
        options = PlanOptions(nodes=nodes, cpus_per_node=cpus_per_node, gpus_per_node=gpus_per_node,
                              chunks=chunks or settings.chunk_count(), warc_gb=warc_gb,
                              rephrase_fraction=rephrase_fraction)
        targets = resolve_targets(proxy_config, _names(recipes), _names(mixes))
        listing = read_paths_file(paths, dump) if paths else fetch_listing(dump, base_url or DEFAULT_CC_BASE_URL)
        result = make_plan(Store(store or settings.store_root()), listing, targets, options)
    except ValueError as error:  # PlanInputError, proxy/recipe/mix config errors, a bad FACTORY_CHUNKS
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from error
    if as_json:
        typer.echo(to_json(result))
    else:
        console.print(render(result))


def _names(text: str | None) -> list[str] | None:
    """A comma-separated list from the command line; None (every configured one) when not given."""
    return None if text is None else [item.strip() for item in text.split(",") if item.strip()]
