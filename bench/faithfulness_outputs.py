"""Rephrasings to validate the faithfulness measure on: real WebOrganizer pages through four FinePhrase recipes.

Pages of 80-600 SmolLM2 tokens are taken every ``--stride``-th line of the WebOrganizer file (varied topics and
formats), each rendered with every recipe, sampled with the recipe's settings cut to ``--max-tokens``, on each
backend with the local SmolLM2-135M-Instruct (the demo's model). The outputs are written with a reference to their
source (file and line), never the source's text: ``bench/faithfulness.py`` reads the source from the data and scores
each output against it and against other pages.

    python bench/faithfulness_outputs.py                          # vllm and transformers, 24 pages x 4 recipes
    python bench/faithfulness_outputs.py --backends transformers --pages 8
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WEBORGANIZER = REPO.parent / "shared/data/classification/weborganizer/weborganizer_examples.jsonl.gz"
RECIPES = ("finephrase_faq", "finephrase_tutorial", "finephrase_table", "finephrase_math")
OUT = REPO / "bench/results/faithfulness_outputs.jsonl.gz"
log = logging.getLogger("bench.faithfulness_outputs")


def source_pages(path: Path, pages: int, stride: int) -> list[dict]:
    """Every ``stride``-th page of 80-600 tokens: {line, url, text}."""
    from factory.models import count_tokens

    chosen = []
    with gzip.open(path, "rt") as handle:
        for line, raw in enumerate(handle):
            if line % stride:
                continue
            page = json.loads(raw)
            if 80 <= count_tokens([page["text"]])[0] <= 600:
                chosen.append({"line": line, "url": page.get("url", ""), "text": page["text"]})
            if len(chosen) == pages:
                break
    return chosen


def generate(backend: str, pages: list[dict], max_tokens: int, seed: int) -> list[dict]:
    from factory.generation import GenerationRequest, GeneratorConfig, load_generator, load_recipe
    from factory.models import ensure_smollm2

    requests, keys = [], []
    for name in RECIPES:
        recipe = load_recipe(name)
        sampling = recipe.sampling.replace(max_tokens=max_tokens)
        for page in pages:
            requests.append(GenerationRequest(recipe.render(page["text"], url=page["url"]), sampling))
            keys.append((recipe.tag, page))
    generator = load_generator(GeneratorConfig(backend=backend, model=str(ensure_smollm2()), seed=seed))
    try:
        started = time.time()
        outputs = generator.generate(requests)
        log.info("%s: %d outputs in %.0f s", backend, len(outputs), time.time() - started)
    finally:
        generator.close()
    return [{"backend": backend, "recipe": tag, "source_file": WEBORGANIZER.name, "source_line": page["line"],
             "source_url": page["url"], "finish_reason": output.finish_reason, "output": output.text.strip()}
            for (tag, page), output in zip(keys, outputs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="vllm,transformers")
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--stride", type=int, default=97, help="take every stride-th line of the file")
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    from factory import settings

    settings.set_offline_defaults()
    pages = source_pages(WEBORGANIZER, args.pages, args.stride)
    rows = [row for backend in args.backends.split(",") for row in generate(backend, pages, args.max_tokens, args.seed)]
    with gzip.open(args.out, "wt") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    log.info("wrote %d outputs to %s", len(rows), args.out)


if __name__ == "__main__":
    main()
