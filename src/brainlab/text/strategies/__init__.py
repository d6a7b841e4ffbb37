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
# contrastive's steps read the whole text in windows of 256, as the head does: on BBC News
# at 8 per class (3 seeds) 0.939 in 30 s a run with the first 128 tokens, 0.947 with the
# first 256, 0.950 in 130 s with every window of 256; short texts are unchanged.
DEFAULT_MAX_LENGTH = {"finetune": 128, "contrastive": 256}
# A text longer than max_length is read in up to this many windows of max_length tokens,
# its vector the mean over all their tokens (TransformerEncoder.encode). BBC News, 3 seeds:
# features +3.4 points at 1 label per class, +2.2 at 8; contrastive +1.2 at 8; finetune
# +0.5 at 32, though its end-to-end epochs see the first window only
# (docs/results/bbc-news-topics.md). Texts within one window are encoded as before.
DEFAULT_WINDOWS = 8

__all__ = ["Strategy", "STRATEGY_CLASSES", "STRATEGIES", "DEFAULT_MAX_LENGTH", "DEFAULT_WINDOWS",
           "MIN_PER_CLASS_FOR_VALIDATION"]
