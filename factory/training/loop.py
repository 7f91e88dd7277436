"""The compact training loop: AdamW, linear warmup then cosine decay, gradient clipping,
gradient accumulation, bf16 autocast on CUDA; a loss curve, tokens/s and MFU come out of it.

Every ``checkpoint_every`` steps it hands its whole state (``factory.training.checkpoint.TrainState``) to
a callback, and it can start from such a state: on CPU the resumed run is bit-identical to one that
never stopped (same weights, same loss curve).

It needs only torch, transformers and numpy, so the GPU benchmark runs it alone.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from factory.models.allocator import reuse_freed_tensor_memory
from factory.models.device import resolve_device
from factory.training.config import ProxyConfig
from factory.training.mfu import mfu as compute_mfu
from factory.training.model import flops_per_token, parameter_counts

if TYPE_CHECKING:
    from factory.training.checkpoint import TrainState

log = logging.getLogger(__name__)


@dataclass
class TrainReport:
    steps: int
    tokens: int
    seconds: float
    tokens_per_s: float  # steady state: after the first step (allocation, compilation)
    flops_per_token: float
    mfu: float | None
    device: str
    device_name: str
    final_loss: float
    params: dict[str, int]
    curve: list[dict] = field(default_factory=list)
    resumed_from_step: int = 0  # the checkpoint this run started from (0: from scratch)

    @property
    def gpu_hours(self) -> float:
        return self.seconds / 3600 if self.device.startswith("cuda") else 0.0


def cpu_has_bf16_matmul() -> bool:
    """AMX tiles make bf16 autocast ~2x faster than fp32 on CPU; without them it is slower."""
    import torch

    try:
        return bool(torch.cpu._is_amx_tile_supported())
    except AttributeError:
        return False


def device_name(device: str) -> str:
    import platform

    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def lr_at(step: int, config: ProxyConfig) -> float:
    """Linear warmup to lr, then cosine decay to lr * min_lr_ratio at the last step."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    floor = config.lr * config.min_lr_ratio
    return floor + (config.lr - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def train(
    model, batches: Iterable[np.ndarray], config: ProxyConfig, *, max_steps: int | None = None,
    on_log: Callable[[dict], None] | None = None, world_size: int = 1, resume: TrainState | None = None,
    on_checkpoint: Callable[[TrainState], None] | None = None,
) -> TrainReport:
    """Train ``model`` (or a DDP wrapper of it, with ``world_size`` processes each given its rows of every
    global batch: token counts and logged losses are then the whole batch's).

    ``resume``: a checkpoint to continue from; ``batches`` must then start at its data position
    (``TokenBatches(..., start=resume.windows)``). ``on_checkpoint`` receives the state every
    ``config.checkpoint_every`` steps but the last (under DDP, give it to process 0 only)."""
    run = _setup(model, config, max_steps, world_size)
    if resume is not None:
        _restore(run, resume)
    batch_iter = iter(batches)
    for step in range(run.first_step, run.steps):
        _step(run, step, next(batch_iter))
        if (step + 1) % config.log_every == 0 or step + 1 == run.steps:
            _log_point(run, step, on_log)
        if (step + 1) % config.checkpoint_every == 0 and step + 1 < run.steps:
            _checkpoint(run, step, on_checkpoint)
    return _report(run)


@dataclass
class _Run:
    """One training run's setup and running state: what the loop's pieces share."""

    model: object
    unwrapped: object  # the model itself under DDP
    forward: object
    optimizer: object
    config: ProxyConfig
    device: str
    name: str
    bf16: bool
    steps: int
    world_size: int
    rank: int
    counts: dict[str, int]
    per_token: float
    interval_loss: object  # a scalar tensor on the device
    curve: list[dict] = field(default_factory=list)
    first_step: int = 0
    interval_steps: int = 0
    timed_steps: int = 0
    tokens: int = 0
    first_tokens: int = 0
    seconds_before: float = 0.0
    started: float = field(default_factory=time.time)
    steady_start: float | None = None
    steady_tokens: int = 0
    interval_start: float = 0.0

    @property
    def cuda(self) -> bool:
        return self.device.startswith("cuda")


def _setup(model, config: ProxyConfig, max_steps: int | None, world_size: int) -> _Run:
    """Device and precision, the model on it, the optimizer (no weight decay on vectors)."""
    import torch

    device = resolve_device(config.device)
    if device == "cpu":
        reuse_freed_tensor_memory()
        if config.threads:
            torch.set_num_threads(config.threads)
    cuda = device.startswith("cuda")
    model.to(device)
    model.train()
    unwrapped = getattr(model, "module", model)
    counts = parameter_counts(unwrapped)
    decay = [p for p in unwrapped.parameters() if p.dim() >= 2]
    no_decay = [p for p in unwrapped.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.lr, betas=(0.9, config.beta2), eps=1e-8, fused=cuda,
    )
    steps = min(config.steps, max_steps) if max_steps else config.steps
    name = device_name(device)
    log.info(
        "training %s: %.2fM params (%.2fM non-embedding), %d steps x %d tokens on %s",
        config.name, counts["params"] / 1e6, counts["non_embedding_params"] / 1e6, steps, config.tokens_per_step, name,
    )
    run = _Run(
        model=model, unwrapped=unwrapped, forward=torch.compile(model) if config.compile else model, optimizer=optimizer,
        config=config, device=device, name=name, steps=steps, world_size=world_size, counts=counts,
        bf16=config.precision == "bfloat16" or (config.precision == "auto" and (cuda or cpu_has_bf16_matmul())),
        rank=torch.distributed.get_rank() if world_size > 1 else 0, per_token=flops_per_token(config, counts),
        interval_loss=torch.zeros((), device=device),
    )
    run.interval_start = run.started
    return run


def _restore(run: _Run, resume: TrainState) -> None:
    """Weights, optimizer, data position, curve and the running interval of a checkpoint."""
    from factory.training.checkpoint import restore

    config = run.config
    if resume.seed != config.seed or resume.step >= run.steps:
        raise ValueError(f"checkpoint of seed {resume.seed} at step {resume.step} cannot resume seed {config.seed} "
                         f"training {run.steps} steps: delete its _resume folder")
    restore(resume, run.unwrapped, run.optimizer)
    run.first_step, run.interval_steps, run.tokens, run.seconds_before = (resume.step, resume.interval_steps, resume.tokens,
                                                                          resume.seconds)
    run.first_tokens = run.tokens
    run.curve = list(resume.curve)
    run.interval_loss.fill_(resume.interval_loss_of(run.rank, run.world_size))
    log.info("resuming %s at step %d/%d (%d tokens done)", config.name, run.first_step, run.steps, run.tokens)


def _step(run: _Run, step: int, rows: np.ndarray) -> None:
    """One optimizer step over a global batch, in ``accumulation`` micro-batches."""
    import torch
    import torch.nn.functional as F

    config = run.config
    for group in run.optimizer.param_groups:
        group["lr"] = lr_at(step, config)
    batch = torch.from_numpy(rows).to(run.device, non_blocking=True)
    for micro in batch.chunk(config.accumulation):
        inputs, targets = micro[:, :-1], micro[:, 1:]
        with torch.autocast(device_type="cuda" if run.cuda else "cpu", dtype=torch.bfloat16, enabled=run.bf16):
            logits = run.forward(input_ids=inputs).logits
        loss = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1))
        (loss / config.accumulation).backward()
        run.interval_loss += loss.detach() / config.accumulation
    if config.grad_clip:
        torch.nn.utils.clip_grad_norm_(run.model.parameters(), config.grad_clip)
    run.optimizer.step()
    run.optimizer.zero_grad(set_to_none=True)
    step_tokens = batch.shape[0] * (batch.shape[1] - 1) * run.world_size
    run.tokens += step_tokens
    run.interval_steps += 1
    run.timed_steps += 1
    if step == run.first_step:  # the steady-state rate leaves out the first step (allocation, compilation)
        if run.cuda:
            torch.cuda.synchronize()
        run.steady_start = time.time()
    else:
        run.steady_tokens += step_tokens


def _log_point(run: _Run, step: int, on_log: Callable[[dict], None] | None) -> None:
    """A loss-curve point: the interval's mean loss (the whole batch's under DDP), lr and tokens/s."""
    import torch

    if run.cuda:
        torch.cuda.synchronize()
    if run.world_size > 1:  # the whole batch's loss: the mean over the processes' rows
        torch.distributed.all_reduce(run.interval_loss)
        run.interval_loss /= run.world_size
    now = time.time()
    point = {
        "step": step + 1, "tokens": run.tokens, "loss": float(run.interval_loss.item() / run.interval_steps),
        "lr": run.optimizer.param_groups[0]["lr"],
        "tokens_per_s": round(run.timed_steps * run.config.tokens_per_step / (now - run.interval_start), 1),
    }
    if not math.isfinite(point["loss"]):
        raise FloatingPointError(f"training {run.config.name} diverged at step {step + 1} (loss {point['loss']}): lower lr")
    run.curve.append(point)
    log.info("step %d/%d loss %.4f lr %.2e %.0f tokens/s", step + 1, run.steps, point["loss"], point["lr"], point["tokens_per_s"])
    if on_log:
        on_log(point)
    run.interval_loss.zero_()
    run.interval_steps, run.timed_steps, run.interval_start = 0, 0, now


def _checkpoint(run: _Run, step: int, on_checkpoint: Callable[[TrainState], None] | None) -> None:
    losses = _per_process(run.interval_loss, run.world_size)  # a collective: every process takes part
    if on_checkpoint:
        from factory.training.checkpoint import capture

        on_checkpoint(capture(
            run.unwrapped, run.optimizer, seed=run.config.seed, step=step + 1, tokens=run.tokens,
            windows=(step + 1) * run.config.batch_size, seconds=run.seconds_before + time.time() - run.started,
            curve=list(run.curve), interval_loss=losses, interval_steps=run.interval_steps,
        ))


def _report(run: _Run) -> TrainReport:
    seconds = time.time() - run.started
    steady_seconds = time.time() - run.steady_start if run.steady_start and run.steady_tokens else seconds
    tokens_per_s = (run.steady_tokens or run.tokens - run.first_tokens) / max(steady_seconds, 1e-9)
    return TrainReport(
        steps=run.steps, tokens=run.tokens, seconds=run.seconds_before + seconds, tokens_per_s=tokens_per_s,
        flops_per_token=run.per_token, mfu=compute_mfu(tokens_per_s, run.per_token, run.name) if run.cuda else None,
        device=run.device, device_name=run.name, final_loss=run.curve[-1]["loss"], params=run.counts, curve=run.curve,
        resumed_from_step=run.first_step,
    )


def _per_process(value, world_size: int) -> list[float]:
    """A scalar tensor's value on every process, in rank order."""
    if world_size == 1:
        return [float(value.item())]
    import torch

    gathered = [torch.zeros(1, dtype=value.dtype, device=value.device) for _ in range(world_size)]
    torch.distributed.all_gather(gathered, value.reshape(1))
    return [float(v.item()) for v in gathered]
