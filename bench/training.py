"""Training throughput of the proxy configs: tokens/s on CPU, tokens/s and MFU on a GPU.

Needs only torch, transformers, numpy and PyYAML plus ``factory/training`` (no Dagster, no
vLLM, no store), so the GPU image runs it from a copy of the repository. Random weights and
random token ids: throughput does not depend on the data.

    python bench/training.py --mode cpu                    # tiny-cpu and proxy-135m, few steps
    python bench/training.py --mode gpu --configs proxy-135m proxy-360m --steps 30
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from factory.training.config import load_proxy_config  # noqa: E402

log = logging.getLogger("bench.training")
RESULTS = Path(__file__).resolve().parent / "results" / "training.json"


def measure(name: str, steps: int, device: str, overrides: dict) -> dict:
    import numpy as np

    from factory.training.data import TokenBatches
    from factory.training.loop import train
    from factory.training.model import build_model

    config = load_proxy_config(name).with_overrides(device=device, log_every=max(1, steps // 5), **overrides)
    tokens = np.random.default_rng(0).integers(0, config.model.vocab_size, size=config.context * config.batch_size * 4 + 1)
    model = build_model(config)
    report = train(model, TokenBatches(tokens, config.context, config.batch_size), config, max_steps=steps)
    return {
        "config": name, "device": report.device_name, "params": report.params["params"],
        "non_embedding_params": report.params["non_embedding_params"], "context": config.context,
        "batch_tokens": config.tokens_per_step, "steps": steps, "tokens_per_s": round(report.tokens_per_s, 1),
        "flops_per_token": report.flops_per_token, "mfu": report.mfu, "seconds": round(report.seconds, 1),
        "seconds_per_million_tokens": round(1e6 / report.tokens_per_s, 1), "overrides": overrides,
    }


def measure_cpu(repeats: int = 3, steps: int = 20, threads: int = 2) -> dict:
    """For `make bench` (bench/suite.py): training tokens/s of the demo's proxy config, ``repeats`` runs."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from measure import figure

    runs = [measure("decide-cpu", steps, "cpu", {"threads": threads}) for _ in range(repeats)]
    return {"figures": {"decide_cpu_tokens_per_second": figure([r["tokens_per_s"] for r in runs], "tokens/s", 1)},
            "notes": {"config": "decide-cpu (the demo's proxy)", "params": runs[0]["params"], "steps": steps,
                      "batch_tokens": runs[0]["batch_tokens"], "threads": threads,
                      "mfu": "measured on a GPU only (bench/training.py --mode gpu): no GPU here"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--configs", nargs="*", default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    results = []
    if args.mode == "cpu":
        plan = [(c, args.steps or 30, {"threads": args.threads}) for c in (args.configs or ["tiny-cpu"])]
        # the 135M shape at a CPU-sized batch: a few steps show why the demo uses the tiny config
        if not args.configs:
            plan.append(("proxy-135m", args.steps or 3, {"threads": args.threads, "batch_size": 4, "micro_batch": 4, "context": 512, "compile": False}))
        for name, steps, overrides in plan:
            results.append(measure(name, steps, "cpu", overrides))
    else:
        for name in args.configs or ["proxy-135m"]:
            results.append(measure(name, args.steps or 30, "cuda", {}))
    existing = json.loads(args.output.read_text()) if args.output.exists() else {}
    existing[args.mode] = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "load_average": os.getloadavg(), "results": results}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(existing, indent=2))
    for row in results:
        log.info("%s on %s: %.0f tokens/s, MFU %s", row["config"], row["device"], row["tokens_per_s"], row["mfu"])


if __name__ == "__main__":
    main()
