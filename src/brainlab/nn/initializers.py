"""Weight initializers: how a layer's weights start, looked up by name.

The scale matters: too small and signals fade layer by layer, too large and
they explode. Glorot keeps the variance of activations and gradients about
equal for tanh/sigmoid layers; He doubles it to make up for ReLU zeroing half.
"""
from __future__ import annotations

import numpy as np


def glorot_uniform(fan_in, fan_out, rng, dtype):
    """U(-l, l) with l = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def he_normal(fan_in, fan_out, rng, dtype):
    """N(0, 2 / fan_in) (He et al. 2015), for ReLU layers."""
    return (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(dtype)


def zeros(fan_in, fan_out, rng, dtype):
    """All zeros: fine for biases, but hidden units would all stay identical."""
    return np.zeros((fan_in, fan_out), dtype=dtype)


INITIALIZERS = {f.__name__: f for f in (glorot_uniform, he_normal, zeros)}


def get_initializer(name):
    if callable(name):
        return name
    if isinstance(name, str) and name in INITIALIZERS:
        return INITIALIZERS[name]
    raise ValueError(f"unknown initializer {name!r}; expected one of {sorted(INITIALIZERS)}")
