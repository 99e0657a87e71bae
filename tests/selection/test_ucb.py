"""The data-source bandit of docs/methods.md#selection on synthetic arms with known densities."""

from __future__ import annotations

import math

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.selection.arms import construct_arms, natural_arms
from w2sg.selection.bandit import default_batch_size, ucb_bonus
from w2sg.selection.estimators import detect_batch
from w2sg.selection.ucb import run_selection

SEEDS = (0, 1, 2, 3, 4)


def _arms(pool, seed: int = 0, densities=(0.1, 0.9)):
    _, _, types, _ = pool
    sets = [np.nonzero(types == k)[0] for k in ("overlap", "easy_only", "hard_only")]
    return construct_arms(*sets, densities, seed=seed)


def _run(pool, test_set, strategy: str, seed: int, **kw):
    probs, acts, types, _ = pool
    kw.setdefault("rounds", 20)
    kw.setdefault("eval_every", 0)
    return run_selection(
        probs,
        acts,
        _arms(pool, seed),
        *test_set,
        strategy=strategy,
        seed=seed,
        pool_is_overlap=types == "overlap",
        **kw,
    )


@pytest.mark.parametrize("strategy", ["ucb", "ucb1"])
def test_ucb_favours_the_denser_arm_and_beats_random_for_every_seed(
    pool, test_set, strategy: str
) -> None:
    gains = []
    for seed in SEEDS:
        ucb = _run(pool, test_set, strategy, seed)
        rnd = _run(pool, test_set, "random", seed)
        dense = int(np.argmax(ucb.true_densities))
        after_init = ucb.series("arm")[2:]
        assert np.mean(np.array(after_init) == dense) > 0.6, (seed, after_init)
        assert ucb.pulls[dense] > ucb.pulls[1 - dense]
        # the calibrated ratio is on one scale in every run (the reference's is relative)
        cal_ucb, cal_rnd = (r.rounds[-1].estimated_ratio_by["calibrated"] for r in (ucb, rnd))
        gains.append((ucb.rounds[-1].true_ratio - rnd.rounds[-1].true_ratio, cal_ucb - cal_rnd))
        assert ucb.rounds[-1].regret <= rnd.rounds[-1].regret, seed
    assert np.min(gains) >= 0 and (np.mean(gains, axis=0) > 0.05).all(), gains


def test_first_rounds_pull_each_arm_once(pool, test_set) -> None:
    result = _run(pool, test_set, "ucb", 0, rounds=6)
    assert result.series("arm")[:2] == [0, 1]
    assert result.rounds[0].ucb_values is None
    assert result.rounds[2].ucb_values is not None


def test_ucb_index_is_estimate_plus_reference_bonus(pool, test_set) -> None:
    result = _run(pool, test_set, "ucb", 0, rounds=5)
    log = result.rounds[3]  # chosen before round 4 from the state after round 3
    before = result.rounds[2]
    pulls = np.bincount(result.series("arm")[:3], minlength=2)
    expected = np.array(before.arm_estimates) + math.sqrt(2 * math.log(5)) / pulls
    assert np.allclose(log.ucb_values, expected)
    assert log.arm == int(np.argmax(expected))


def test_calibrated_estimator_drives_the_index_when_chosen(pool, test_set) -> None:
    result = _run(pool, test_set, "ucb", 1, rounds=5, estimator="calibrated")
    before, log = result.rounds[2], result.rounds[3]
    pulls = np.bincount(result.series("arm")[:3], minlength=2)
    expected = np.array(before.arm_estimates_by["calibrated"]) + math.sqrt(2 * math.log(5)) / pulls
    assert np.allclose(log.ucb_values, expected)
    assert before.arm_estimates == before.arm_estimates_by["calibrated"]
    assert log.estimated_ratio == log.estimated_ratio_by["calibrated"]
    out = result.to_json()
    assert [out[k] for k in ("estimator", "detection", "similarity")] == [
        "calibrated",
        "history",
        "dot",
    ]
    assert out["calibration"]["sample_size"] == len(pool[0])  # the whole pool
    assert out["calibration"]["similarity"] == "abs_cosine"  # variant A, whatever the rule


def test_round_logs_the_reference_rule_thresholds(pool, test_set) -> None:
    probs, acts, _, _ = pool
    result = _run(pool, test_set, "random", 0, rounds=3)
    n = result.batch_size
    batches = [result.collected[i * n : (i + 1) * n] for i in range(3)]
    first = detect_batch(
        "history", probs, acts, batches[0], hard_before=np.zeros(0, np.int64),
        nonhard_before=np.zeros(0, np.int64), similarity="dot",
    )  # fmt: skip
    second = detect_batch(
        "history", probs, acts, batches[1], hard_before=batches[0][first.hard_only],
        nonhard_before=batches[0][np.concatenate([first.overlap, first.easy_only])],
        similarity="dot",
    )  # fmt: skip
    logged = result.rounds[1]
    assert logged.confidence_threshold == second.confidence_threshold
    assert logged.overlap_threshold == second.overlap_threshold
    assert logged.batch_overlap == len(second.overlap)


def test_bonus_forms() -> None:
    pulls = np.array([1, 4])
    assert np.allclose(ucb_bonus("ucb", pulls, 3, 50), math.sqrt(2 * math.log(50)) / pulls)
    assert np.allclose(ucb_bonus("ucb1", pulls, 3, 50), np.sqrt(2 * math.log(3) / pulls))
    with pytest.raises(W2SGError):
        ucb_bonus("ucb2", pulls, 3, 50)


def test_oracle_pulls_the_densest_arm_with_zero_regret(pool, test_set) -> None:
    result = _run(pool, test_set, "oracle", 0)
    assert set(result.series("arm")) == {1}
    assert result.series("regret") == [0.0] * 20
    assert result.rounds[-1].true_ratio == pytest.approx(0.9)


def test_regret_accumulates_the_density_gap(pool, test_set) -> None:
    result = _run(pool, test_set, "random", 3)
    dens = np.array(result.true_densities)
    gaps = dens.max() - dens[np.array(result.series("arm"))]
    assert np.allclose(result.series("regret"), np.cumsum(gaps))


def test_strategies_with_one_seed_draw_the_same_points_from_an_arm(pool, test_set) -> None:
    a = _run(pool, test_set, "ucb", 2)
    b = _run(pool, test_set, "oracle", 2)
    arms = _arms(pool, 2)
    dense_draws_a = a.collected[np.isin(a.collected, arms[1].indices)]
    assert np.array_equal(dense_draws_a, b.collected[: len(dense_draws_a)])


def test_batches_are_drawn_without_replacement(pool, test_set) -> None:
    result = _run(pool, test_set, "random", 1)
    assert len(np.unique(result.collected)) == len(result.collected) == 20 * result.batch_size
    assert result.batch_size == default_batch_size(_arms(pool, 1), 20) == 10


def test_estimated_ratio_counts_detected_overlap(pool, test_set) -> None:
    result = _run(pool, test_set, "ucb", 0, rounds=8)
    last = result.rounds[-1]
    assert last.n_overlap_collected == len(result.collected_overlap)
    assert last.estimated_ratio == pytest.approx(len(result.collected_overlap) / last.n_collected)
    assert sum(r.batch_overlap for r in result.rounds) == last.n_overlap_collected


def test_arms_that_run_dry_are_skipped_then_the_run_stops(pool, test_set) -> None:
    result = _run(pool, test_set, "ucb", 0, rounds=10, batch_size=90)
    sizes = [a.size for a in _arms(pool, 0)]  # 200 + 200 points
    assert sum(r.batch_size for r in result.rounds) == sum(sizes)
    assert result.rounds[-1].batch_size < 90  # a dry arm's last, partial batch
    assert result.stopped_early is not None and "dry" in result.stopped_early
    assert len(result.rounds) < 10


def test_probe_is_evaluated_every_k_rounds_and_at_the_end(pool, test_set) -> None:
    result = _run(pool, test_set, "oracle", 0, rounds=7, eval_every=3)
    evaluated = [r.round for r in result.rounds if r.accuracy is not None]
    assert evaluated == [3, 6, 7]
    last = result.rounds[-1]
    assert last.accuracy > 0.8 and last.auc > 0.85
    assert last.overlap_accuracy is not None and last.overlap_accuracy > 0.8


def test_per_batch_detection_uses_variant_a(pool, test_set) -> None:
    result = _run(pool, test_set, "ucb", 0, rounds=6, detection="batch")
    assert result.similarity == "abs_cosine" and result.detection == "batch"
    assert 0 < result.rounds[-1].estimated_ratio < 1


def test_natural_arms_run_without_truth(pool, test_set) -> None:
    probs, acts, types, _ = pool
    sources = np.where(np.arange(len(types)) % 3 == 0, "forum", "news")
    arms = natural_arms(sources)
    result = run_selection(probs, acts, arms, *test_set, rounds=5, eval_every=0)
    assert result.rounds[-1].regret is None and result.rounds[-1].true_ratio is None
    with pytest.raises(W2SGError, match="oracle"):
        run_selection(probs, acts, arms, *test_set, strategy="oracle", rounds=5)


def test_bad_inputs_are_one_line_errors(pool, test_set) -> None:
    probs, acts, _, _ = pool
    arms = _arms(pool)
    with pytest.raises(W2SGError, match="strategy"):
        run_selection(probs, acts, arms, *test_set, strategy="greedy")
    with pytest.raises(W2SGError, match="align"):
        run_selection(probs[:-1], acts, arms, *test_set)
    with pytest.raises(W2SGError, match="rounds"):
        run_selection(probs, acts, arms, *test_set, rounds=1000)
    with pytest.raises(W2SGError, match="estimator"):
        run_selection(probs, acts, arms, *test_set, estimator="bayes")
    with pytest.raises(W2SGError, match="detection rule"):
        run_selection(probs, acts, arms, *test_set, detection="rolling")
    with pytest.raises(W2SGError, match="width"):
        run_selection(probs, acts, arms, test_set[0][:, :3], test_set[1])
