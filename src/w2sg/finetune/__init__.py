"""Fine-tune mode (docs/methods.md#fine-tune-mode): classifier, trainer, losses,
strong-to-strong, and the run that wires them (`w2sg finetune`)."""

from w2sg.finetune.config import FinetuneConfig
from w2sg.finetune.specs import LOSSES, ClassifierConfig, LossSpec, TrainConfig, parse_loss

__all__ = ["LOSSES", "ClassifierConfig", "FinetuneConfig", "LossSpec", "TrainConfig", "parse_loss"]
