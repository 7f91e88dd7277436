"""Data-parallel training on the devices of one node: one process per GPU (or per CPU slice, over gloo),
gradients averaged by DDP, every process on its share of the same global batch.

Process ``r`` of ``P`` trains on rows ``r, r + P, ...`` of each global batch; DDP averages the
gradients, so every optimizer step sees the gradient of the whole batch and the loss curve is
the single-process one (up to float summation order). The number of processes is operational:
the checkpoint's version does not depend on it. Process 0 saves the model and the report for the
parent, which commits them like a single-process run.

Resume checkpoints: every process loads the newest one from the store (the same weights, optimizer
state and data position everywhere, as DDP keeps them), and process 0 writes the new ones; the
per-process running loss is gathered into it, so a rerun with the same number of processes continues
exactly (with another number, from the mean).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from factory.training.checkpoint import CheckpointFolder
from factory.training.config import ProxyConfig
from factory.training.data import TokenBatches
from factory.training.loop import TrainReport

log = logging.getLogger(__name__)
REPORT = "report.json"


class RankBatches:
    """This process's rows of every global batch."""

    def __init__(self, batches: TokenBatches, rank: int, world: int):
        self.batches, self.rank, self.world = batches, rank, world

    def __iter__(self):
        for batch in self.batches:
            yield batch[self.rank::self.world]


def train_data_parallel(
    config: ProxyConfig, token_files: list[tuple[str, str]], checkpoints: CheckpointFolder | None = None,
) -> tuple[object, TrainReport]:
    """Train with ``config.processes`` processes on the memory-mapped ``token_files`` ((path, dtype) pairs),
    resuming from and writing to ``checkpoints`` if given; returns process 0's model (on CPU) and report."""
    import torch.multiprocessing as mp
    from transformers import LlamaForCausalLM

    with tempfile.TemporaryDirectory(prefix="factory-ddp-") as out:
        log.info("training %s data-parallel on %d processes", config.name, config.processes)
        spec = checkpoints.spec() if checkpoints else None
        mp.spawn(_rank_main, args=(config.processes, config.to_dict(), token_files, out, spec), nprocs=config.processes, join=True)
        model = LlamaForCausalLM.from_pretrained(Path(out) / "model")
        raw = json.loads((Path(out) / REPORT).read_text())
    return model, TrainReport(**raw)


def _rank_main(rank: int, world: int, config_dict: dict, token_files: list[tuple[str, str]], out: str,
               checkpoint_spec: tuple | None) -> None:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from factory.models.device import resolve_device
    from factory.token_stream import TokenShards
    from factory.training.loop import train
    from factory.training.model import build_model

    config = ProxyConfig.from_dict(config_dict, where="data-parallel worker")
    cuda = resolve_device(config.device).startswith("cuda")
    # One node: the processes meet through a file, not a TCP store (which listens on every interface), and
    # their collectives stay on the loopback interface unless the environment names another.
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    os.environ.setdefault("NCCL_SOCKET_IFNAME", "lo")
    dist.init_process_group("nccl" if cuda else "gloo", init_method=f"file://{out}/rendezvous", rank=rank, world_size=world)
    try:
        if cuda:
            torch.cuda.set_device(rank)
            config = config.with_overrides(device=f"cuda:{rank}")
        checkpoints = CheckpointFolder.from_spec(checkpoint_spec) if checkpoint_spec else None
        state = checkpoints.latest() if checkpoints else None
        tokens = TokenShards([np.memmap(path, dtype=np.dtype(dtype), mode="r") for path, dtype in token_files])
        start = state.windows if state else 0
        batches = RankBatches(TokenBatches(tokens, config.context, config.batch_size, seed=config.seed, start=start), rank, world)
        model = build_model(config).to(config.device if cuda else "cpu")
        wrapped = DistributedDataParallel(model, device_ids=[rank] if cuda else None)
        save = checkpoints.save if checkpoints and rank == 0 else None
        report = train(wrapped, batches, config, world_size=world, resume=state, on_checkpoint=save)
        if rank == 0:
            model.to("cpu").save_pretrained(Path(out) / "model")
            (Path(out) / REPORT).write_text(json.dumps(asdict(report)))
    finally:
        dist.destroy_process_group()


def token_files_of(tokens) -> list[tuple[str, str]]:
    """The (path, dtype) of each memory map behind a token stream (a memmap or TokenShards)."""
    arrays = getattr(tokens, "arrays", [tokens])
    if not all(isinstance(a, np.memmap) and a.filename for a in arrays):
        raise ValueError("data-parallel training reads the mix from memory-mapped files: got an in-memory array")
    return [(str(a.filename), str(a.dtype)) for a in arrays]

