"""Models by content: what goes into a version is the hash of a model's files and its quantization,
never its folder name, so new weights under an old name make a new version.

- A local folder or file: SHA-256 over its files (names and bytes). Hashing a multi-GB folder takes
  seconds, so digests are cached per machine, keyed by each file's size and modification time.
- A folder the factory converted (SmolLM2 from its GGUF) carries ``factory_source.json``: the GGUF it
  came from, by hash, and its quantization ("Q4_1, dequantized to float32").
- A Hugging Face id: the commit the hub resolves it to (a git hash of the repository's content),
  from the local hub cache when offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from factory import settings

PROVENANCE_FILE = "factory_source.json"
SKIPPED_SUFFIXES = (".lock", ".md", ".tmp")
_CACHE_NAME = "model-digests.json"
_lock = threading.Lock()


class ModelIdentityError(RuntimeError):
    """A model that cannot be identified by content (an HF id offline and not in the hub cache)."""


def model_identity(model: str | os.PathLike) -> dict[str, Any]:
    """``{"name", "sha256", "quantization"}`` of a local folder or file, or ``{"name", "revision"}`` of an HF id."""
    path = Path(model)
    if path.exists():
        return {"name": path.name, "sha256": content_digest(path), "quantization": quantization(path)}
    return {"name": str(model), "revision": hub_revision(str(model))}


def tokenizer_identity(folder: Path) -> dict[str, str]:
    """A tokenizer by the content of its ``tokenizer.json``: what decides every token id the factory writes."""
    data = (Path(folder) / "tokenizer.json").read_bytes()
    return {"name": Path(folder).name, "sha256": hashlib.sha256(data).hexdigest()[:16]}


def model_label(identity: dict[str, Any]) -> str:
    """A short human label: ``name@<12 hex>`` of the content hash or the hub revision."""
    ref = identity.get("sha256") or identity.get("revision") or ""
    return f"{identity['name']}@{ref[:12]}"


def content_digest(path: Path) -> str:
    """SHA-256 over a model's files in name order (one file: its bytes), cached by size and mtime."""
    files = _model_files(path)
    stamp = [(str(f.relative_to(path)) if path.is_dir() else f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    key = f"{path.resolve()}"
    with _lock:
        cache = _read_cache()
        if cache.get(key, {}).get("stamp") == stamp:
            return cache[key]["sha256"]
    digest = hashlib.sha256()
    for (name, _size, _mtime), file in zip(stamp, files, strict=True):
        digest.update(f"{name}\0".encode())
        with open(file, "rb") as handle:
            while block := handle.read(1 << 24):
                digest.update(block)
    value = digest.hexdigest()
    with _lock:
        cache = _read_cache()
        cache[key] = {"stamp": stamp, "sha256": value}
        _write_cache(cache)
    return value


def quantization(path: Path) -> str:
    """How the weights were quantized: the provenance file's word, config.json's quantization_config, or none."""
    folder = path if path.is_dir() else path.parent
    provenance = folder / PROVENANCE_FILE
    if path.is_dir() and provenance.exists():
        return str(json.loads(provenance.read_text()).get("quantization", "unknown"))
    if path.suffix == ".gguf":
        return _gguf_type(path.name)
    config = folder / "config.json"
    if path.is_dir() and config.exists():
        raw = json.loads(config.read_text())
        quant = raw.get("quantization_config")
        if quant:
            return str(quant.get("quant_method", "unknown")) + (f" {quant['bits']}-bit" if quant.get("bits") else "")
        return f"none ({raw.get('torch_dtype') or raw.get('dtype') or 'dtype unrecorded'})"
    return "none"


def hub_revision(model_id: str) -> str:
    """The commit ``model_id``'s main branch points at: from the hub cache, else asked from the hub."""
    from huggingface_hub import constants

    ref = Path(constants.HF_HUB_CACHE) / f"models--{model_id.replace('/', '--')}" / "refs" / "main"
    if ref.exists():
        return ref.read_text().strip()
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false"):
        raise ModelIdentityError(
            f"model {model_id!r} is neither a local folder nor in the hub cache ({ref.parent.parent}), and the hub is "
            "offline (HF_HUB_OFFLINE): give a local folder, or download the model first, so its content can be hashed")
    from huggingface_hub import HfApi

    return str(HfApi().model_info(model_id).sha)


def _model_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(f for f in path.rglob("*") if f.is_file() and not f.name.startswith(".")
                  and not f.name.endswith(SKIPPED_SUFFIXES))


def _gguf_type(name: str) -> str:
    """The quantization in a GGUF file's conventional name (``...Q4_1.gguf``, ``...f16.gguf``)."""
    stem = name[: -len(".gguf")]
    return f"gguf {stem.rsplit('.', 1)[-1]}" if "." in stem else "gguf"


def _read_cache() -> dict[str, Any]:
    try:
        return json.loads((settings.cache_dir() / _CACHE_NAME).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_cache(cache: dict[str, Any]) -> None:
    target = settings.cache_dir() / _CACHE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{_CACHE_NAME}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(cache))
    tmp.replace(target)
