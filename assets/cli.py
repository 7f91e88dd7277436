"""The `factory` console script: the domain commands plus the orchestration ones (demo, ui)."""

from __future__ import annotations

import os
import sys
import time

import typer

from factory import settings
from factory.cli import app, console


@app.command()
def demo(report_file: str = typer.Option("", "--report", help="where to write the run's results as JSON; default "
                                                                "FACTORY_HOME/demo-report.json")) -> None:
    """Run the main job on the embedded default (local store, SQLite instance, no servers), sized by factory.yaml."""
    from rich.table import Table

    from assets.demo import DemoStepError, run_demo
    from factory.crawl import CrawlSourceError

    crawl = settings.crawl_uri()
    if not crawl:
        console.print(
            "[red]No crawl source.[/] Set crawl_source in factory.yaml, or FACTORY_CRAWL, to a folder of crawl dumps "
            "(subfolders of *.warc.gz / *.warc.wet.gz / *.jsonl.gz files), e.g. ../shared/data/web, "
            "or to commoncrawl:CC-MAIN-2024-18 when online."
        )
        raise typer.Exit(2)
    started = time.time()
    try:
        report = run_demo()
    except (CrawlSourceError, settings.SettingsError) as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    except DemoStepError as error:
        console.print(f"[red]The demo stopped: {error}[/]\nFix the cause and run it again: finished steps are reused.")
        raise typer.Exit(1) from None
    table = Table("asset", "partition", "version", "reused", "run s", title=f"store: {settings.store_root()}")
    for asset, partition, version, reused, seconds in report.rows:
        table.add_row(asset, partition, version, "yes" if reused else "new", f"{seconds:.1f}")
    console.print(table)
    if report.leaderboard:
        print_leaderboard(report.leaderboard)
    for name, passed, description in report.checks:
        if name == "candidate_beats_baseline":
            console.print(f"[{'green' if passed else 'yellow'}]check {name}: {'passed' if passed else 'failed'}[/]: {description}")
    seconds = time.time() - started
    path = write_report(report, seconds, report_file)
    console.print(f"demo finished in {seconds:.0f} s ({path}); try: factory lineage leaderboard; make ui")


def write_report(report, seconds: float, path: str = "") -> str:
    """The demo's results file: when and where it ran, its settings file, each stage's time and what it made."""
    import json
    import platform
    from datetime import datetime, timezone

    target = path or str(settings.home() / "demo-report.json")
    header = {"command": "factory demo", "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "host": platform.node(), "cores": os.cpu_count(), "settings": str(settings.settings_file() or "none"),
              "store": settings.store_root(), "seconds": round(seconds, 1)}
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    with open(target, "w") as out:
        json.dump(header | report.to_dict(), out, indent=1, default=str)
    return target


def print_leaderboard(stats: dict) -> None:
    """The leaderboard in a terminal: ranks with seed spread, each pair's decision, the known-answer pairs."""
    from rich.table import Table

    rows = stats.get("rows", [])
    metric = rows[0]["primary_metric"] if rows else ""
    table = Table("rank", "mix", "role", metric, "seed std", "seeds", "centred acc", "prob correct", title="leaderboard")
    for row in rows:
        table.add_row(str(row["rank"]), row["mix"], row["role"] or "", _fmt(row["primary"]), _fmt(row["seed_std"]), str(row["seeds"]),
                      _fmt(row.get("centred_acc")), _fmt(row.get("prob_correct")))
    console.print(table)
    for d in stats.get("decisions", []):
        console.print(f"  {d['a']} vs {d['b']}: [bold]{d['verdict']}[/] {d['estimate']:+.4f}: {d['reason']}")
    for k in stats.get("known_answers", []):
        console.print(f"  known answer {k['better']} > {k['worse']}: [bold]{k['outcome']}[/] ({k['verdict']}, {k['estimate']:+.4f})")
    if stats.get("note"):
        console.print(f"  {stats['note']}")


def _fmt(value) -> str:
    return "" if value is None else f"{value:.4f}"


@app.command()
def ui(port: int = typer.Option(3000, help="port on 127.0.0.1")) -> None:
    """Open the Dagster UI (dagster dev) on the same store and instance as the demo."""
    from assets.instance import ensure_dagster_home
    from assets.ui_server import serve

    settings.set_offline_defaults()
    home = ensure_dagster_home()
    console.print(f"Dagster UI on http://127.0.0.1:{port} (DAGSTER_HOME={home}); Ctrl-C stops it")
    command = [sys.executable, "-m", "dagster", "dev", "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"]
    raise typer.Exit(serve(command, env={**os.environ, "DAGSTER_HOME": str(home)}))


@app.command()
def stale(as_json: bool = typer.Option(False, "--json", help="print JSON"),
          requests: bool = typer.Option(False, "--requests", help="also tick every sensor (nothing stored, nothing run) "
                                                                  "and list the runs each would request now")) -> None:
    """Every partition whose current version is not the one its step would make now from factory.yaml, the code and
    the current input versions, with the cause: what the sensors, `make demo` and the UI's up_to_date checks rebuild."""
    import json

    from rich.markup import escape

    report = stale_report(requests)
    if as_json:
        print(json.dumps(report, indent=1, default=str))
        return
    for status in report["stale"]:
        console.print(f"[{'yellow' if status['state'] == 'outdated' else 'grey50'}]{status['state']}[/] {escape(status['describe'])}")
    for sensor_name, keys in report.get("requests", {}).items():
        console.print(f"sensor {sensor_name} would request: {escape(', '.join(keys)) or 'nothing'}")
    if not report["stale"]:
        console.print("every current version is the one its step would make now")


def stale_report(requests: bool = False) -> dict:
    """``factory stale`` as data, from the settings file as it is now (read again on every call)."""
    from assets.definitions import build_resources
    from assets.instance import ensure_dagster_home
    from assets.planner import CURRENT, UNPLANNABLE, Planner
    from factory.store.partitions import UNPARTITIONED

    settings.set_offline_defaults()
    ensure_dagster_home()
    resources = build_resources()
    planner = Planner(resources)
    found = [status for asset in Planner.PLANNED for partition in planner.store.partitions(asset)
             if (status := planner.status(asset, None if partition == UNPARTITIONED else partition)).state not in (CURRENT, UNPLANNABLE)]
    report = {"stale": [{**vars(status), "describe": status.describe()} for status in found]}
    if requests:
        report["requests"] = sensor_requests(resources)
    return report


def sensor_requests(resources: dict) -> dict[str, list[str]]:
    """Each sensor's run requests if it ticked now, by partition key (an unpartitioned asset's job by the job's
    name); its cursor is read, not advanced."""
    from dagster import DagsterInstance

    from assets.definitions import defs
    from assets.demo import tick_once
    from assets.sensor_cursors import sensor_cursors

    instance = DagsterInstance.get()
    with sensor_cursors(instance) as cursors:
        return {sensor.name: sorted(str(r.partition_key or r.job_name) for r in tick_once(resources, instance, cursors, sensor))
                for sensor in defs.sensors if sensor.targets}
