#!/usr/bin/env bash
# The GPU check (bench/gpu_check.py says what it measures). Three uses:
#   bash bench/gpu_check.sh --prepare          here: SmolLM2's tokenizer and the wheels the GPU image lacks, into
#                                              .factory/gpu-check (carry it: run(..., carry=[".factory/gpu-check"]))
#   bash bench/gpu_check.sh --out FILE         on the GPU machine: installs the carried wheels it needs, then measures
#   bash bench/gpu_check.sh --cpu [--out FILE] the same code paths at CPU sizes (the suite runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
PREPARED=.factory/gpu-check
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || command -v python3 )}

# What the check needs beyond torch and numpy: transformers (with its tokenizer and hub stack) and Jinja (chat
# templates). Every part imports only factory modules that need nothing else.
TOP=(transformers jinja2)

if [ "${1:-}" = "--prepare" ]; then
  rm -rf "$PREPARED" && mkdir -p "$PREPARED/tokenizer" "$PREPARED/wheels"
  "$PYTHON" -c "
import shutil, sys
from factory.models import ensure_smollm2
source = ensure_smollm2()
for name in ('tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja'):
    if (source / name).exists():
        shutil.copy(source / name, sys.argv[1])" "$PREPARED/tokenizer"
  # TOP and everything they require (markers evaluated here), at the versions installed here, but torch's own.
  pins=$("$PYTHON" -c "
import sys
from importlib import metadata
from packaging.requirements import Requirement
skip = {'torch', 'numpy'} | {Requirement(r).name.lower() for r in metadata.requires('torch') or [] if Requirement(r).marker is None}
seen, todo = set(), list(sys.argv[1:])
while todo:
    name = todo.pop().lower().replace('_', '-')
    if name in seen or name in skip:
        continue
    seen.add(name)
    for text in metadata.requires(name) or []:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({'extra': ''}):
            todo.append(requirement.name)
print(' '.join(f'{name}=={metadata.version(name)}' for name in sorted(seen)))" "${TOP[@]}")
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: \
    --python-version "${PY_VERSION:-$("$PYTHON" -c 'import sys; print(f"{sys.version_info.major}.{sys.version_info.minor}")')}" \
    -d "$PREPARED/wheels" $pins 2> >(grep -v "is ignored: it is neither" >&2)
  echo "$pins" > "$PREPARED/requirements.txt"
  du -sh "$PREPARED" && echo "carry $PREPARED (at most 64 MiB travel); PY_VERSION=3.x downloads for another Python"
  exit 0
fi

if [ -f "$PREPARED/requirements.txt" ]; then
  # What the image lacks, from the carried wheels only (never a network); what it has at a matching version stays.
  "$PYTHON" -m pip install --quiet --no-index --find-links "$PREPARED/wheels" -r <(tr ' ' '\n' < "$PREPARED/requirements.txt") \
    || echo "gpu_check: the carried wheels did not all install; the parts that need them will say what is missing" >&2
fi
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
exec "$PYTHON" bench/gpu_check.py "$@"
