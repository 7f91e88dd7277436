"""The domain half of the `factory` command line: commands that need no Dagster.

Orchestration commands (`demo`, `ui`) are added by `assets.cli`, which is the console script,
so the data flows one way (assets -> factory) and `factory lineage` starts fast.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from factory import settings

# No rich pretty exceptions: an exception chain that loops made rich's traceback printer spin forever.
app = typer.Typer(help="The LLM pretraining data factory.", no_args_is_help=True, pretty_exceptions_enable=False)
console = Console()


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="log at DEBUG level")) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def lineage(
    asset: str | None = typer.Argument(None, help="asset name, e.g. raw_crawl; optional with --doc"),
    partition: str | None = typer.Argument(
        None, help="dump=olmo_c4/chunk=001, a UI key (HOLDOUT-01, 000|olmo_c4); omit for unpartitioned assets (all)"),
    version: str | None = typer.Option(None, help="a committed version; default the partition's current one"),
    downstream: bool = typer.Option(False, "--downstream", help="list everything derived from the version instead"),
    all_versions: bool = typer.Option(False, "--all-versions", help="with --downstream: from every version of the partition"),
    doc: str | None = typer.Option(None, "--doc", help="follow one document id from a mix back to its crawl record"),
    as_json: bool = typer.Option(False, "--json", help="print JSON for tools"),
    store: str | None = typer.Option(None, help="store root; default FACTORY_STORE or .factory/store"),
) -> None:
    """Print the upstream tree of a committed version down to the raw crawl files, from manifests alone.

    Each node shows its version, code version, the config keys that differ from the step's defaults and
    SUPERSEDED when its partition's current version is another one."""
    from factory.audit import StoreIndex, resolve_partition

    with _audit_errors():
        index = StoreIndex(_store(store))
        if doc is not None:
            _print_trace(index, doc, asset, partition, version, as_json)
        elif asset is None:
            raise ValueError("name an asset (e.g. `factory lineage leaderboard`), or give --doc ID")
        elif downstream:
            _print_downstream(index, asset, resolve_partition(index.store, asset, partition), version, all_versions, as_json)
        else:
            _print_lineage(index, asset, resolve_partition(index.store, asset, partition), version, as_json)


def _print_lineage(index, asset: str, label: str, version: str | None, as_json: bool) -> None:
    from factory.audit import build_lineage, superseded_inputs
    from factory.audit.lineage import render

    node = build_lineage(index, asset, label, version)
    stale = superseded_inputs(index, node.manifest)
    if as_json:
        typer.echo(json.dumps({**node.to_dict(), "superseded_inputs": [s.to_dict() for s in stale]}, indent=2, default=str))
        return
    console.print(render(node))
    for item in stale:
        console.print(f"[yellow]superseded input:[/] {escape(item.describe())}")


def _print_downstream(index, asset: str, label: str, version: str | None, all_versions: bool, as_json: bool) -> None:
    from factory.audit import build_downstream
    from factory.audit.downstream import by_asset, render

    nodes = [build_downstream(index, key) for key in _downstream_roots(index, asset, label, version, all_versions)]
    if as_json:
        typer.echo(json.dumps([{**node.to_dict(), "by_asset": by_asset(node)} for node in nodes], indent=2))
        return
    for node in nodes:
        console.print(render(node))


def _print_trace(index, doc: str, asset: str | None, partition: str | None, version: str | None, as_json: bool) -> None:
    from factory.audit import resolve_partition, trace_document
    from factory.audit.trace import render, to_json
    from factory.store import VersionNotFoundError

    start = None
    if asset:
        label = resolve_partition(index.store, asset, partition)
        start = index.manifest(asset, label, version) if version else index.current(asset, label)
        if start is None:
            raise VersionNotFoundError(f"no committed version of {asset}[{label}]" + (f"@{version}" if version else ""))
    hops = trace_document(index, doc, start)
    if as_json:
        typer.echo(to_json(hops))
    else:
        console.print(render(hops))


def _downstream_roots(index, asset: str, label: str, version: str | None, all_versions: bool) -> list[tuple[str, str, str]]:
    from factory.store import VersionNotFoundError

    if all_versions:
        versions = [m.version for m in index.versions(asset, label)]
    else:
        chosen = version or index.current_version(asset, label)
        versions = [chosen] if chosen and index.manifest(asset, label, chosen) else []
    if not versions:
        raise VersionNotFoundError(f"no committed version of {asset}[{label}] in {index.store.root_uri}")
    return [(asset, label, v) for v in versions]


@app.command()
def diff(
    asset: str = typer.Argument(..., help="asset name, e.g. filtered"),
    partition: str = typer.Argument(..., help="dump=olmo_c4/chunk=000, a UI key, or all for unpartitioned assets"),
    version_a: str | None = typer.Argument(None, help="the older version (or a unique prefix); default the one before B"),
    version_b: str | None = typer.Argument(None, help="the newer version (or a unique prefix); default the current one"),
    as_json: bool = typer.Option(False, "--json", help="print JSON for tools"),
    store: str | None = typer.Option(None, help="store root; default FACTORY_STORE or .factory/store"),
) -> None:
    """What differs between two versions of a partition, and which difference made the new version."""
    from factory.audit import StoreIndex, diff_versions, pick_versions, resolve_partition
    from factory.audit.diff import render, to_json

    with _audit_errors():
        index = StoreIndex(_store(store))
        label = resolve_partition(index.store, asset, partition)
        result = diff_versions(*pick_versions(index, asset, label, version_a, version_b))
    if as_json:
        typer.echo(to_json(result))
    else:
        console.print(render(result))


@app.command()
def verify(
    asset: str | None = typer.Option(None, "--asset", help="check only this asset's versions"),
    as_json: bool = typer.Option(False, "--json", help="print JSON for tools"),
    store: str | None = typer.Option(None, help="store root; default FACTORY_STORE or .factory/store"),
) -> None:
    """Re-hash every committed file against its manifest and check that every named input exists; exit 1 on any problem."""
    import time

    from factory.audit import StoreIndex
    from factory.audit.verify import to_json

    started = time.time()
    with _audit_errors():
        index = StoreIndex(_store(store))
        report = _verify_with_progress(index, asset, show=console.is_terminal and not as_json)
        if report.versions == 0 and not report.problems:  # a mistyped --store or --asset must not pass
            raise ValueError(f"no committed versions{f' of {asset}' if asset else ''} in {index.store.root_uri}: nothing verified")
    elapsed = time.time() - started
    if as_json:
        typer.echo(to_json(report))
    else:
        for problem in report.problems:
            console.print(f"[red]{escape(problem.describe())}[/]")
        verdict = "[green]OK[/]" if report.ok else f"[red]{len(report.problems)} problem(s)[/]"
        console.print(f"{verdict}: {report.versions:,} versions, {report.files:,} files, {report.bytes / 1e6:,.1f} MB "
                      f"checked in {elapsed:.1f} s ({report.bytes / 1e6 / max(elapsed, 1e-9):,.0f} MB/s)")
    if not report.ok:
        raise typer.Exit(1)


def _verify_with_progress(index, asset: str | None, show: bool):
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    from factory.audit import verify_store

    if not show:
        return verify_store(index, asset)
    total = sum(entry.size for manifest in index.manifests(asset) for entry in manifest.files)
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("hashing", total=total)
        return verify_store(index, asset, progress=lambda size: progress.advance(task, size))


@app.command()
def reproduce(
    asset: str = typer.Argument(..., help="raw_crawl, filtered, deduped or mixed (others are reported as not reproducible)"),
    partition: str = typer.Argument(..., help="e.g. dump=olmo_c4/chunk=000, olmo_c4 (as the UI shows it), or a mix name"),
    version: str | None = typer.Argument(None, help="a committed version; default the partition's current one"),
    scratch: str | None = typer.Option(None, "--scratch", help="empty folder to rebuild into; default a temporary one, removed after a match"),
    as_json: bool = typer.Option(False, "--json", help="print JSON for tools"),
    store: str | None = typer.Option(None, help="store root; default FACTORY_STORE or .factory/store"),
) -> None:
    """Rebuild a committed version from its manifest alone in a scratch store and compare content hashes
    (exit 1 on a mismatch, 2 where the step cannot be bit-reproducible)."""
    from factory.audit import resolve_partition
    from factory.audit.reproduce import ReproduceError, render
    from factory.audit.reproduce import reproduce as rebuild

    settings.set_offline_defaults()
    with _audit_errors(ReproduceError):
        factory_store = _store(store)
        report = rebuild(factory_store, asset, resolve_partition(factory_store, asset, partition), version, scratch)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        console.print(render(report))
    raise typer.Exit(report.exit_code)


def _store(root: str | None):
    from factory.store import Store

    return Store(root or settings.store_root())


@contextmanager
def _audit_errors(*more: type[Exception]) -> Iterator[None]:
    """An audit that cannot answer says why in one red line and exits 1 (no traceback)."""
    from factory.audit import AmbiguousDocumentError, DocumentNotFoundError, PartitionNotFoundError
    from factory.store import VersionNotFoundError

    try:
        yield
    except (VersionNotFoundError, PartitionNotFoundError, DocumentNotFoundError, AmbiguousDocumentError, ValueError,
            *more) as error:
        console.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(1) from error


@app.command()
def inspect(
    asset: str = typer.Argument(..., help="an asset of documents: filtered, deduped, edu_filtered, synthetic"),
    partition: str = typer.Argument(..., help="e.g. c4 or dump=c4 (deduped), 000|olmo_c4 (filtered), dump=c4/recipe=faq"),
    n: int = typer.Option(5, "--n", min=1, help="documents to show"),
    category: str | None = typer.Option(None, "--category", help="only this classifier category, e.g. News"),
    score_min: float | None = typer.Option(None, "--score-min", help="only documents with an edu score of at least this"),
    seed: int | None = typer.Option(None, "--seed", help="the sample's seed; default a fresh one, printed for reruns"),
    chars: int = typer.Option(600, "--chars", min=1, help="characters of text shown per document"),
    as_json: bool = typer.Option(False, "--json", help="print JSON for tools"),
    root: str | None = typer.Option(None, "--root", "--store", help="store root; default FACTORY_STORE or .factory/store"),
) -> None:
    """Show a uniformly random sample of the current version's documents with category, edu score and lineage."""
    from factory.inspection import check_category, documents_version, sample_documents
    from factory.inspection.render import render_documents

    seed = _fresh_seed() if seed is None else seed
    with _inspection_errors():
        factory_store, category = _store(root), check_category(category)
        manifest = documents_version(factory_store, asset, partition)
        documents = sample_documents(factory_store, asset, manifest.partition, n, seed, category, score_min)
    if as_json:
        typer.echo(json.dumps({"version": manifest.short, "seed": seed, "documents": [d.to_dict() for d in documents]},
                              indent=2, ensure_ascii=False))
        return
    console.print(render_documents(documents, chars))
    wanted = "".join([f", category {category}" if category else "", f", edu score >= {score_min}" if score_min is not None else ""])
    console.print(escape(f"{len(documents)} of {manifest.short}{wanted}; seed {seed} (--seed {seed} shows the same sample)"))


@app.command()
def label(
    asset: str = typer.Argument(..., help="an asset of documents, e.g. deduped"),
    partition: str = typer.Argument(..., help="e.g. c4 or dump=c4"),
    n: int = typer.Option(200, "--n", min=1, help="documents to label"),
    seed: int | None = typer.Option(None, "--seed", help="the sample's seed; default a fresh one"),
    report: bool = typer.Option(False, "--report", help="only print the report of the labels stored for the version"),
    root: str | None = typer.Option(None, "--root", "--store", help="store root; default FACTORY_STORE or .factory/store"),
) -> None:
    """Label documents by category in the terminal (keys 1-8, s skip, b back, q quit), then compare with the classifier.

    Labels are saved as they are given under <store>/_labels/<asset>/<partition>/<version>/<session>.jsonl."""
    from factory.inspection import documents_version
    from factory.labelling.command import label_interactively, labels_report

    with _inspection_errors():
        factory_store = _store(root)
        manifest = documents_version(factory_store, asset, partition)
        if not report:
            session = label_interactively(factory_store, manifest, n, _fresh_seed() if seed is None else seed)
            console.print(f"{len(session.records)} labels saved to {escape(session.path)}")
        console.print(labels_report(factory_store, manifest))


def _fresh_seed() -> int:
    import secrets

    return secrets.randbelow(2**31)


@contextmanager
def _inspection_errors() -> Iterator[None]:
    """A sample that cannot be drawn (unknown asset, partition or category, no current version) says why and exits 2."""
    from factory.inspection import InspectionError
    from factory.store import UnsafePartitionKeyError

    try:
        yield
    except (InspectionError, UnsafePartitionKeyError) as error:
        console.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(2) from error


@app.command()
def models() -> None:
    """Convert the packaged SmolLM2-135M-Instruct GGUF to a cached HF folder (once per machine)."""
    from factory.models import ensure_smollm2

    settings.set_offline_defaults()
    console.print(f"SmolLM2-135M-Instruct: {ensure_smollm2()}")


@app.command("code-versions")
def code_versions(
    record: bool = typer.Option(False, "--record", help="record the current source of every step as reviewed"),
) -> None:
    """Check that no step's source changed under its old code version (exit 1 naming the step and the modules).

    After a change: bump the step's code version (``STEP = Step(..., code_version=...)``) if its output changes, then
    record with --record."""
    from factory import code_versions as versions

    if record:
        for source in versions.record().values():
            console.print(f"{source.step}: code version {source.code_version}, {len(source.modules)} modules recorded")
        return
    drifts = versions.check()
    for drift in drifts:
        console.print(f"[red]{escape(drift.message)}[/]")
    if drifts:
        raise typer.Exit(1)
    console.print(f"every step's source matches its recorded code version ({len(versions.current())} steps)")


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
