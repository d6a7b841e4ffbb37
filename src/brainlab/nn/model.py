"""Sequential: a stack of layers trained by backpropagation and gradient descent."""
from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from . import io
from .callbacks import Callback, History
from .layers import Dense, Layer, is_sparse
from .losses import get_loss
from .optimizers import get_optimizer

_DTYPES = {"float32": np.float32, "float64": np.float64}


def check_features(X, dtype=np.float64, name="X", input_dim=None):
    """X as a finite 2-D array of `dtype`, or a ValueError saying what is wrong. A SciPy
    sparse matrix stays sparse, as CSR rows of `dtype` (TF-IDF: a few dozen nonzeros in
    20,000 columns), so that a Dense layer multiplies only its nonzeros."""
    if is_sparse(X):
        X = X.tocsr().astype(dtype, copy=False)
        X.sum_duplicates()
    else:
        try:
            X = np.asarray(X, dtype=dtype)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name} must be numeric: {error}") from None
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {X.shape}")
        X = np.ascontiguousarray(X)
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty; expected at least one sample")
    values = X.data if is_sparse(X) else X
    if not np.isfinite(values).all():
        row, col = _first_not_finite(X)
        raise ValueError(f"{name} contains NaN or inf (first at row {row}, column {col}); "
                         f"expected finite numbers")
    if input_dim is not None and X.shape[1] != input_dim:
        raise ValueError(f"{name} has {X.shape[1]} features but the model expects {input_dim}")
    return X


def _first_not_finite(X):
    """(row, column) of the first NaN or inf, in a dense array or in CSR rows."""
    if not is_sparse(X):
        return np.argwhere(~np.isfinite(X))[0]
    first = np.flatnonzero(~np.isfinite(X.data))[0]   # its row: where indptr passes it
    return int(np.searchsorted(X.indptr, first, side="right")) - 1, int(X.indices[first])


class Sequential:
    """Layers applied one after another; the Keras-style model of brainlab.nn.

    >>> model = Sequential([Dense(3, activation="sigmoid", input_dim=2),
    ...                     Dense(1, activation="sigmoid")], seed=0)
    >>> model.compile(loss="mse", optimizer="sgd", learning_rate=0.5)
    """

    def __init__(self, layers=None, seed=None, dtype="float32"):
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {sorted(_DTYPES)}, got {dtype!r}")
        self.dtype = np.dtype(_DTYPES[dtype])
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.layers = []
        self.loss = self.optimizer = None
        self.metrics = []
        self.stop_training = False
        for layer in layers or []:
            self.add(layer)

    # ---- building -------------------------------------------------------------
    def add(self, layer):
        if not isinstance(layer, Layer):
            raise ValueError(f"Sequential takes brainlab.nn layers, got {type(layer).__name__}")
        self.layers.append(layer)
        first_dim = getattr(self.layers[0], "requested_input_dim", None)
        if first_dim is not None and not layer.built:
            self.build(first_dim)

    @property
    def built(self):
        return bool(self.layers) and all(layer.built for layer in self.layers)

    def build(self, input_dim):
        """Create every layer's weights for inputs of width `input_dim`."""
        width = int(input_dim)
        for layer in self.layers:
            if not layer.built:
                layer.build(width, self.rng, self.dtype)
            elif layer.input_dim != width:
                raise ValueError(f"{layer!r} was built for {layer.input_dim} inputs, "
                                 f"not {width}")
            width = layer.output_dim

    @property
    def input_dim(self):
        return self.layers[0].input_dim if self.built else None

    @property
    def output_dim(self):
        return self.layers[-1].output_dim if self.built else None

    def compile(self, loss="mse", optimizer="sgd", learning_rate=None, metrics=None):
        """Choose the loss, the optimizer (a name or an object) and the metrics to report."""
        loss, optimizer = get_loss(loss), get_optimizer(optimizer, learning_rate)
        metrics = list(metrics or [])
        for metric in metrics:
            if metric != "accuracy":
                raise ValueError(f"unknown metric {metric!r}; expected 'accuracy'")
        for layer in self.layers:
            if layer.activation_name == "step":
                layer.activation.backward(None, None)  # raises, pointing to Perceptron
        self.loss, self.optimizer, self.metrics = loss, optimizer, metrics

    @property
    def _fused(self):
        """True when the loss is computed from the logits of its matching output activation."""
        return self.loss.fused_activation is not None and \
            self.layers[-1].activation_name == self.loss.fused_activation

    # ---- forward and backward ---------------------------------------------------
    def _forward(self, X, training):
        out = X
        for layer in self.layers:
            out = layer.forward(out, training=training)
        return out

    def _backward(self, output, y):
        """Backpropagate the loss of `output` against y; fills every layer's grads."""
        fused = self._fused
        if fused:
            grad = self.loss.gradient_from_logits(output, y, out=self.layers[-1].buffer(
                "dloss", output.shape, output.dtype))
        else:
            grad = self.loss.gradient(output, y).astype(output.dtype, copy=False)
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            grad = layer.backward(grad, need_input_grad=i > 0,
                                  from_logits=fused and i == len(self.layers) - 1)

    def _loss_value(self, output, y):
        """The compiled loss of `output` against y, plus the layers' regularisation terms."""
        penalty = sum(layer.penalty() for layer in self.layers)
        if self._fused:
            return self.loss.value_from_logits(self.layers[-1].logits, y) + penalty
        return self.loss.value(output, y) + penalty

    def _check_ready(self, X, y=None, name="X"):
        if self.loss is None:
            raise ValueError("the model is not compiled; call model.compile(loss=..., "
                             "optimizer=...) first")
        X = self._check_input(X, name)
        if not self.built:
            self.build(X.shape[1])
        if y is None:
            return X, None
        y = np.asarray(y)
        if len(y) != X.shape[0]:
            raise ValueError(f"{name} has {X.shape[0]} samples but its labels have {len(y)}; "
                             f"expected the same number")
        y = self.loss.check_targets(y, self.output_dim)
        if not np.issubdtype(y.dtype, np.integer):
            y = check_features(y.reshape(len(y), -1), self.dtype, "y").reshape(y.shape)
        return X, y

    def _check_input(self, X, name="X"):
        X = check_features(X, self.dtype, name, self.input_dim)
        if is_sparse(X) and self.layers and not isinstance(self.layers[0], Dense):
            raise ValueError(f"{name} is a sparse matrix, which only a Dense first layer "
                             f"takes; the first layer is {type(self.layers[0]).__name__}")
        return X

    def _batch(self, name, like, rows):
        return self.layers[0].buffer(f"batch_{name}", (rows,) + like.shape[1:], like.dtype)

    # ---- public API -------------------------------------------------------------
    def fit(self, X, y, epochs=1, batch_size=32, verbose=1, shuffle=True,
            validation_split=0.0, validation_data=None, callbacks=None):
        """Train by mini-batch gradient descent; returns a History.

        ``batch_size=None`` is full-batch gradient descent. Keras' conventions:
        ``validation_split`` holds out the last fraction of X before shuffling. A
        full-batch optimizer (L-BFGS) takes one step per epoch on all of X, ignores
        `batch_size`, and stops early once it has converged.
        """
        X, y = self._check_ready(X, y)
        if not 0 <= validation_split < 1:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}")
        if validation_data is None and validation_split > 0:
            n_val = int(round(X.shape[0] * validation_split))
            if n_val < 1 or n_val >= X.shape[0]:
                raise ValueError(f"validation_split={validation_split} leaves no samples for "
                                 f"one side of {X.shape[0]}")
            X, X_val, y, y_val = X[:-n_val], X[-n_val:], y[:-n_val], y[-n_val:]
            validation_data = (X_val, y_val)
        elif validation_data is not None:
            X_val, y_val = self._check_ready(*validation_data, name="validation X")
            validation_data = (X_val, y_val)
        n = X.shape[0]
        batch_size = n if batch_size is None else int(batch_size)
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer or None, got {batch_size}")
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        history = History()
        callbacks = [history] + list(callbacks or [])
        for callback in callbacks:
            if not isinstance(callback, Callback):
                raise ValueError(f"callbacks must be brainlab.nn Callbacks, got {callback!r}")
            callback.set_model(self)
            callback.on_train_begin()
        self.stop_training = False
        params, grads = self.parameters(), self._gradient_arrays()
        full_batch = getattr(self.optimizer, "full_batch", False)
        if full_batch:
            if any(getattr(layer, "rate", 0) for layer in self.layers):
                raise ValueError(f"optimizer {self.optimizer.name!r} needs a deterministic "
                                 f"loss; remove the Dropout layers or use 'adam'")
            self.optimizer.reset()
        epochs_bar = tqdm(range(epochs), desc="epochs", unit="epoch",
                          disable=True if verbose != 1 else None, leave=False)
        for epoch in epochs_bar:
            for callback in callbacks:
                callback.on_epoch_begin(epoch)
            if full_batch:
                total_loss, correct = self._full_batch_step(X, y, params, grads)
            else:
                total_loss, correct = self._epoch(X, y, batch_size, shuffle, params, grads)
            logs = {"loss": total_loss / n}
            if self.metrics:
                logs["accuracy"] = correct / n
            if validation_data is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(*validation_data).items()})
            if not np.isfinite(logs["loss"]):
                raise ValueError(f"training diverged at epoch {epoch + 1} (loss "
                                 f"{logs['loss']}); lower the learning rate")
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs)
            if verbose == 1:
                epochs_bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()})
            elif verbose == 2:
                print(f"epoch {epoch + 1}/{epochs} " +
                      " ".join(f"{k}={v:.4f}" for k, v in logs.items()))
            if self.stop_training or (full_batch and self.optimizer.converged):
                break
        epochs_bar.close()
        for callback in callbacks:
            callback.on_train_end()
        return history

    def _epoch(self, X, y, batch_size, shuffle, params, grads):
        """One pass of mini-batch gradient descent; (summed loss, correct)."""
        n = X.shape[0]
        order = self.rng.permutation(n) if shuffle and batch_size < n else None
        total_loss, correct = 0.0, 0
        for start in range(0, n, batch_size):
            if order is None:
                xb, yb = X[start:start + batch_size], y[start:start + batch_size]
            else:   # gather the shuffled batch into reused arrays: no epoch-sized copy
                rows = order[start:start + batch_size]
                xb = X[rows] if is_sparse(X) else \
                    np.take(X, rows, axis=0, out=self._batch("x", X, len(rows)))
                yb = np.take(y, rows, axis=0, out=self._batch("y", y, len(rows)))
            output = self._forward(xb, training=True)
            total_loss += self._loss_value(output, yb) * len(yb)
            if self.metrics:
                correct += self._correct(output, yb)
            self._backward(output, yb)
            self.optimizer.step(params, grads)
        return total_loss, correct

    def _full_batch_step(self, X, y, params, grads):
        """One step of a full-batch optimizer; (summed loss, correct) at the new weights."""
        scores = {}

        def loss_and_gradients():   # at the current weights; fills the gradient arrays
            output = self._forward(X, training=False)
            scores["loss"] = self._loss_value(output, y)
            scores["correct"] = self._correct(output, y) if self.metrics else 0
            self._backward(output, y)
            return scores["loss"]

        self.optimizer.minimize_step(params, grads, loss_and_gradients)
        return scores["loss"] * X.shape[0], scores["correct"]

    def predict(self, X, batch_size=1024):
        """The network's outputs for X (probabilities for sigmoid/softmax outputs)."""
        if not self.built:
            raise ValueError("the model has no weights yet: fit it, give the first layer "
                             "input_dim, or load a saved model before predict")
        X = self._check_input(X)
        return np.concatenate([self._forward(X[i:i + batch_size], training=False).copy()
                               for i in range(0, X.shape[0], batch_size)])

    def evaluate(self, X, y, batch_size=1024):
        """Loss and metrics on (X, y), as a dict."""
        X, y = self._check_ready(X, y)
        total, correct = 0.0, 0
        for i in range(0, X.shape[0], batch_size):
            output = self._forward(X[i:i + batch_size], training=False)
            total += self._loss_value(output, y[i:i + batch_size]) * len(output)
            correct += self._correct(output, y[i:i + batch_size])
        results = {"loss": total / X.shape[0]}
        if self.metrics:
            results["accuracy"] = correct / X.shape[0]
        return results

    @staticmethod
    def _correct(output, y):
        if output.shape[1] == 1:
            return int(np.sum((output[:, 0] >= 0.5) == (y.reshape(-1) >= 0.5)))
        truth = y if y.ndim == 1 else y.argmax(axis=1)
        return int(np.sum(output.argmax(axis=1) == truth))

    def parameters(self):
        """The live parameter arrays, layer by layer: [W1, b1, W2, b2, ...]."""
        return [p for layer in self.layers for p in layer.params]

    def _gradient_arrays(self):
        return [g for layer in self.layers for g in layer.grads]

    def set_parameters(self, values):
        """Copy `values` (aligned with parameters()) into the live arrays."""
        params = self.parameters()
        if len(values) != len(params):
            raise ValueError(f"expected {len(params)} arrays, got {len(values)}")
        for param, value in zip(params, values):
            if np.shape(value) != param.shape:
                raise ValueError(f"parameter of shape {param.shape} cannot take {np.shape(value)}")
            param[...] = value

    def gradients(self, X, y):
        """d(compiled loss)/d(parameter) on (X, y), aligned with parameters().

        Computed in inference mode (Dropout off), so the result is deterministic.
        """
        X, y = self._check_ready(X, y)
        self._backward(self._forward(X, training=False), y)
        return [g.copy() for g in self._gradient_arrays()]

    def summary(self):
        """A table of layers, output shapes and parameter counts (printed and returned)."""
        lines = [f"{'layer':<28}{'output':<14}{'params':>10}", "-" * 52]
        total = 0
        for layer in self.layers:
            count = sum(p.size for p in layer.params)
            total += count
            name = type(layer).__name__
            detail = layer.activation_name or getattr(layer, "rate", "")
            label = f"{name} ({detail})" if detail != "" else name
            lines.append(f"{label:<28}{str((None, layer.output_dim)):<14}{count:>10,}")
        lines += ["-" * 52, f"total parameters: {total:,}"]
        text = "\n".join(lines)
        print(text)
        return text

    def save(self, path):
        """Write config.json and weights.npz into directory `path`, atomically."""
        io.save_model(self, path)

    @classmethod
    def load(cls, path):
        """A model saved by ``save``; weights are read without pickle."""
        return io.load_model(cls, path)
