"""scratch: no pretraining. TF-IDF of words and bigrams, learned from the user's texts,
feeds the same regularised brainlab.nn head as the transfer-learning strategies."""
from __future__ import annotations

import json

import numpy as np

from ...files import write_json
from ...nn import Sequential
from ...nn.io import load_npz
from ..head import TFIDF_ROWS, fit_head
from ..tfidf import TfidfFeaturizer
from .base import Strategy, hold_out


class ScratchStrategy(Strategy):
    name = "scratch"

    def fit(self, texts, y, classes, validation=None):
        if self.hidden_units:
            texts, y, validation = hold_out(texts, y, validation, self.args.validation_fraction,
                                            self.seed)
        self.featurizer = TfidfFeaturizer(self.args.max_features).fit(texts)
        held = None if validation is None else \
            (self.featurizer.transform(validation[0]), np.asarray(validation[1]))
        self.head, facts = fit_head(self.featurizer.transform(texts), np.asarray(y), classes,
                                    self.hidden_units, self.seed, held, self.args,
                                    prior=TFIDF_ROWS)
        self.info = {"train_size": len(texts),
                     "validation_size": 0 if validation is None else len(validation[0]),
                     **facts}
        return self

    def outputs(self, texts, cache=False):
        return self.head.predict(self.featurizer.transform(texts))

    def save(self, directory):
        self.head.save(directory / "head")
        config, arrays = self.featurizer.get_state()
        write_json(directory / "vocabulary.json", config)
        np.savez(directory / "features.npz", **arrays)
        return {}

    @classmethod
    def load(cls, directory, meta, precision=None):
        strategy = cls(seed=meta.get("seed", 0), hidden_units=meta.get("hidden_units", 0))
        strategy.head = Sequential.load(directory / "head")
        vocabulary = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        strategy.featurizer = TfidfFeaturizer.from_state(vocabulary,
                                                         load_npz(directory / "features.npz"))
        return strategy

    def describe(self):
        return "TF-IDF of words and word bigrams, learned from scratch"
