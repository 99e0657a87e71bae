"""Fine-tune mode (SPEC §2, §7): classifier, trainer, losses, strong-to-strong."""

from w2sg.finetune.classifier import ClassifierConfig, SequenceClassifier, build_classifier
from w2sg.finetune.losses import LOSSES, LossSpec, LossState, compute_loss, parse_loss
from w2sg.finetune.trainer import TrainConfig, TrainResult, predict, train

__all__ = [
    "LOSSES",
    "ClassifierConfig",
    "LossSpec",
    "LossState",
    "SequenceClassifier",
    "TrainConfig",
    "TrainResult",
    "build_classifier",
    "compute_loss",
    "parse_loss",
    "predict",
    "train",
]
