"""The activation store across studies (docs/methods.md#activations): only new texts are embedded.

Three studies on one empty store (its own folder, W2SG_CACHE is set to a temporary one):
  (1) cold: split seed 0;
  (2) another split seed (1): embeds only the texts seed 0 did not use;
  (3) the rows of (1) again with other mixing seeds: embeds nothing;
and prints how many texts each embedded (both models) and the three times side by side.
Selection is off; the time is the whole study (activations + probes + detection + mixing).

    python bench/store.py [--dataset rotten_tomatoes] [--sizes 1000,1000,500]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def stored_texts() -> int:
    """Texts held by all stores (both models' shards)."""
    from w2sg.models.cache_admin import list_stores

    return sum(s["texts"] for s in list_stores())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="rotten_tomatoes")
    ap.add_argument("--sizes", default="1000,1000,500", help="weak_train,strong_train,test")
    ap.add_argument("--dtype", default="auto")
    args = ap.parse_args()
    weak_train, strong_train, test = (int(x) for x in args.sizes.split(","))
    cache = tempfile.mkdtemp(prefix="w2sg-store-bench-")
    os.environ["W2SG_CACHE"] = cache

    from w2sg.study.config import StudyConfig
    from w2sg.study.run import run_study

    base = StudyConfig(dataset=args.dataset, weak_train=weak_train, strong_train=strong_train,
                       test=test, dtype=args.dtype, selection=False, mixing_seeds=(0,))  # fmt: skip
    runs = [
        ("cold (seed 0)", base),
        ("other split seed (1)", StudyConfig(**{**base.__dict__, "seeds": (1,)})),
        ("same rows (seed 0)", StudyConfig(**{**base.__dict__, "mixing_seeds": (1,)})),
    ]
    rows = []
    for label, config in runs:
        before = stored_texts()
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            run_study(config, out, log=lambda _msg: None)
            seconds = time.perf_counter() - start
            used = json.loads((Path(out) / "results.json").read_text())
        rows.append((label, stored_texts() - before, seconds, used.get("n", {})))
        print(f"{label}: embedded {rows[-1][1]:,} texts (both models), {seconds:.1f} s", flush=True)
    print(
        f"\n{args.dataset}, sizes {weak_train}/{strong_train}/{test}, load "
        f"{os.getloadavg()[0]:.1f}, store {cache}"
    )
    print(f"{'study':<24}{'texts embedded':>16}{'seconds':>10}{'vs cold':>9}")
    for label, embedded, seconds, _ in rows:
        print(f"{label:<24}{embedded:>16,}{seconds:>10.1f}{seconds / rows[0][2]:>9.2f}")


if __name__ == "__main__":
    main()
