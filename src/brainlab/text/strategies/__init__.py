"""One class per strategy, behind one interface (base.Strategy): fit, outputs, save, load.

    scratch      TF-IDF learned from the user's texts -> head
    features     frozen pretrained encoder -> head
    finetune     features, then encoder and head trained together
    contrastive  encoder adapted contrastively to the labels -> head
"""
from .base import MIN_PER_CLASS_FOR_VALIDATION, Strategy
from .contrastive import ContrastiveStrategy
from .features import FeaturesStrategy
from .finetune import FineTuneStrategy
from .scratch import ScratchStrategy

STRATEGY_CLASSES = {cls.name: cls for cls in (ScratchStrategy, FeaturesStrategy,
                                              FineTuneStrategy, ContrastiveStrategy)}
STRATEGIES = tuple(STRATEGY_CLASSES)
# Fine-tuning backpropagates through every token: 128 keep it affordable on a CPU.
DEFAULT_MAX_LENGTH = {"finetune": 128, "contrastive": 128}
# A text longer than max_length is read in up to this many windows of max_length tokens,
# and its vector is the mean of theirs, where the head learns from the encoder's vectors
# (features, contrastive). finetune's end-to-end epochs see one window, so it reads one.
DEFAULT_WINDOWS = {"features": 8, "contrastive": 8}

__all__ = ["Strategy", "STRATEGY_CLASSES", "STRATEGIES", "DEFAULT_MAX_LENGTH", "DEFAULT_WINDOWS",
           "MIN_PER_CLASS_FOR_VALIDATION"]
