"""The Dagster UI in headless Chromium (Debian's, driven by Playwright; no browser is downloaded):
the asset graph, a `filtered` partition's removal table, a materialization launched from the
asset's launch dialog, the leaderboard's plot and its tables fitting the page, and in-process runs on
the timeline. Screenshots go to .factory/test-artifacts/ui/."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from ui_helpers import ASSET_MATERIALIZATIONS, RUNS, SEEDED_PARTITION, wait_for_run

pytestmark = pytest.mark.ui

CHROMIUM_NAMES = ("chromium", "chromium-browser")
UI_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1600, "height": 1000}
# The nearest ancestor that scrolls sideways because its content is wider than it, or null.
OVERFLOWING_ANCESTOR = """(element) => {
  for (let node = element; node && node !== document.documentElement; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (["auto", "scroll"].includes(style.overflowX) && node.scrollWidth > node.clientWidth + 1)
      return {tag: node.tagName, class: node.className, scroll_width: node.scrollWidth, client_width: node.clientWidth};
  }
  return document.documentElement.scrollWidth > window.innerWidth + 1 ? {tag: "page", scroll_width: document.documentElement.scrollWidth} : null;
}"""


def chromium_path() -> str:
    for name in CHROMIUM_NAMES:
        if path := shutil.which(name):
            return path
    pytest.fail("Chromium not found: run scripts/install.sh (apt-get install -y chromium) or put it on PATH")


@pytest.fixture(scope="module")
def page(artifacts: Path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: it is in the dev extra, run scripts/install.sh")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(UI_TIMEOUT_MS)
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" else None)
        yield page
        (artifacts / "console-errors.txt").write_text("\n".join(problems) + "\n")
        print(f"[ui] {len(problems)} console errors, in {artifacts / 'console-errors.txt'}")
        browser.close()


def screenshot(page, artifacts: Path, name: str, element=None) -> Path:
    path = artifacts / f"{name}.png"
    (element or page).screenshot(path=str(path), animations="disabled")  # dialogs fade in
    print(f"[ui] screenshot {path}")
    return path


def select_partition(page, dialog, value: str) -> None:
    """One dimension's picker in the launch dialog: open it, filter, tick the key, close it."""
    dialog.get_by_text("Select a partition or create one").first.click()
    page.get_by_placeholder("Filter partitions").last.fill(value)
    page.locator("[data-radix-popper-content-wrapper]").last.get_by_text(value, exact=True).first.click()
    page.keyboard.press("Escape")
    # The next picker must not find this one's filter box while it fades out.
    page.get_by_placeholder("Filter partitions").first.wait_for(state="detached", timeout=10_000)


def test_browse_materialize_read_the_leaderboard_and_find_the_runs_on_the_timeline(seeded_ui, page, artifacts):
    ui = seeded_ui
    chunk, dump = SEEDED_PARTITION.split("|")

    # The asset graph, with no welcome dialog over it.
    page.goto(f"{ui.url}/asset-groups")
    for group in ("crawl", "curation", "proxy"):
        page.get_by_text(group, exact=True).first.wait_for()
    assert not page.get_by_text("Join the Dagster community").is_visible()
    screenshot(page, artifacts, "01-asset-graph")

    # A materialized `filtered` partition: its metadata holds the removal table (one row per filter).
    page.goto(f"{ui.url}/assets/filtered?view=partitions&partition={chunk}%7C{dump}")
    page.get_by_text(SEEDED_PARTITION, exact=True).first.wait_for()
    removal = page.locator("tr", has=page.get_by_text("removal_by_filter", exact=True)).first.locator("table").first
    removal.wait_for()
    screenshot(page, artifacts, "02-filtered-partition")
    screenshot(page, artifacts, "02-filtered-partition-removal-table", element=removal)
    assert removal.locator("thead th").first.inner_text() == "filter"
    filters = removal.locator("tbody tr td:first-child").all_inner_texts()
    assert {"extraction", "language", "gopher_quality", "fineweb_quality"} <= set(filters), filters

    # Materialize that partition again from the asset's launch dialog: it succeeds and reuses its version.
    page.goto(f"{ui.url}/assets/filtered")
    page.get_by_role("button", name="Materialize…").first.click()
    dialog = page.get_by_role("dialog").filter(has_text="Launch runs to materialize filtered")
    select_partition(page, dialog, chunk)
    select_partition(page, dialog, dump)
    dialog.get_by_text("1 partition", exact=True).wait_for()
    screenshot(page, artifacts, "03-launch-dialog")
    clicked = time.time() - 1
    dialog.get_by_role("button", name="Launch 1 run").click()
    run_id = wait_for_launched_run(ui, SEEDED_PARTITION, clicked)
    page.goto(f"{ui.url}/runs/{run_id}")
    run = wait_for_run(ui, run_id, timeout_s=240)
    assert run["status"] == "SUCCESS", f"run {run_id} from the launch dialog: {run['status']}\n{ui.log_tail()}"
    assert run["assetSelection"] == [{"path": ["filtered"]}]
    page.get_by_text("Success", exact=True).first.wait_for()
    screenshot(page, artifacts, "04-launched-run")
    events = ui.graphql(ASSET_MATERIALIZATIONS, {"key": {"path": ["filtered"]}, "partitions": [SEEDED_PARTITION]})
    (event,) = [e for e in events["assetOrError"]["assetMaterializations"] if e["runId"] == run_id]
    reused = {m["label"]: m for m in event["metadataEntries"]}["reused_committed_version"]["boolValue"]
    assert reused is True, "the UI's run should reuse the version the in-process run committed (same settings)"

    # The leaderboard's plot: a PNG in a markdown entry. Dagster 1.13 shows markdown metadata as a
    # "[Show Markdown]" link in the metadata table; the picture opens in a dialog.
    page.goto(f"{ui.url}/assets/leaderboard")
    plot_row = page.locator("tr", has=page.get_by_text("plot", exact=True)).first
    plot_row.get_by_text("[Show Markdown]").click()
    plot = page.locator('img[src^="data:image/png"]').first
    try:
        plot.wait_for(state="visible", timeout=15_000)
    finally:
        screenshot(page, artifacts, "05-leaderboard-plot")
    assert plot.bounding_box()["width"] > 300, "the leaderboard plot renders too small to read"

    # The ranking and the decisions read in one screen: narrow tables, no horizontal scrolling at 1,600 px.
    page.goto(f"{ui.url}/assets/leaderboard")
    page.locator("tr", has=page.get_by_text("decisions", exact=True)).first.locator("table").first.wait_for()
    screenshot(page, artifacts, "06-leaderboard-page")
    for name in ("leaderboard", "decisions"):
        table = page.locator("tr", has=page.get_by_text(name, exact=True)).first.locator("table").first
        screenshot(page, artifacts, f"06-leaderboard-{name}-table", element=table)
        assert "Could not parse" not in table.inner_text(), f"the UI cannot read a row of the {name} table"
        box = table.bounding_box()
        assert box["x"] + box["width"] <= VIEWPORT["width"], f"the {name} table is {box['width']:.0f} px wide, past the pane"
        assert table.evaluate(OVERFLOWING_ANCESTOR) is None, f"the {name} table scrolls sideways: {table.evaluate(OVERFLOWING_ANCESTOR)}"
    assert page.locator("tr", has=page.get_by_text("decisions", exact=True)).first.locator("tbody tr").count() >= 1
    ranking = page.locator("tr", has=page.get_by_text("leaderboard", exact=True)).first.locator("table").first
    flagged = ranking.locator("tr", has=page.get_by_text("web-repeated (candidate)"))
    assert "flagged: deduped" in flagged.inner_text(), "the mix built to repeat its source is not flagged on the leaderboard"

    # The runs made in process (as the demo makes them) are on the Overview timeline, under their jobs.
    page.goto(f"{ui.url}/overview/activity/timeline")
    for job in ("crawl_job", "proxy_job", "leaderboard_job"):
        page.get_by_text(job, exact=True).first.wait_for()
    screenshot(page, artifacts, "07-timeline")


def wait_for_launched_run(ui, partition: str, after: float, timeout_s: float = 60) -> str:
    """The run the launch dialog just created, found by its partition tag and creation time."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        runs = ui.graphql(RUNS, {"filter": {"tags": [{"key": "dagster/partition", "value": partition}],
                                            "createdAfter": after}})["runsOrError"]["results"]
        if runs:
            assert len(runs) == 1, f"one click, one run: {runs}"
            return runs[0]["runId"]
        time.sleep(1)
    raise AssertionError(f"no run for {partition} within {timeout_s:.0f} s of clicking Launch")
