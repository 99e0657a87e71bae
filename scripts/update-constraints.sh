#!/usr/bin/env bash
# Regenerates constraints.txt: the exact version of every package a fresh install of w2sg
# gets today (w2sg itself excluded), for scripts/setup.sh and CI to install.
# Unattended: a throwaway venv, torch first (pinned: W2SG_TORCH, default the current pin or
# 2.13.0), then w2sg with all its extras (or W2SG_EXTRAS=dev,decoder), then pip freeze.
# Review the diff (git diff constraints.txt), run the tests, and commit it.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
pinned_torch=$(sed -n 's/^torch==//p' constraints.txt 2>/dev/null || true)
torch_version=${W2SG_TORCH:-${pinned_torch:-2.13.0}}
extras=${W2SG_EXTRAS:-$("$python" -c '
import tomllib
with open("pyproject.toml", "rb") as f:
    print(",".join(tomllib.load(f)["project"].get("optional-dependencies", {})))')}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "update-constraints: fresh venv in $tmp; torch==$torch_version; extras [$extras]"
"$python" -m venv "$tmp/venv"
pip=("$tmp/venv/bin/python" -m pip -q --disable-pip-version-check)
"${pip[@]}" install "torch==$torch_version"
"${pip[@]}" install -e ".[$extras]" "torch==$torch_version"
{
  echo "# Exact versions of everything a fresh install of w2sg gets (all extras), used by"
  echo "# scripts/setup.sh for every pip install (pip install -c constraints.txt) and so by CI."
  echo "# Regenerate with scripts/update-constraints.sh; see README, \"Upgrading dependencies\"."
  # w2sg itself is editable (excluded); local labels (+cpu) dropped: ==X matches X+cpu.
  "$tmp/venv/bin/python" -m pip freeze --exclude-editable \
    | grep -v -i '^w2sg[ =@]' | grep -v '^-e ' | grep -v ' @ ' \
    | sed 's/^\([A-Za-z0-9._-]*==[^+]*\)+.*/\1/' | LC_ALL=C sort -f
} >"$tmp/constraints.txt"
grep -q '^torch==' "$tmp/constraints.txt" || { echo "update-constraints: torch missing" >&2; exit 1; }
mv "$tmp/constraints.txt" constraints.txt
echo "update-constraints: wrote constraints.txt ($(grep -vc '^#' constraints.txt) packages)"
