"""Generation spread over N worker processes, one engine (one GPU) each, on one partition.

Worker ``i`` generates chunks ``i, i + N, ...`` of the partition's version and commits each as its
own part; the parent waits for all of them and commits the manifest. Each chunk's outputs depend
only on its requests and the run's seed, so with a deterministic backend N workers give the same
outputs as one (tested with 2 CPU workers). N is operational: recorded, never part of the version.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable

from factory.generation.backend import GeneratorConfig
from factory.generation.recipes import Recipe
from factory.store import Store

log = logging.getLogger(__name__)


def generate_in_workers(store: Store, generator_config: GeneratorConfig, *, dump: str, recipe: Recipe, config,
                        workers: int, work: Callable, run_id: str | None = None) -> None:
    """Run ``workers`` processes to completion, each calling ``work`` (a module-level function: the step's
    ``generate_worker_parts``) with its own engine; raise naming the ones that failed (their committed chunks stay)."""
    context = multiprocessing.get_context("spawn")  # fresh processes: no forked CUDA or engine state
    processes = [context.Process(target=_worker_main, name=f"synthetic-worker-{i}",
                                 args=(i, workers, work, store.root_uri, store.options, generator_config, dump, recipe,
                                       config, run_id))
                 for i in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    failed = [p.name for p in processes if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"synthetic {dump}/{recipe.name}: generation worker(s) {failed} failed (see their logs above); "
                           "materialize again to generate only the chunks they did not commit")


def _worker_main(worker: int, workers: int, work: Callable, root: str, options, generator_config: GeneratorConfig,
                 dump: str, recipe: Recipe, config, run_id: str | None) -> None:
    from factory import settings

    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s worker {worker} %(levelname)s %(name)s: %(message)s")
    settings.set_offline_defaults()
    if generator_config.device in ("auto", "cuda") and "CUDA_VISIBLE_DEVICES" not in os.environ:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(worker)  # one GPU per worker (ignored on a machine without GPUs)
    from factory.generation.engines import load_generator

    generator = load_generator(generator_config)
    try:
        work(Store(root, options), generator, dump=dump, recipe=recipe, config=config,
                              worker=worker, workers=workers, run_id=run_id)
    finally:
        generator.close()
