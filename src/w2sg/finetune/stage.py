"""One trained model of fine-tune mode: train it (or reuse its stored stage) and predict.

The weak model, every student, the ceiling, the mixes and the interventions' students are all
stages of this one kind (`w2sg.finetune.store`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from w2sg.data.splits import Splits
from w2sg.errors import W2SGError
from w2sg.finetune.classifier import SequenceClassifier, build_classifier, fast_kernels_on
from w2sg.finetune.config import FinetuneConfig
from w2sg.finetune.specs import REVISION, LossSpec, TrainConfig
from w2sg.finetune.store import SPLITS, load_stage, save_stage, stage_key, store
from w2sg.finetune.trainer import TrainResult, eval_tokens, predict_scores, tokenize, train
from w2sg.finetune.truncation import RULE, model_length
from w2sg.io import write_atomic
from w2sg.models import resolve_model
from w2sg.models.load import pick_device
from w2sg.stats.metrics import evaluate, roc_auc
from w2sg.stats.pgr import pgr

Log = Callable[[str], None]


@dataclass(frozen=True)
class SeedData:
    """One seed's splits and what addresses them."""

    seed: int
    splits: Splits
    digest: str


@dataclass(frozen=True)
class Target:
    """What a stage learns: soft labels of a split (and of val), from whom, on which rows."""

    part: str  # the split trained on: weak_train or strong_train
    labels: np.ndarray
    val_labels: np.ndarray
    parent: str  # "ground_truth" or the key of the stage whose predictions these are
    rows: np.ndarray | None = None  # positions in `part` (a subset: a mix, a filter)
    val_rows: np.ndarray | None = None  # positions in val (a filtered validation set)
    val_source: str | None = None  # set where val's targets are not the parent's own labels


def train_config(config: FinetuneConfig, kind: str, seed: int) -> TrainConfig:
    """The trainer's options for the `kind` ("weak" or "strong") model, with its token limit
    resolved from the model itself when `config.max_length` is None."""
    model = config.weak_model if kind == "weak" else config.strong_model
    return config.train_config(kind, seed, model_length(model, config.max_length))


def _key(config: FinetuneConfig, data: SeedData, role: str, loss: LossSpec, t: Target) -> str:
    """The stage's address. The classifier part records whether the fast kernels actually run
    (asked for and available), so stages from the two paths never stand in for each other; the
    train part holds the resolved token limit, and `truncation` the rule that cuts to it."""
    kind = "weak" if role == "weak" else "strong"
    classifier = config.classifier()
    classifier = replace(classifier, fast_kernels=fast_kernels_on(classifier.fast_kernels))
    return stage_key(
        role=kind,
        model=_model_key(config.weak_model if kind == "weak" else config.strong_model),
        data=data.digest,
        split_seed=data.seed,
        sizes=[config.weak_train, config.strong_train, config.val, config.test],
        train=train_config(config, kind, data.seed).to_json(),
        truncation=RULE,
        trainer=REVISION,
        classifier=classifier.to_json(),
        loss=loss.to_json(),
        train_part=t.part,
        targets=t.parent,
        rows=None if t.rows is None else stage_key(ids=getattr(data.splits, t.part).ids[t.rows]),
        **_val_key(data, t),
    )


def _model_key(name: str) -> str:
    """The weights' identity, and the cut of a cut model (`NAME:layerK` trains K blocks)."""
    resolved = resolve_model(name)
    return resolved.identity + ("" if resolved.cut is None else f":layer{resolved.cut}")


def _val_key(data: SeedData, t: Target) -> dict:
    """What a stage's key says of its validation set, where it is not the parent's own labels on
    every row (so the keys of stages made before it existed still hold)."""
    if t.val_source is None:
        return {}
    digest = hashlib.sha256(np.ascontiguousarray(t.val_labels, dtype=np.float64).tobytes())
    out = {"val_labels": digest.hexdigest()}
    if t.val_rows is not None:
        out["val_rows"] = stage_key(ids=data.splits.val.ids[t.val_rows])
    return out


def train_stage(
    config: FinetuneConfig, data: SeedData, role: str, loss: LossSpec, t: Target, log: Log
) -> dict:
    """Train one model on `t` (or reuse its stored stage); predict strong_train, val, test."""
    key = _key(config, data, role, loss, t)
    found = load_stage(key)
    if found is not None:
        log(f"seed {data.seed}: {role} reused from the cache ({key[:12]})")
        return found
    kind = "weak" if role == "weak" else "strong"
    model = config.weak_model if kind == "weak" else config.strong_model
    resolved = resolve_model(model)
    tcfg = train_config(config, kind, data.seed)
    device = pick_device(config.device)
    s = data.splits
    t0 = time.perf_counter()
    clf, tok = build_classifier(model, config.classifier(), device, seed=data.seed)
    result = _train(clf, tok, data, role, t, tcfg, loss, device)
    scores = {
        part: predict_scores(
            clf,
            tokenize(tok, getattr(s, part).texts, tcfg.max_length),
            int(tok.pad_token_id),
            device,
            max_tokens=eval_tokens(tcfg),
        )
        for part in SPLITS
    }
    probs = {part: p for part, (p, _) in scores.items()}
    logits = {part: logit1 for part, (_, logit1) in scores.items()}
    meta = {
        "role": role,
        "model": resolved.name,
        "identity": resolved.identity,
        "curve": result.curve,
        "best_step": result.best_step,
        "best_val_auc": result.best_val_auc,
        "steps": result.steps,
        "train_s": time.perf_counter() - t0,
        "examples_per_s": result.examples / max(time.perf_counter() - t0, 1e-9),
    }
    if config.save_models:
        weights = clf.trainable_state()
        path = store().folder / f"{key[:32]}.pt"
        write_atomic(path, lambda tmp: torch.save(weights, tmp))
    del clf
    ids = {part: getattr(s, part).ids.astype(str) for part in SPLITS}
    return save_stage(key, ids, probs, meta, logits)


def _train(
    clf: SequenceClassifier,
    tok: Any,
    data: SeedData,
    role: str,
    t: Target,
    tcfg: TrainConfig,
    loss: LossSpec,
    device: str,
) -> TrainResult:
    """Train `clf` on the rows and labels of `t` (val: its rows and labels) with a progress
    bar; an error (e.g. training that diverged) names the seed and the model."""
    s = data.splits
    texts, targets = getattr(s, t.part).texts, np.asarray(t.labels)
    if t.rows is not None:
        texts, targets = texts[t.rows], targets[t.rows]
    val_texts, val_labels = s.val.texts, np.asarray(t.val_labels)
    if t.val_rows is not None:
        val_texts, val_labels = val_texts[t.val_rows], val_labels[t.val_rows]
    bar = _bar(f"seed {data.seed} {role}")
    try:
        return train(
            clf, tok, texts, targets, val_texts, val_labels, tcfg, loss, device, progress=bar
        )
    except W2SGError as err:  # nothing of this model is stored
        raise W2SGError(f"seed {data.seed} {role}: {err}") from None
    finally:
        bar(None)


def _bar(desc: str) -> Callable[[dict | None], None]:
    """A tqdm bar fed by the trainer's per-step callback; call with None to close it."""
    state: dict = {}

    def update(info: dict | None) -> None:
        if info is None:
            if "bar" in state:
                state["bar"].close()
            return
        if "bar" not in state:
            state["bar"] = tqdm(total=info["total"], desc=desc, leave=False)
        state["bar"].update(1)
        if info["val_auc"] is not None:
            state["auc"] = info["val_auc"]
        state["bar"].set_postfix(loss=f"{info['loss']:.4f}", val_auc=state.get("auc", "-"))

    return update


def model_json(stage: dict, test_y: np.ndarray, auc: str = "prob") -> dict:
    """A trained model's line in results.json: test metrics (AUC ranked by P(y=1), or by the
    raw class-1 logit with `auc="logit"`), chosen step, its stage."""
    metrics = evaluate(test_y, stage["probs"]["test"])
    if auc == "logit" and "test" in stage.get("logits", {}):  # a probe has no logits
        metrics["auc"] = roc_auc(test_y, stage["logits"]["test"])
    return {
        **metrics,
        "best_step": stage["best_step"],
        "best_val_auc": stage["best_val_auc"],
        "stage": stage["key"][:16],
    }


def pgr_json(weak: dict, model: dict, ceiling: dict, margin: float) -> dict:
    """PGR of `model` for each metric under the one rule (none below `margin`)."""
    return {m: pgr(weak[m], model[m], ceiling[m], margin).to_json() for m in ("accuracy", "auc")}
