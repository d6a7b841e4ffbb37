"""Check backpropagation against finite differences.

For each parameter w, (L(w + h) - L(w - h)) / 2h approximates dL/dw with an
error of order h^2; in float64 with h = 1e-6 it agrees with a correct analytic
gradient to about 1e-8 relative.
"""
from __future__ import annotations

import numpy as np


def numerical_gradients(model, X, y, epsilon=1e-6):
    """Central-difference dL/dw for every parameter of a compiled model."""
    X, y = model._check_ready(X, y)

    def loss():
        return model._loss_value(model._forward(X, training=False), y)

    numerical = []
    for param in model.parameters():
        grad = np.zeros_like(param)
        flat, flat_grad = param.reshape(-1), grad.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + epsilon
            plus = loss()
            flat[i] = original - epsilon
            minus = loss()
            flat[i] = original
            flat_grad[i] = (plus - minus) / (2 * epsilon)
        numerical.append(grad)
    return numerical


def relative_error(analytic, numerical):
    """max |a - n| / max(|a| + |n|, 1e-12) over all entries of all arrays."""
    worst = 0.0
    for a, n in zip(analytic, numerical):
        denominator = np.maximum(np.abs(a) + np.abs(n), 1e-12)
        worst = max(worst, float(np.max(np.abs(a - n) / denominator)))
    return worst


def check_gradients(model, X, y, epsilon=1e-6):
    """The worst relative error between backpropagation and finite differences."""
    return relative_error(model.gradients(X, y), numerical_gradients(model, X, y, epsilon))
