"""The GPU check: what one GPU does with the factory's training, evaluation and generation code, in one results file.

    bash bench/gpu_check.sh --prepare            # here: tokenizer + missing wheels into .factory/gpu-check (carried)
    bash bench/gpu_check.sh --out $OUT/gpu_check.json   # on the GPU machine, under 8 minutes on one H100
    bash bench/gpu_check.sh --cpu                # the same code paths at CPU sizes (tests/bench runs it)

The GPU image has torch but no vLLM, no network and none of the repository's data, so every part runs on random
weights and random or repository text: throughput does not depend on what the weights are.
- ``training``: proxy-135m and proxy-360m in bf16 autocast, tokens/s and MFU, eager and ``torch.compile``d.
- ``data_parallel``: the same proxy-135m steps through ``train_data_parallel`` (NCCL, one process per GPU), from
  memory-mapped token files as a mix is read: what the spawn, the process group and DDP cost on one device.
- ``evaluation``: forward passes over batches of scored windows, as lm-eval's loglikelihood requests run them, fp32
  (the harness's dtype) and bf16: tokens/s. lm-eval and the benchmarks are not on the image; the harness itself is
  tested in the suite.
- ``generation``: the factory's transformers backend (``load_generator``) on SmolLM2-135M-Instruct's architecture
  and tokenizer with random weights, in place of vLLM: output tokens/s at two batch sizes.
Each part runs on its own; one that fails records its error and the rest still run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
log = logging.getLogger("bench.gpu_check")
PREPARED = REPO / ".factory" / "gpu-check"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja")

# part -> what it runs on a GPU and on the CPU (small enough for the suite). On one H100 a proxy-135m step (256 x 2048
# tokens) takes about 1 s at 40% MFU and proxy-360m about 3 s; compiling adds about a minute per config: with the
# other parts, about 5 minutes.
SIZES = {
    "gpu": {"training": {"configs": ("proxy-135m", "proxy-360m"), "steps": 12, "compile": (False, True)},
            "data_parallel": {"config": "proxy-135m", "steps": 10},
            "evaluation": {"config": "proxy-135m", "batch": 32, "length": 512, "batches": 20},
            "generation": {"prompts": 64, "words": 300, "max_tokens": 128, "batch_sizes": (16, 64)}},
    "cpu": {"training": {"configs": ("decide-cpu",), "steps": 4, "compile": (False,)},
            "data_parallel": {"config": "decide-cpu", "steps": 2},
            "evaluation": {"config": "decide-cpu", "batch": 4, "length": 128, "batches": 2},
            "generation": {"prompts": 2, "words": 30, "max_tokens": 4, "batch_sizes": (2,)}},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu", action="store_true", help="CPU sizes: checks every code path in a minute")
    parser.add_argument("--out", type=Path, default=None, help="default bench/results/gpu-check-<date>.json")
    parser.add_argument("--parts", default="training,data_parallel,evaluation,generation")
    parser.add_argument("--tokenizer", type=Path, default=None, help="SmolLM2's tokenizer files; default the prepared ones")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    mode = "cpu" if args.cpu else "gpu"
    device = "cpu" if args.cpu else "cuda"
    out = args.out or REPO / "bench" / "results" / f"gpu-check-{datetime.now(timezone.utc):%Y-%m-%d}{'-cpu' if args.cpu else ''}.json"
    report = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "mode": mode, "machine": machine(device),
              "parts": {}}
    for part in args.parts.split(","):
        started = time.time()
        try:
            result = PARTS[part](device, SIZES[mode][part], args.tokenizer)
            report["parts"][part] = {"ok": True, "seconds": round(time.time() - started, 1), **result}
        except Exception as error:  # a part that fails is a finding; the others still run
            log.error("%s failed: %s", part, error)
            report["parts"][part] = {"ok": False, "seconds": round(time.time() - started, 1), "error": repr(error),
                                     "traceback": traceback.format_exc()[-3000:]}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1))  # after every part: a timeout keeps what finished
    failed = [part for part, result in report["parts"].items() if not result["ok"]]
    log.info("wrote %s; %s", out, f"failed: {failed}" if failed else "every part ran")
    sys.exit(1 if failed else 0)


def machine(device: str) -> dict:
    import torch

    info = {"host": platform.node(), "python": platform.python_version(), "torch": torch.__version__,
            "cpu_cores": os.cpu_count(), "device": device}
    if device == "cuda":
        info.update(gpu=torch.cuda.get_device_name(0), gpus=torch.cuda.device_count(), cuda=torch.version.cuda,
                    gpu_memory_gb=round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1))
    for package in ("transformers", "tokenizers", "numpy", "lm_eval", "vllm"):
        info[package] = _version(package)
    return info


def training(device: str, size: dict, _tokenizer) -> dict:
    """Tokens/s and MFU of each proxy config, eager and compiled, bf16 autocast on a GPU (the configs' ``auto``)."""
    sys.path.insert(0, str(REPO / "bench"))
    from training import measure

    rows = []
    for name in size["configs"]:
        for compiled in size["compile"]:
            overrides = {"compile": compiled} if device == "cuda" else {"threads": os.cpu_count(), "batch_size": 4}
            rows.append(measure(name, size["steps"], device, overrides))
            log.info("training %s compile=%s: %.0f tokens/s, MFU %s", name, compiled, rows[-1]["tokens_per_s"], rows[-1]["mfu"])
    return {"runs": rows}


def data_parallel(device: str, size: dict, _tokenizer) -> dict:
    """``train_data_parallel`` with one process per device, from memory-mapped token files as a mix is stored."""
    import numpy as np

    from factory.training.config import load_proxy_config
    from factory.training.data_parallel import train_data_parallel

    processes = _device_count(device)
    # eager: the training part measures compilation; this one measures the spawn, the process group and DDP
    config = load_proxy_config(size["config"]).with_overrides(device=device, processes=processes, log_every=5, compile=False)
    config = config.with_overrides(train_tokens=size["steps"] * config.tokens_per_step)
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as scratch:
        path = Path(scratch) / "tokens.bin"
        rng = np.random.default_rng(0)
        rng.integers(1, config.model.vocab_size, config.tokens_per_step * 4 + 1).astype(np.uint16).tofile(path)
        started = time.time()
        _model, report = train_data_parallel(config, [(str(path), "uint16")])
    return {"config": size["config"], "processes": processes, "steps": report.steps, "tokens": report.tokens,
            "tokens_per_s": round(report.tokens_per_s, 1), "mfu": report.mfu, "wall_s": round(time.time() - started, 1),
            "train_s": round(report.seconds, 1), "device": report.device_name}


def evaluation(device: str, size: dict, _tokenizer) -> dict:
    """Forward passes without gradients over ``batch`` x ``length`` windows: what lm-eval's loglikelihood requests
    cost per token, in fp32 (the harness's dtype) and in bf16."""
    import torch

    from factory.training.config import load_proxy_config
    from factory.training.model import build_model

    config = load_proxy_config(size["config"]).with_overrides(context=size["length"])
    model = build_model(config).to(device).eval()
    windows = torch.randint(1, config.model.vocab_size, (size["batch"], size["length"]), device=device)
    rows = []
    for dtype in ("float32", "bfloat16"):
        with torch.no_grad(), torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=dtype == "bfloat16"):
            model(input_ids=windows).logits.float().log_softmax(-1)  # warm-up: kernels chosen, memory allocated
            _synchronize(device)
            started = time.time()
            for _ in range(size["batches"]):
                model(input_ids=windows).logits.float().log_softmax(-1)
            _synchronize(device)
        seconds = time.time() - started
        rows.append({"dtype": dtype, "tokens_per_s": round(size["batches"] * windows.numel() / seconds, 1),
                     "seconds": round(seconds, 2)})
        log.info("evaluation %s %s: %.0f tokens/s", size["config"], dtype, rows[-1]["tokens_per_s"])
    return {"config": size["config"], "batch": size["batch"], "length": size["length"], "runs": rows}


def generation(device: str, size: dict, tokenizer: Path | None) -> dict:
    """The transformers backend on SmolLM2-135M-Instruct's architecture (random weights) and real tokenizer."""
    from factory.generation import GenerationRequest, GeneratorConfig, load_generator, load_recipe

    recipe = load_recipe("finephrase_faq")
    sampling = recipe.sampling.replace(max_tokens=size["max_tokens"])
    texts = _repository_texts(size["prompts"], size["words"])
    rows = []
    with tempfile.TemporaryDirectory(prefix="gpu-check-model-") as folder:
        _random_smollm2(Path(folder), tokenizer_dir(tokenizer))
        for batch_size in size["batch_sizes"]:
            config = GeneratorConfig(backend="transformers", model=folder, device=device, batch_size=batch_size)
            generator = load_generator(config)
            try:
                requests = [GenerationRequest(recipe.render(text), sampling, request_id=f"doc-{i}") for i, text in enumerate(texts)]
                started = time.time()
                outputs = generator.generate(requests)
                seconds = time.time() - started
            finally:
                generator.close()
            tokens = sum(o.output_tokens for o in outputs)
            rows.append({"batch_size": batch_size, "requests": len(requests), "tokens_out": tokens,
                         "tokens_in": sum(o.prompt_tokens for o in outputs), "seconds": round(seconds, 2),
                         "output_tokens_per_s": round(tokens / seconds, 1),
                         "hit_max_tokens": sum(o.finish_reason == "length" for o in outputs)})
            log.info("generation batch %d: %.0f output tokens/s", batch_size, rows[-1]["output_tokens_per_s"])
    return {"model": "SmolLM2-135M-Instruct architecture, random weights", "max_tokens": size["max_tokens"], "runs": rows}


PARTS = {"training": training, "data_parallel": data_parallel, "evaluation": evaluation, "generation": generation}


def tokenizer_dir(given: Path | None) -> Path:
    """SmolLM2's tokenizer files: given, prepared by ``--prepare``, or converted here from the installed GGUF."""
    if given:
        if not (given / "tokenizer.json").exists():
            raise FileNotFoundError(f"no tokenizer.json in {given}: give SmolLM2's tokenizer folder, or run "
                                    "`bash bench/gpu_check.sh --prepare` and carry .factory/gpu-check")
        return given
    if (PREPARED / "tokenizer" / "tokenizer.json").exists():
        return PREPARED / "tokenizer"
    from factory.models import ensure_smollm2

    return ensure_smollm2()


def _random_smollm2(folder: Path, tokenizer: Path) -> None:
    """SmolLM2-135M-Instruct's shape (the proxy-135m config is the same Llama) with random weights, and its tokenizer."""
    import shutil

    from factory.training.config import load_proxy_config
    from factory.training.model import build_model

    model = build_model(load_proxy_config("proxy-135m"))
    model.config.use_cache = True  # generation reuses the keys and values
    model.save_pretrained(folder)
    for name in TOKENIZER_FILES:
        if (tokenizer / name).exists():
            shutil.copy(tokenizer / name, folder / name)


def _repository_texts(count: int, length: int) -> list[str]:
    """Prose from the repository's docs, ``length`` words each: prompts of a web page's length without ../shared."""
    words = " ".join(path.read_text() for path in sorted((REPO / "docs").glob("*.md"))).split()
    return [" ".join(words[i * length:(i + 1) * length]) for i in range(count)]


def _device_count(device: str) -> int:
    import torch

    return torch.cuda.device_count() if device == "cuda" else 1


def _synchronize(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def _version(package: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
