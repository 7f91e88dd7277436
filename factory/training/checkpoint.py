"""Resume checkpoints of one training run, kept in the store under the uncommitted version's ``_resume/seed-<s>/``.

One checkpoint is a folder ``step-<NNNNNNNN>/`` (the optimizer steps done):

- ``model.safetensors``: the weights by parameter name (a tied embedding once);
- ``optimizer.safetensors``: AdamW's per-parameter tensors as ``state.<i>.<name>`` and the RNG states as ``rng.<device>``;
- ``state.json``: the step, tokens, data position (windows drawn), training seconds, the loss curve so far,
  the loss summed since the last logged point (per process), AdamW's ``param_groups`` and non-tensor state,
  and the byte sizes of the two tensor files. It is written last and atomically: a folder without it,
  or whose files do not have those sizes, is an interrupted save and is ignored.

Nothing is pickled: a checkpoint loads with safetensors and JSON alone, so reading one from a shared store
cannot run code. The newest complete checkpoint wins; older ones are deleted once the new one is in place.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from factory.faults import crash_point

log = logging.getLogger(__name__)
RESUME_DIR = "_resume"
MODEL_FILE, OPTIMIZER_FILE, STATE_FILE = "model.safetensors", "optimizer.safetensors", "state.json"
FORMAT = 1
STATE_PREFIX, RNG_PREFIX = "state.", "rng."


@dataclass
class TrainState:
    """What a run needs to continue exactly where another stopped, after ``step`` optimizer steps."""

    seed: int
    step: int
    tokens: int
    windows: int  # the data position: windows of TokenBatches(seed) drawn so far (step x batch_size)
    seconds: float  # training time spent to get here, over every run that did
    curve: list[dict[str, Any]]
    interval_loss: list[float]  # per process: the loss summed over the steps since the last logged point
    interval_steps: int
    model: dict[str, Any]  # parameter name -> tensor
    optimizer: dict[str, Any]  # the optimizer's state_dict
    rng: dict[str, Any] = field(default_factory=dict)  # "cpu", "cuda" -> torch's RNG state (a uint8 tensor)

    def interval_loss_of(self, rank: int, world_size: int) -> float:
        """This process's running loss; under another number of processes, their mean (the logged value is the same)."""
        if len(self.interval_loss) == world_size:
            return self.interval_loss[rank]
        return sum(self.interval_loss) / len(self.interval_loss)


def capture(model, optimizer, **progress: Any) -> TrainState:
    """The state of ``model`` (unwrapped from DDP) and ``optimizer`` now; tensors are shared with the live ones,
    so save it before the next step."""
    import torch

    weights = {name: param.detach().to("cpu").contiguous() for name, param in model.named_parameters()}
    rng = {"cpu": torch.get_rng_state()}
    device = next(model.parameters()).device
    if device.type == "cuda":
        rng["cuda"] = torch.cuda.get_rng_state(device)
    return TrainState(model=weights, optimizer=optimizer.state_dict(), rng=rng, **progress)


def restore(state: TrainState, model, optimizer) -> None:
    """Put a checkpoint's weights, optimizer state and RNG state into a freshly built model and optimizer."""
    import torch

    params = dict(model.named_parameters())
    if set(params) != set(state.model):
        only_model, only_saved = sorted(set(params) - set(state.model)), sorted(set(state.model) - set(params))
        raise ValueError(f"checkpoint at step {state.step} does not fit the model: parameters only in the model "
                         f"{only_model[:5]}, only in the checkpoint {only_saved[:5]}")
    with torch.no_grad():
        for name, param in params.items():
            saved = state.model[name]
            if tuple(saved.shape) != tuple(param.shape):
                raise ValueError(f"checkpoint at step {state.step}: {name} has shape {tuple(saved.shape)}, the model {tuple(param.shape)}")
            param.copy_(saved)
    optimizer.load_state_dict(state.optimizer)
    torch.set_rng_state(state.rng["cpu"])
    device = next(model.parameters()).device
    if "cuda" in state.rng and device.type == "cuda":
        torch.cuda.set_rng_state(state.rng["cuda"], device)


def flatten_optimizer(state_dict: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An optimizer state_dict as (tensors named ``state.<i>.<name>``, JSON: param_groups and the non-tensor state)."""
    import torch

    tensors, scalars = {}, {}
    for index, values in state_dict["state"].items():
        for key, value in values.items():
            if torch.is_tensor(value):
                tensors[f"{STATE_PREFIX}{index}.{key}"] = value.detach().to("cpu").contiguous()
            else:
                scalars.setdefault(str(index), {})[key] = value
    groups = [{key: list(value) if isinstance(value, tuple) else value for key, value in group.items()}
              for group in state_dict["param_groups"]]
    return tensors, {"param_groups": groups, "scalars": scalars}


def unflatten_optimizer(tensors: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The inverse of ``flatten_optimizer``: a state_dict that ``optimizer.load_state_dict`` takes."""
    state: dict[int, dict[str, Any]] = {}
    for name, tensor in tensors.items():
        if name.startswith(STATE_PREFIX):
            index, key = name[len(STATE_PREFIX):].split(".", 1)
            state.setdefault(int(index), {})[key] = tensor
    for index, values in meta["scalars"].items():
        state.setdefault(int(index), {}).update(values)
    # JSON has no tuples: AdamW's betas (the only list-valued option besides params) go back to one.
    groups = [{key: tuple(value) if isinstance(value, list) and key != "params" else value for key, value in group.items()}
              for group in meta["param_groups"]]
    return {"state": state, "param_groups": groups}


class CheckpointFolder:
    """The resume checkpoints of one training run (one seed) at ``path`` in ``store``."""

    def __init__(self, store, path: str):
        self.store, self.path = store, path.rstrip("/")

    def spec(self) -> tuple[str, Any, str]:
        """Plain values that rebuild this folder in another process (``from_spec``)."""
        return self.store.root_uri, self.store.options, self.path

    @classmethod
    def from_spec(cls, spec: tuple[str, Any, str]) -> CheckpointFolder:
        from factory.store import Store

        root, options, path = spec
        return cls(Store(root, options), path)

    def save(self, state: TrainState) -> None:
        """Write ``state`` as a new checkpoint, then delete the older ones."""
        from safetensors.torch import save_file

        folder = f"{self.path}/step-{state.step:08d}"
        optimizer_tensors, optimizer_meta = flatten_optimizer(state.optimizer)
        optimizer_tensors |= {f"{RNG_PREFIX}{device}": rng for device, rng in state.rng.items()}
        sizes = {}
        with tempfile.TemporaryDirectory(prefix="factory-checkpoint-") as tmp:
            for name, tensors in ((MODEL_FILE, state.model), (OPTIMIZER_FILE, optimizer_tensors)):
                target = f"{folder}/{name}"
                if self.store.is_local:  # straight into place: the folder counts only once state.json is there
                    self.store.fs.makedirs(folder, exist_ok=True)
                    save_file(tensors, target, metadata={"format": "pt"})
                    sizes[name] = os.path.getsize(target)
                else:
                    local = os.path.join(tmp, name)
                    save_file(tensors, local, metadata={"format": "pt"})
                    sizes[name] = os.path.getsize(local)
                    self.store.fs.put_file(local, target)
        meta = {
            "format": FORMAT, "seed": state.seed, "step": state.step, "tokens": state.tokens, "windows": state.windows,
            "seconds": state.seconds, "curve": state.curve, "interval_loss": state.interval_loss,
            "interval_steps": state.interval_steps, "optimizer": optimizer_meta, "rng": sorted(state.rng), "files": sizes,
        }
        self.store.put_atomic(f"{folder}/{STATE_FILE}", json.dumps(meta).encode())
        for older in self._folders():
            if older != folder:
                self.store.fs.rm(older, recursive=True)
        log.info("checkpoint at step %d: %s (%.1f MB)", state.step, self.store.uri(folder), sum(sizes.values()) / 1e6)
        crash_point("checkpoint_saved")

    def latest(self) -> TrainState | None:
        """The newest complete checkpoint, or None."""
        from safetensors.torch import load_file

        for state_path in sorted(self.store.glob(f"{self.path}/step-*/{STATE_FILE}"), reverse=True):  # zero-padded: newest first
            folder = state_path.rsplit("/", 1)[0]
            meta = json.loads(self.store.get(state_path))
            if meta.get("format") != FORMAT or any(self._size(f"{folder}/{name}") != size for name, size in meta["files"].items()):
                log.warning("ignoring the incomplete checkpoint %s", self.store.uri(folder))
                continue
            with tempfile.TemporaryDirectory(prefix="factory-checkpoint-") as tmp:
                model, optimizer = (load_file(self._local(f"{folder}/{name}", tmp)) for name in (MODEL_FILE, OPTIMIZER_FILE))
            rng = {name[len(RNG_PREFIX):]: optimizer.pop(name) for name in list(optimizer) if name.startswith(RNG_PREFIX)}
            log.info("resuming from the checkpoint at step %d: %s", meta["step"], self.store.uri(folder))
            return TrainState(
                seed=meta["seed"], step=meta["step"], tokens=meta["tokens"], windows=meta["windows"], seconds=meta["seconds"],
                curve=meta["curve"], interval_loss=meta["interval_loss"], interval_steps=meta["interval_steps"], model=model,
                optimizer=unflatten_optimizer(optimizer, meta["optimizer"]), rng=rng,
            )
        return None

    def remove(self) -> None:
        """Delete every checkpoint here (the run's result is committed)."""
        try:
            self.store.fs.rm(self.path, recursive=True)
        except FileNotFoundError:
            pass

    def _folders(self) -> list[str]:
        return sorted({path.rsplit("/", 1)[0] for path in self.store.glob(f"{self.path}/step-*/*")})

    def _size(self, path: str) -> int | None:
        try:
            return self.store.fs.size(path)
        except FileNotFoundError:
            return None

    def _local(self, path: str, tmp: str) -> str:
        """A local file to load: the store's own file, or a download into ``tmp``."""
        if self.store.is_local:
            return path
        local = os.path.join(tmp, path.rsplit("/", 1)[1])
        self.store.fs.get_file(path, local)
        return local
