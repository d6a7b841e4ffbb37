"""Activation functions and their derivatives, looked up by name.

Each activation maps pre-activations ``z`` to outputs ``a = f(z)`` and, for
backpropagation, turns ``dL/da`` into ``dL/dz``. ``forward`` may overwrite ``z``
in place when the caller no longer needs it (``out=z``), which saves a copy per
layer per batch; that is safe because every derivative here is written in terms
of the output ``a`` alone.
"""
from __future__ import annotations

import numpy as np


class ActivationFunction:
    """f(z) and the chain rule through it; subclasses fill in the math."""

    name = "base"
    differentiable = True

    def forward(self, z, out=None):
        raise NotImplementedError

    def derivative(self, a):
        """f'(z) elementwise, written in terms of the output a = f(z) alone."""
        raise NotImplementedError

    def backward(self, grad_a, a, out=None):
        """dL/dz from dL/da; elementwise activations multiply by f'(z).

        `out` may be `grad_a` itself, to work in place.
        """
        return np.multiply(grad_a, self.derivative(a), out=out)

    def __call__(self, z):
        return self.forward(np.asarray(z))

    def __repr__(self):
        return f"{type(self).__name__}()"


class Step(ActivationFunction):
    """Heaviside step: 1 where z >= 0, else 0. The all-or-nothing of a spike."""

    name = "step"
    differentiable = False

    def forward(self, z, out=None):
        out = np.empty_like(z) if out is None else out
        out[...] = z >= 0
        return out

    def derivative(self, a):
        # Zero almost everywhere and undefined at 0: nothing for gradient descent to follow.
        return np.zeros_like(a)

    def backward(self, grad_a, a, out=None):
        raise ValueError(
            "activation 'step' has no useful gradient (its derivative is 0 almost everywhere), "
            "so backpropagation cannot train it; use brainlab.nn.Perceptron (the perceptron "
            "learning rule) or a smooth activation such as 'sigmoid'")


class Sigmoid(ActivationFunction):
    """Logistic sigmoid 1 / (1 + e^-z); f'(z) = f(z) (1 - f(z))."""

    name = "sigmoid"

    def forward(self, z, out=None):
        # 1/(1+e^-z) = (1 + tanh(z/2)) / 2: the same function, with no overflow for any z.
        out = np.multiply(z, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1.0
        out *= 0.5
        return out

    def derivative(self, a):
        return a * (1.0 - a)


class Tanh(ActivationFunction):
    """Hyperbolic tangent; f'(z) = 1 - f(z)^2."""

    name = "tanh"

    def forward(self, z, out=None):
        return np.tanh(z, out=out)

    def derivative(self, a):
        return 1.0 - a * a


class ReLU(ActivationFunction):
    """Rectified linear unit max(0, z); f'(z) = 1 for z > 0, else 0."""

    name = "relu"

    def forward(self, z, out=None):
        return np.maximum(z, 0, out=out)

    def derivative(self, a):
        return (a > 0).astype(a.dtype)

    def backward(self, grad_a, a, out=None):
        return np.multiply(grad_a, a > 0, out=out)


class LeakyReLU(ActivationFunction):
    """max(alpha z, z): a small slope for z < 0 keeps dead units learning."""

    name = "leaky_relu"

    def __init__(self, alpha=0.01):
        if not 0 < alpha < 1:
            raise ValueError(f"leaky_relu alpha must be in (0, 1), got {alpha!r}")
        self.alpha = float(alpha)

    def forward(self, z, out=None):
        out = np.empty_like(z) if out is None else out
        np.copyto(out, np.where(z > 0, z, self.alpha * z))
        return out

    def derivative(self, a):
        return np.where(a > 0, 1.0, self.alpha).astype(a.dtype)

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class Softmax(ActivationFunction):
    """Softmax over the last axis: e^z_i / sum_j e^z_j, shifted by max(z) for stability."""

    name = "softmax"

    def forward(self, z, out=None):
        out = np.subtract(z, z.max(axis=-1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=-1, keepdims=True)
        return out

    def derivative(self, a):
        raise ValueError("softmax has a Jacobian, not an elementwise derivative; use backward()")

    def backward(self, grad_a, a, out=None):
        # J^T g for J = diag(a) - a a^T, row by row: a * (g - <g, a>).
        dot = (grad_a * a).sum(axis=-1, keepdims=True)
        out = np.subtract(grad_a, dot, out=out)
        out *= a
        return out


class Linear(ActivationFunction):
    """Identity f(z) = z: the output of a regression or the logits of a classifier."""

    name = "linear"

    def forward(self, z, out=None):
        if out is None or out is z:
            return z
        np.copyto(out, z)
        return out

    def derivative(self, a):
        return np.ones_like(a)

    def backward(self, grad_a, a, out=None):
        if out is None or out is grad_a:
            return grad_a
        np.copyto(out, grad_a)
        return out


ACTIVATIONS = {cls.name: cls for cls in (Step, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Linear)}


def get_activation(activation):
    """An ActivationFunction from a name, an instance, or None (linear)."""
    if activation is None:
        return Linear()
    if isinstance(activation, ActivationFunction):
        return activation
    if isinstance(activation, str) and activation.lower() in ACTIVATIONS:
        return ACTIVATIONS[activation.lower()]()
    raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")
