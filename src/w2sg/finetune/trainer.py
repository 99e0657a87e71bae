"""A lean training loop for the sequence classifier (fine-tune mode's reference recipe).

Why not `transformers.Trainer`: the published code subclassed it and broke when
`compute_loss`'s signature changed; its minibatch of 1 with 32 accumulation steps also wastes
most of the CPU. This loop uses only stable torch APIs: AdamW (β2 0.95), cosine schedule with
linear warm-up, weight decay, gradient clipping, gradient accumulation over length-bucketed
minibatches, evaluation every `eval_every` optimizer steps on `val` against the labels the
model trains on, and restoring the best checkpoint (kept in memory) at the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from w2sg.errors import W2SGError
from w2sg.finetune.losses import LossState, compute_loss, resolve_spec
from w2sg.finetune.specs import LossSpec, TrainConfig
from w2sg.finetune.truncation import encode
from w2sg.stats.metrics import roc_auc

if TYPE_CHECKING:
    from w2sg.finetune.classifier import SequenceClassifier

Progress = Callable[[dict], None]
Texts = Sequence[Any] | np.ndarray  # a list of texts or an object array of them


@dataclass
class TrainResult:
    """What training produced: the curve, the chosen step and its val AUC."""

    curve: list[dict] = field(default_factory=list)
    best_step: int = 0
    best_val_auc: float | None = None
    steps: int = 0
    examples: int = 0


def tokenize(tokenizer: Any, texts: Texts, max_length: int) -> list[list[int]]:
    """Token ids per text, unpadded (batches pad to their own longest row); a text over
    `max_length` loses its middle, not its end (`w2sg.finetune.truncation`)."""
    return encode(tokenizer, texts, max_length)[0]


def eval_tokens(config: TrainConfig) -> int | None:
    """Padded tokens per prediction pass: 4 × the training budget (no gradients are kept;
    64 rows × 128 tokens at the defaults, the old peak), None without a budget."""
    return None if config.minibatch_tokens is None else 4 * config.minibatch_tokens


def _collate(
    ids: list[list[int]], rows: np.ndarray, pad: int, device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(len(ids[i]) for i in rows)
    x = torch.full((len(rows), longest), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), longest), dtype=torch.long)
    for j, i in enumerate(rows):
        x[j, : len(ids[i])] = torch.tensor(ids[i])
        mask[j, : len(ids[i])] = 1
    return x.to(device), mask.to(device)


def epoch_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator, groups: int = 1
) -> list[np.ndarray]:
    """One epoch's effective batches: a random permutation cut into batches of `batch_size`.

    With `groups` > 1, each run of `groups` batches of the permutation is sorted by length
    before it is cut, and the batches are then shuffled: a batch holds rows of similar
    length drawn from a random pool of `groups × batch_size` (Hugging Face's
    `group_by_length`, with a small pool and no long-first order), so its minibatches carry
    little padding. Every row is still seen once per epoch."""
    perm = rng.permutation(len(lengths))
    if groups <= 1:
        return [perm[k : k + batch_size] for k in range(0, len(perm), batch_size)]
    span = groups * batch_size
    batches = []
    for start in range(0, len(perm), span):
        pool = perm[start : start + span]
        pool = pool[np.argsort(lengths[pool], kind="stable")]
        batches += [pool[k : k + batch_size] for k in range(0, len(pool), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def _minibatches(
    ids: list[list[int]], batch: np.ndarray, size: int, max_tokens: int | None = None
) -> list[np.ndarray]:
    """Split one effective batch into minibatches of similar length (little padding): at most
    `size` rows each and, with `max_tokens`, at most that many padded tokens (rows × the
    longest row) unless a single row is longer. The gradient is the same for any split."""
    order = batch[np.argsort([len(ids[i]) for i in batch], kind="stable")]
    if max_tokens is None:
        return [order[k : k + size] for k in range(0, len(order), size)]
    out, start = [], 0
    for end in range(1, len(order) + 1):  # ascending lengths: row end-1 is the group's longest
        rows = end - start
        if rows > 1 and (rows > size or rows * len(ids[order[end - 1]]) > max_tokens):
            out.append(order[start : end - 1])
            start = end - 1
    out.append(order[start:])
    return out


@torch.no_grad()
def predict_scores(
    model: SequenceClassifier,
    ids: list[list[int]],
    pad: int,
    device: str,
    batch: int = 64,
    max_tokens: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(P(y=1), the raw class-1 logit) per text, in the input order (evaluation runs
    longest-first in buckets of at most `batch` rows and, with `max_tokens`, that many padded
    tokens or one row)."""
    was_training = model.training
    model.eval()
    order = np.argsort([-len(x) for x in ids], kind="stable")
    probs = np.empty(len(ids), dtype=np.float64)
    logit1 = np.empty(len(ids), dtype=np.float64)
    k = 0
    while k < len(order):
        size = batch if max_tokens is None else max(1, max_tokens // len(ids[order[k]]))
        rows = order[k : k + min(batch, size)]
        k += len(rows)
        x, mask = _collate(ids, rows, pad, device)
        logits = model(x, mask).float()  # the classifier runs its own autocast
        probs[rows] = torch.softmax(logits, dim=-1)[:, 1].cpu().numpy()
        logit1[rows] = logits[:, 1].cpu().numpy()
    model.train(was_training)
    return probs, logit1


def predict(
    model: SequenceClassifier,
    ids: list[list[int]],
    pad: int,
    device: str,
    batch: int = 64,
    output: str = "prob",
    max_tokens: int | None = None,
) -> np.ndarray:
    """P(y=1) per text (`output="prob"`), or the raw class-1 logit (`"logit"`, what upstream
    ranks AUC by)."""
    probs, logit1 = predict_scores(model, ids, pad, device, batch, max_tokens)
    return logit1 if output == "logit" else probs


def _schedule(
    opt: torch.optim.Optimizer, warmup: int, total: int
) -> torch.optim.lr_scheduler.LambdaLR:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        progress = (step - warmup) / max(1, total - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


def _optimizer(model: SequenceClassifier, config: TrainConfig) -> torch.optim.Optimizer:
    decay: list[torch.nn.Parameter] = []
    no_decay: list[torch.nn.Parameter] = []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim < 2 or "LayerNorm" in name else decay).append(p)
    groups: list[dict[str, Any]] = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    # one fused kernel per step instead of a chain of foreach ops (CPU and CUDA)
    fused = all(p.device.type in ("cpu", "cuda") for g in groups for p in g["params"])
    return torch.optim.AdamW(groups, lr=config.lr, betas=(0.9, 0.95), fused=fused)


@dataclass
class _Run:
    """What one call of `train` carries from step to step."""

    model: SequenceClassifier
    config: TrainConfig
    spec: LossSpec
    device: str
    pad: int
    ids: list[list[int]]
    val_ids: list[list[int]]
    val_binary: np.ndarray
    targets: torch.Tensor
    opt: torch.optim.Optimizer
    sched: torch.optim.lr_scheduler.LambdaLR
    rng: np.random.Generator
    total: int
    best: dict[str, torch.Tensor]
    state: LossState = field(default_factory=LossState)
    result: TrainResult = field(default_factory=TrainResult)
    best_auc: float = -1.0
    stale: int = 0
    losses: list[float] = field(default_factory=list)
    step: int = 0


def train(
    model: SequenceClassifier,
    tokenizer: Any,
    train_texts: Texts,
    train_targets: np.ndarray,
    val_texts: Texts,
    val_targets: np.ndarray,
    config: TrainConfig,
    loss: LossSpec,
    device: str = "cpu",
    progress: Progress | None = None,
) -> TrainResult:
    """Fit `model` to soft `train_targets`; keep and restore the best val-AUC checkpoint.

    Val AUC is measured against `val_targets` (the labels the model trains on, thresholded at
    0.5): for a student those are weak labels, never ground truth. When those hold one class
    only, AUC is undefined and the latest checkpoint is kept. `progress` is called after
    every optimizer step with {step, total, loss, val_auc} (for a progress bar at the edge).
    """
    y = _targets_of(train_targets, "train_targets")
    yv = _targets_of(val_targets, "val_targets")
    if len(y) != len(train_texts) or len(yv) != len(val_texts):
        raise W2SGError("targets must have one value per text (train and val)")
    config.check_data(len(y))
    run = _start(model, tokenizer, (train_texts, y), (val_texts, yv), config, loss, device)
    lengths = np.array([len(x) for x in run.ids])
    for _epoch in range(config.epochs):
        for batch in epoch_batches(lengths, config.batch_size, run.rng, config.length_groups):
            batch_loss = _step(run, batch)
            auc = _evaluate(run)
            if progress:
                info = {"step": run.step, "total": run.total, "loss": batch_loss, "val_auc": auc}
                progress(info)
            if config.patience and run.stale >= config.patience:
                return _finish(run)
    return _finish(run)


def _targets_of(values: object, name: str) -> np.ndarray:
    """Soft targets: a 1-D array of numbers in [0, 1] (no NaN), else one error naming them."""
    try:
        y = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise W2SGError(f"{name} must be numbers in [0, 1], got {values!r:.60}") from None
    if y.ndim != 1 or not ((y >= 0) & (y <= 1)).all():
        raise W2SGError(f"{name} must be a 1-D array of soft labels in [0, 1] (no NaN)")
    return y


def _start(
    model: SequenceClassifier,
    tokenizer: Any,
    train_data: tuple[Texts, np.ndarray],
    val_data: tuple[Texts, np.ndarray],
    config: TrainConfig,
    loss: LossSpec,
    device: str,
) -> _Run:
    """Tokenize, seed, build the optimizer and schedule, and take the first checkpoint."""
    (texts, y), (val_texts, yv) = train_data, val_data
    spec = resolve_spec(loss, y)
    ids = tokenize(tokenizer, texts, config.max_length)
    val_ids = tokenize(tokenizer, val_texts, config.max_length)
    total = math.ceil(len(y) / config.batch_size) * config.epochs
    torch.manual_seed(config.seed)
    opt = _optimizer(model, config)
    warmup = config.warmup(total)
    sched = _schedule(opt, warmup, total)
    if spec.warmup_steps is None:  # the auxiliary weight ramps over the schedule's warm-up
        spec = replace(spec, warmup_steps=warmup)
    rng = np.random.default_rng(config.seed)
    targets = torch.tensor(y, dtype=torch.float32)
    best = model.trainable_state()
    model.train()
    return _Run(
        model=model,
        config=config,
        spec=spec,
        device=device,
        pad=int(tokenizer.pad_token_id),
        ids=ids,
        val_ids=val_ids,
        val_binary=(yv > 0.5).astype(int),
        targets=targets,
        opt=opt,
        sched=sched,
        rng=rng,
        total=total,
        best=best,
    )


def _step(run: _Run, batch: np.ndarray) -> float:
    """One optimizer step over `batch` (gradient accumulated over its minibatches); returns
    the batch's mean loss."""
    config, model = run.config, run.model
    run.opt.zero_grad(set_to_none=True)
    batch_loss = 0.0
    for rows in _minibatches(run.ids, batch, config.minibatch, config.minibatch_tokens):
        x, mask = _collate(run.ids, rows, run.pad, run.device)
        logits = model(x, mask)
        target = run.targets[rows].to(run.device)
        value, run.state = compute_loss(run.spec, logits, target, run.step, run.state)
        if not math.isfinite(float(value.detach())):
            raise W2SGError(
                f"training diverged at step {run.step + 1} of {run.total}: the loss is "
                f"{float(value.detach())}; lower the learning rate (nothing was stored)"
            )
        (value * (len(rows) / len(batch))).backward()
        batch_loss += float(value.detach()) * len(rows) / len(batch)
    torch.nn.utils.clip_grad_norm_(
        [p for p in model.parameters() if p.requires_grad], config.max_grad_norm
    )
    run.opt.step()
    run.sched.step()
    run.step += 1
    run.result.examples += len(batch)
    run.losses.append(batch_loss)
    return batch_loss


def _evaluate(run: _Run) -> float | None:
    """Every `eval_every` steps and at the last: val AUC, a point of the curve, and the best
    checkpoint kept. Returns the AUC (None when not evaluated or undefined)."""
    if run.step % run.config.eval_every != 0 and run.step != run.total:
        return None
    scores = predict(
        run.model,
        run.val_ids,
        run.pad,
        run.device,
        output=run.config.auc,
        max_tokens=eval_tokens(run.config),
    )
    if not np.isfinite(scores).all():
        raise W2SGError(
            f"training diverged at step {run.step} of {run.total}: the model's predictions on "
            "val are not finite (NaN or infinity); lower the learning rate (nothing was stored)"
        )
    auc = roc_auc(run.val_binary, scores)
    point = {"step": run.step, "loss": float(np.mean(run.losses)), "val_auc": auc}
    run.result.curve.append(point)
    run.losses = []
    if auc is not None and auc > run.best_auc:
        run.best, run.best_auc, run.stale = run.model.trainable_state(), auc, 0
        run.result.best_step = run.step
    elif auc is None and run.best_auc < 0:  # one class in val's labels: keep the latest
        run.best, run.result.best_step = run.model.trainable_state(), run.step
    else:
        run.stale += 1
    return auc


def _finish(run: _Run) -> TrainResult:
    """Put the best checkpoint back and complete the result."""
    run.model.load_trainable(run.best)
    run.result.steps = run.step
    run.result.best_val_auc = run.best_auc if run.best_auc >= 0 else None
    return run.result
