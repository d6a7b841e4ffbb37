"""Rosenblatt's perceptron: one step unit trained by the perceptron learning rule.

The bridge from a biological neuron's all-or-nothing firing to the smooth units
that backpropagation needs. The rule w <- w + lr (y - y_hat) x converges in a
finite number of steps on linearly separable data (AND, OR) and never on data
that is not (XOR): no single line separates XOR's two classes.
"""
from __future__ import annotations

import numpy as np

from .activations import Step


class Perceptron:
    """A single neuron that fires (1) when w . x + b >= 0, else stays silent (0)."""

    def __init__(self, learning_rate=1.0, max_epochs=100, seed=None):
        if learning_rate <= 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
        if max_epochs < 1:
            raise ValueError(f"max_epochs must be at least 1, got {max_epochs!r}")
        self.learning_rate, self.max_epochs, self.seed = learning_rate, int(max_epochs), seed
        self.weights = self.bias = None
        self.converged_ = False
        self.errors_ = []   # misclassified samples per epoch

    def fit(self, X, y):
        """Sweep the data, nudging w and b after every mistake, until an epoch has none."""
        from .model import check_features

        X = check_features(X, np.float64)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}; expected the same")
        if not np.isin(y, (0, 1)).all():
            raise ValueError("Perceptron labels must be 0 or 1")
        rng = np.random.default_rng(self.seed)
        self.weights = rng.normal(0, 0.01, X.shape[1])
        self.bias = 0.0
        self.errors_, self.converged_ = [], False
        for _ in range(self.max_epochs):
            errors = 0
            for x_i, y_i in zip(X, y):
                error = y_i - self._fire(x_i)
                if error:
                    self.weights += self.learning_rate * error * x_i
                    self.bias += self.learning_rate * error
                    errors += 1
            self.errors_.append(errors)
            if errors == 0:
                self.converged_ = True
                break
        return self

    def _fire(self, X):
        return Step().forward(np.asarray(X @ self.weights + self.bias, dtype=np.float64))

    def net_input(self, X):
        """w . x + b, the membrane potential before the threshold."""
        if self.weights is None:
            raise ValueError("the Perceptron is not fitted; call fit(X, y) first")
        return np.asarray(X, dtype=np.float64) @ self.weights + self.bias

    def predict(self, X):
        """1 where the unit fires, else 0."""
        return Step().forward(self.net_input(X))
