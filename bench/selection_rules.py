"""The bandit's detection rule and estimators (docs/methods.md#detection variant B with history,
docs/methods.md#selection) on the default study: the selection table under both estimators, how
often the reference rule and w2sg's earlier pooled rule agree, and how well the calibrated
estimate tracks the truth.

Not a speed benchmark: a measurement, on the study's own (cached) activations, of the figures
the selection stage reports. Targets (constructed arms 0.1 / 0.9, every seed): after the first
pulls the calibrated estimate of each pulled arm is within 0.15 of its true density, and UCB
pulls the denser arm in >= 90 % of the rounds after the first pulls.

    .venv/bin/python bench/selection_rules.py [--out DIR] [--seeds 0,1,2]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from w2sg.overlap.detect import detect_overlap
from w2sg.probes.w2s import weak_to_strong
from w2sg.selection.arms import construct_arms
from w2sg.selection.bandit import default_batch_size
from w2sg.selection.estimators import CalibratedDetector, calibration_sample, detect_batch
from w2sg.selection.records import SelectionResult
from w2sg.selection.stage import run_selection_stage
from w2sg.selection.ucb import run_selection
from w2sg.study.config import StudyConfig
from w2sg.study.prepare import prepare_study

TOLERANCE = 0.15
DENSE_SHARE = 0.90


def _table(stage: dict) -> list[str]:
    rows = ["| strategy | true ratio | estimated ratio | test accuracy | regret | pulls |"]
    rows.append("| --- | --- | --- | --- | --- | --- |")
    for name, block in stage["strategies"].items():
        fin = block["summary"]["final"]

        def cell(key: str, fin: dict = fin) -> str:
            v = fin.get(key)
            return "n/a" if v is None else f"{v['mean']:.3f} ± {v['std']:.3f}"

        pulls = " / ".join(f"{p:.1f}" for p in block["summary"]["pulls_mean"])
        rows.append(
            f"| {name} | {cell('true_ratio')} | {cell('estimated_ratio')} | "
            f"{cell('accuracy')} | {cell('regret')} | {pulls} |"
        )
    return rows


def _pooled_t1(run: SelectionResult, probs: np.ndarray, acts: np.ndarray) -> list[float]:
    """t1 of the pooled rule on the very batches (and history) the reference run drew."""
    out, start, before = [], 0, np.zeros(0, np.int64)
    for log in run.rounds:
        batch = run.collected[start : start + log.batch_size]
        res = detect_batch(
            "pooled",
            probs,
            acts,
            batch,
            hard_before=before,
            nonhard_before=np.zeros(0, np.int64),
            similarity=run.similarity,
        )
        out.append(res.confidence_threshold)
        before = np.concatenate([before, batch])
        start += log.batch_size
    return out


def _target(stage_runs: list[dict], k: int) -> list[dict]:
    """Per seed: worst calibrated error after the first pulls, and the denser arm's share."""
    out = []
    for run in stage_runs:
        truth = np.array(run["true_densities"], dtype=float)
        errors = [
            abs(est - truth[j])
            for r in run["rounds"][k:]
            for j, est in enumerate(r["arm_estimates_by"]["calibrated"])
            if est is not None
        ]
        arms = np.array([r["arm"] for r in run["rounds"][k:]])
        out.append(
            {
                "seed": run["seed"],
                "max_error": float(max(errors)),
                "dense_share": float(np.mean(arms == int(np.argmax(truth)))),
            }
        )
    return out


def _calibration_sizes(probs, acts, detection, seeds) -> list[dict]:
    """Each arm's calibrated estimate (over all its points) by where the keys come from."""
    print("\n## calibrated estimate of each arm by calibration sample (whole arm classified)")
    print("| sample | seed | keys | estimate p=0.1 / p=0.9 | truth |")
    print("| --- | --- | --- | --- | --- |")
    out = []
    n = len(probs)
    for seed in seeds:
        arms = construct_arms(detection.overlap, detection.easy_only, detection.hard_only,
                              seed=seed)  # fmt: skip
        union = np.concatenate([a.indices for a in arms])
        rng = np.random.default_rng([seed, 2])
        samples = {
            "400 from the arms": np.concatenate(
                [rng.choice(a.indices, 200, replace=False) for a in arms]
            ),
            f"all {len(union)} arm points": union,
            "400 from the pool": calibration_sample(n, 400, seed),
            "2000 from the pool": calibration_sample(n, 2000, seed),
            f"the whole pool ({n})": calibration_sample(n, n, seed),
        }
        for name, sample in samples.items():
            cal = CalibratedDetector.fit(probs[sample], acts[sample])
            est = [len(cal.classify(probs[a.indices], acts[a.indices]).overlap) / a.size
                   for a in arms]  # fmt: skip
            truth = [a.true_density for a in arms]
            print(f"| {name} | {seed} | {len(cal.keys)} | "
                  f"{' / '.join(f'{e:.3f}' for e in est)} | "
                  f"{' / '.join(f'{t:.3f}' for t in truth)} |")  # fmt: skip
            out.append({"sample": name, "seed": seed, "keys": len(cal.keys), "estimates": est})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/w2sg-selection-rules"))
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    seeds = tuple(int(s) for s in args.seeds.split(","))
    config = StudyConfig()
    a = prepare_study(config).arrays[config.seeds[0]]
    outcome = weak_to_strong(
        a.weak_train_x, a.weak_train_y, a.pool_weak_x, a.pool_strong_x, a.pool_y,
        a.test_weak_x, a.test_strong_x, a.test_y, l2=config.l2,
    )  # fmt: skip
    probs, acts = outcome.pool_weak_probs, a.pool_strong_x
    detection = detect_overlap(probs, acts, similarity=config.similarity)
    print(f"pool partition {detection.counts()}")
    report: dict = {"partition": detection.counts()}

    for estimator in ("reference", "calibrated"):
        stage = run_selection_stage(
            probs, acts, detection, None, a.test_strong_x, a.test_y,
            seeds=seeds, rounds=config.selection_rounds,
            eval_every=config.selection_eval_every, l2=config.l2, estimator=estimator,
            out_dir=args.out / estimator,
        )  # fmt: skip
        print(f"\n## estimator {estimator} (detection {stage['config']['detection']})")
        print("\n".join(_table(stage)))
        ucb_runs = stage["strategies"]["ucb"]["runs"]
        target = _target(ucb_runs, len(stage["arms"]["names"]))
        print(f"calibrated estimate / dense share after the first pulls (ucb): {target}")
        print(f"calibration: {[r['calibration'] for r in ucb_runs]}")
        report[estimator] = {"table": _table(stage), "ucb_target": target}

    report["calibration_sizes"] = _calibration_sizes(probs, acts, detection, seeds)

    agree = []
    for seed in seeds:
        arms = construct_arms(detection.overlap, detection.easy_only, detection.hard_only,
                              seed=seed)  # fmt: skip
        n = default_batch_size(arms, config.selection_rounds)
        common = dict(rounds=config.selection_rounds, batch_size=n, eval_every=0, seed=seed)
        ref = run_selection(probs, acts, arms, a.test_strong_x, a.test_y, **common)
        pooled = run_selection(
            probs, acts, arms, a.test_strong_x, a.test_y, detection="pooled", **common
        )
        same_t1 = np.isclose(ref.series("confidence_threshold"), _pooled_t1(ref, probs, acts))
        diff_arm = np.array(ref.series("arm")) != np.array(pooled.series("arm"))
        agree.append(
            {"seed": seed, "t1_agree": int(same_t1.sum()), "arm_differs": int(diff_arm.sum())}
        )
    print(f"\nreference vs pooled rule, UCB, {config.selection_rounds} rounds: {agree}")
    report["rules"] = agree
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
