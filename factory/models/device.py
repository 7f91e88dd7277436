"""Which device a step runs on: one rule for training, evaluation and generation."""

from __future__ import annotations


def has_cuda() -> bool:
    """Whether torch sees a CUDA device (False when torch is not installed)."""
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def resolve_device(name: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; an explicit ``cuda...`` without one fails, naming the
    fix, instead of failing later inside torch."""
    if name == "auto":
        return "cuda" if has_cuda() else "cpu"
    if name.startswith("cuda") and not has_cuda():
        raise RuntimeError(f"device {name!r} requested but torch sees no CUDA device: use device 'cpu' or 'auto'")
    return name
