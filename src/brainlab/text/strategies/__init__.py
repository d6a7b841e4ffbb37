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

__all__ = ["Strategy", "STRATEGY_CLASSES", "STRATEGIES", "DEFAULT_MAX_LENGTH",
           "MIN_PER_CLASS_FOR_VALIDATION"]
