"""CPU training reuses freed tensor memory instead of faulting it in again at every step (factory.models.allocator)."""

import subprocess
import sys

# A decide-cpu step in a fresh process (the glibc setting is process-wide and cannot be undone): its logits are
# 16 x 256 x 4096 floats, 16,384 pages, so without reuse every step faults at least that many pages in (measured:
# about 70,000 a step).
STEPS = """
import dataclasses, resource
import numpy as np
from factory.training.config import load_proxy_config
from factory.training.data import TokenBatches
from factory.training.loop import train
from factory.training.model import build_model

config = dataclasses.replace(load_proxy_config("decide-cpu"), log_every=1000, warmup_steps=1)
tokens = np.random.default_rng(0).integers(1, 4096, 100_000).astype(np.uint16)
model = build_model(config)
train(model, TokenBatches(tokens, config.context, config.batch_size), config, max_steps=2)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
train(model, TokenBatches(tokens, config.context, config.batch_size), config, max_steps=8)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 8)
"""
LOGITS_PAGES = 16 * 256 * 4096 * 4 // 4096


def test_a_cpu_training_step_faults_in_no_tensor_memory_after_the_first():
    out = subprocess.run([sys.executable, "-c", STEPS], capture_output=True, text=True, timeout=300, check=True)
    faults_per_step = float(out.stdout.strip().splitlines()[-1])
    # a new optimizer's state and the first step's buffers fault in a few hundred pages, spread over the steps
    assert faults_per_step < LOGITS_PAGES / 2, f"{faults_per_step:.0f} page faults per step: freed tensors are unmapped"
