"""Weak supervisors of a study: a label model on the label functions, or several weak
supervisors combined into one (docs/methods.md#weak-supervision,
docs/methods.md#several-weak-supervisors).

Glue: the arrays of `StudyArrays`, the probes and combiners of `w2sg.probes`, the label models
of `w2sg.supervision`. The combined P(y=1) then plays the weak model everywhere: the student's
soft labels, the hard set of detection, the "weak" of PGR. PGR is also reported against the best
single weak supervisor (on test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2sg.probes.combine import WeakCombiner, out_of_fold_probs
from w2sg.probes.logistic import LogisticProbe
from w2sg.probes.w2s import W2SOutcome
from w2sg.stats.metrics import evaluate
from w2sg.stats.pgr import pgr
from w2sg.study.config import StudyConfig
from w2sg.study.prepare import StudyArrays, WeakView
from w2sg.supervision.supervisor import WeakSupervision, supervise

METRICS = ("accuracy", "auc")


def label_model_supervision(
    config: StudyConfig, seed: int, a: StudyArrays, name: str
) -> WeakSupervision:
    """Label model `name` (labelmodel or majority) fitted on weak_train's label matrix."""
    assert a.weak_train_votes is not None and a.pool_votes is not None  # set with the votes
    assert a.test_votes is not None
    return supervise(
        name,
        {"weak_train": a.weak_train_votes, "strong_train": a.pool_votes, "test": a.test_votes},
        {"weak_train": a.weak_train_y, "strong_train": a.pool_y, "test": a.test_y},
        list(a.vote_names or ()),
        {"source": config.label_functions or f"{config.dataset} (its own label matrix)"},
        seed=seed,
        epochs=config.label_model_epochs,
        prior=config.label_model_prior,
        validation=a.validation(),
    )


@dataclass(frozen=True)
class Ensemble:
    """Several weak supervisors' P(y=1) combined, each one's test metrics, and the weights."""

    pool_probs: np.ndarray
    test_probs: np.ndarray
    members: dict[str, dict]  # name -> accuracy, auc (test), weak_label_accuracy (pool)
    combiner: dict  # WeakCombiner.to_json: its name and weights
    label_model: dict | None = None  # a label-model member's record

    def to_json(self, outcome: W2SOutcome, margin: float) -> dict:
        """The results block: members, combiner, and PGR against the best single member (the
        headline PGR is against the ensemble, the study's "weak")."""
        best = {m: _best(self.members, m) for m in METRICS}
        gaps = {
            m: pgr(self.members[best[m]][m], outcome.w2s[m], outcome.ceiling[m], margin)
            for m in METRICS
        }
        out = {
            "combiner": self.combiner,
            "members": self.members,
            "best_single": best,
            "best_single_metrics": {m: self.members[best[m]][m] for m in METRICS},
            "pgr_best_single": {m: g.value for m, g in gaps.items()},
            "pgr_best_single_reasons": {m: g.reason for m, g in gaps.items() if g.reason},
        }
        if self.label_model is not None:
            out["label_model"] = self.label_model
        return out


def _best(members: dict[str, dict], metric: str) -> str:
    """The member with the best test `metric` (the first on a tie; undefined counts lowest)."""
    return max(members, key=lambda n: -np.inf if members[n][metric] is None else members[n][metric])


def _member_probs(
    config: StudyConfig, view: WeakView, a: StudyArrays
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A weak model's probe on weak_train: P(y=1) of weak_train (out of fold, for stacking),
    of the pool and of test."""
    assert view.train_x is not None and view.pool_x is not None and view.test_x is not None
    probe = LogisticProbe(l2=config.l2).fit(view.train_x, a.weak_train_y)
    if config.weak_combiner == "stacking":
        train = out_of_fold_probs(view.train_x, a.weak_train_y, config.l2)
    else:
        train = probe.predict(view.train_x)
    return train, probe.predict(view.pool_x), probe.predict(view.test_x)


def weak_ensemble(config: StudyConfig, seed: int, a: StudyArrays) -> Ensemble:
    """Each weak supervisor of `a.weak_views`, then `config.weak_combiner` over them: stacking
    is fitted on weak_train's labels, agreement on the pool without labels."""
    assert a.weak_views is not None  # several weak supervisors
    probs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    label_model = None
    for view in a.weak_views:
        if view.train_x is None:  # a label model
            sup = label_model_supervision(config, seed, a, view.name)
            assert sup.train_probs is not None  # supervise sets it
            probs[view.name] = (sup.train_probs, sup.pool_probs, sup.test_probs)
            label_model = {"name": view.name, **sup.to_json()}
        else:
            probs[view.name] = _member_probs(config, view, a)
    names = list(probs)
    train, pool, test = ([probs[n][i] for n in names] for i in range(3))
    comb = WeakCombiner(config.weak_combiner)
    if config.weak_combiner == "stacking":
        comb.fit(train, a.weak_train_y)
    else:
        comb.fit(pool)  # mean: nothing to fit; agreement: the rows it labels, no labels
    members = {
        n: {
            **evaluate(a.test_y, probs[n][2]),
            "weak_label_accuracy": float(((probs[n][1] > 0.5) == (a.pool_y == 1)).mean()),
        }
        for n in names
    }
    return Ensemble(
        pool_probs=comb.predict(pool),
        test_probs=comb.predict(test),
        members=members,
        combiner=comb.to_json(names),
        label_model=label_model,
    )
