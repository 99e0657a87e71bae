#!/usr/bin/env bash
# Sets up everything w2sg needs on a fresh machine, idempotently:
#   .venv, torch without a GPU stack, w2sg (editable, with its dev/decoder/weak-supervision extras),
#   the offline models (MiniLM-L6, MPNet-base, SmolLM2-135M) and the offline datasets.
# torch is installed first and pinned: any requirement that lets pip resolve a newer torch
# first would download several GB of CUDA packages. Override with W2SG_TORCH=VERSION.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
torch_version=${W2SG_TORCH:-2.13.0}

if [ ! -x .venv/bin/python ]; then
  echo "w2sg setup: creating .venv"
  "$python" -m venv .venv
fi
pip() { .venv/bin/python -m pip -q --disable-pip-version-check "$@" 2>&1 | grep -v "^WARNING: Location" || true; }

if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$torch_version')" 2>/dev/null; then
  echo "w2sg setup: installing torch==$torch_version"
  pip install "torch==$torch_version"
fi
echo "w2sg setup: installing w2sg and its dependencies"
pip install -e ".[dev,decoder,weak-supervision]"
.venv/bin/python -c "import w2sg, torch, transformers" || { echo "w2sg setup: install failed" >&2; exit 1; }

echo "w2sg setup: offline models and datasets"
.venv/bin/w2sg models get minilm-l6 mpnet-base smollm2-135m
.venv/bin/w2sg data get all
echo "w2sg setup: done"
