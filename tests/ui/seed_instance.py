"""Build the Dagster instance the UI tests open, in its own process: `python tests/ui/seed_instance.py`.

The environment (DAGSTER_HOME, FACTORY_STORE, FACTORY_CRAWL, FACTORY_CHUNKS, FACTORY_MIXES, ...) is
the one `dagster dev` will get, so the partitions definition and every resource agree with the UI's.
A process of its own, because `assets.partitions` reads FACTORY_CHUNKS at import and the test
process may already have imported it with another value.

It materializes, in process against $DAGSTER_HOME:
- `category_classifier` (filtered tags every document with it);
- `raw_crawl` + `filtered` for the crawl partitions given with --crawl (Dagster's key text, chunk|dump);
- `contamination_index`, then `mixed` -> `proxy_model` -> `proxy_eval` -> `leaderboard` for two mixes (a decision to show; one repeats its source past the flag)
  over a small `deduped[c4]` version written directly (the proxy end-to-end test's way), with the test-micro proxy.
Its runs are recorded as the demo's are: with the workspace's code location, so the UI's timeline draws them.
Prints one JSON line: what was materialized, with store versions.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))  # mixing.helpers: real-text documents

log = logging.getLogger("seed_instance")
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
MIXES = {  # name -> recipe
    "web": "role: baseline\ntotal_tokens: 12000\nmax_repeats: 2\nsources: [{asset: deduped, weight: 1}]\n",
    # Built to repeat: five passes or more over the 40 documents (less the held-out ones), past the flag at 4.
    "web-repeated": "role: candidate\ntotal_tokens: 90000\nmax_repeats: 16\nsources: [{asset: deduped, weight: 1}]\n",
}


def materialized(result) -> list[dict]:
    rows = []
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        rows.append({"asset": mat.asset_key.to_user_string(), "partition": str(mat.partition),
                     "version": str(mat.metadata["store_version"].value)})
    return rows


def run(defs, instance, job: str, partition_key=None) -> list[dict]:
    from assets.run_origin import runs_attributed_to_workspace

    with runs_attributed_to_workspace(instance):
        result = defs.resolve_job_def(job).execute_in_process(partition_key=partition_key, instance=instance, run_config=QUIET)
    if not result.success:
        raise SystemExit(f"seeding the UI instance: {job} failed for partition {partition_key}")
    return materialized(result)


def seed(crawl_partitions: list[str], shared_data: Path, mixes_dir: Path) -> list[dict]:
    from dagster import DagsterInstance

    from assets.instance import ensure_dagster_home
    from factory import settings
    from factory.store import Store
    from mixing.helpers import c4_texts, write_documents, write_recipe

    settings.set_offline_defaults()
    ensure_dagster_home()
    from assets.definitions import defs

    from assets.partitions import crawl_partitions as crawl_partitions_def

    instance = DagsterInstance.get()
    done: list[dict] = []
    keys = [crawl_partitions_def.get_partition_key_from_str(text) for text in crawl_partitions]
    dumps = sorted({key.keys_by_dimension["dump"] for key in keys})
    instance.add_dynamic_partitions("dumps", dumps)
    done += run(defs, instance, "categories_job")  # filtered tags with it, as in the demo
    for key in keys:
        done += run(defs, instance, "crawl_job", key)

    write_documents(Store(settings.store_root()), "deduped", "c4", c4_texts(shared_data, 40), tag="c4")
    for mix, recipe in MIXES.items():
        write_recipe(mixes_dir, mix, recipe)
    instance.add_dynamic_partitions("mixes", list(MIXES))
    done += run(defs, instance, "contamination_job")  # every mix is checked against it, as in the demo
    for mix in MIXES:
        done += run(defs, instance, "mix_job", mix)
        done += run(defs, instance, "proxy_job", mix)
    done += run(defs, instance, "leaderboard_job")
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawl", action="append", default=[],
                        help="a crawl partition as Dagster writes it, chunk|dump (repeatable)")
    parser.add_argument("--shared-data", type=Path, required=True)
    parser.add_argument("--mixes", type=Path, required=True, help="the FACTORY_MIXES folder to write the recipe into")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    started = time.time()
    done = seed(args.crawl, args.shared_data, args.mixes)
    print(json.dumps({"materialized": done, "seconds": round(time.time() - started, 1)}))


if __name__ == "__main__":
    main()
