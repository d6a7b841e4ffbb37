"""Check backpropagation against finite differences.

For each parameter w, (L(w + h) - L(w - h)) / 2h approximates dL/dw with an
error of order h^2; in float64 with h = 1e-6 it agrees with a correct analytic
gradient to about 1e-8 relative.
"""
from __future__ import annotations

import numpy as np


def numerical_gradients(model, X, y, epsilon=None):
    """Central-difference dL/dw for every parameter of a compiled model.

    The step defaults to 1e-6 in float64 and 1e-3 in float32, whose rounding
    (~1e-7) would swamp a smaller one; check gradients in float64.
    """
    X, y = model._check_ready(X, y)
    if epsilon is None:
        epsilon = 1e-6 if model.dtype == np.float64 else 1e-3

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
    """The worst, over parameter arrays, of ||a - n|| / (||a|| + ||n||).

    Per array rather than per entry, so that entries whose true gradient is ~0
    do not turn finite-difference noise (~1e-10) into a large ratio.
    """
    worst = 0.0
    for a, n in zip(analytic, numerical):
        scale = np.linalg.norm(a) + np.linalg.norm(n)
        if scale > 0:
            worst = max(worst, float(np.linalg.norm(a - n) / scale))
    return worst


def check_gradients(model, X, y, epsilon=None):
    """The worst relative error between backpropagation and finite differences."""
    return relative_error(model.gradients(X, y), numerical_gradients(model, X, y, epsilon))
