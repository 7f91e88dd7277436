"""Model FLOPs utilisation: achieved training FLOP/s over the device's peak dense bf16 FLOP/s."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

# Dense (no sparsity) bf16 tensor-core peaks from the vendors' datasheets, FLOP/s.
PEAK_BF16_FLOPS = {
    "H200": 989.4e12,
    "H100 SXM": 989.4e12,
    "H100 80GB HBM3": 989.4e12,
    "H100 NVL": 835.0e12,
    "H100 PCIe": 756.0e12,
    "H100": 989.4e12,
    "GH200": 989.4e12,
    "B200": 2250e12,
    "A100": 312e12,
    "A10G": 125e12,
    "A10": 125e12,
    "L40S": 362e12,
    "L4": 121e12,
    "RTX 4090": 165e12,
}


def peak_flops(device_name: str) -> float | None:
    """FACTORY_PEAK_FLOPS if set, else the first table entry whose name appears in the device's."""
    if override := os.environ.get("FACTORY_PEAK_FLOPS"):
        return float(override)
    for name, flops in PEAK_BF16_FLOPS.items():
        if name.lower() in device_name.lower():
            return flops
    log.warning("no peak FLOP/s known for %r: set FACTORY_PEAK_FLOPS to report MFU", device_name)
    return None


def mfu(tokens_per_s: float, flops_per_token: float, device_name: str) -> float | None:
    peak = peak_flops(device_name)
    return tokens_per_s * flops_per_token / peak if peak else None
