"""Learning by changing connections: Hebb with Oja's normalisation, and pair-based STDP.

Hebb: "cells that fire together wire together", dw = eta y x. Alone it grows without
bound; Oja's rule dw = eta y (x - y w) adds a forgetting term that keeps |w| -> 1, and
w turns to the first principal component of the inputs.

STDP (trace form, Song et al. 2000): each presynaptic spike leaves a trace a_pre that
decays with tau_plus, each postsynaptic spike a trace a_post (negative) that decays
with tau_minus. A post spike adds a_pre to w (pre before post: potentiation by
A+ e^{-dt/tau+}); a pre spike adds a_post (post before pre: depression by
A- e^{-dt/tau-}). Weights are clipped to [w_min, w_max]. With ``interaction="all"``
every pair counts (the traces add up); with ``"nearest"`` each spike takes part in at
most one potentiating and one depressing pair: a post spike pairs with the latest pre
spike if that one is not yet paired with an earlier post spike, and a pre spike pairs
with the latest post spike if no other pre spike came between them (the "restricted
symmetric nearest-neighbour" scheme of Morrison et al. 2008, as in Masquelier et al. 2008).
"""
from __future__ import annotations

import numpy as np

from .synapses import csr_positions


def hebb_step(weights, x, learning_rate):
    """Plain Hebb: dw = eta y x with y = w . x (unbounded)."""
    y = weights @ x
    return weights + learning_rate * y * x


def oja_step(weights, x, learning_rate):
    """Oja (1982): dw = eta y (x - y w); |w| stays bounded and tends to 1."""
    y = weights @ x
    return weights + learning_rate * y * (x - y * weights)


def train_oja(samples, learning_rate=0.01, epochs=20, seed=0):
    """Weights of one linear neuron after Oja's rule on centred `samples` (rows)."""
    samples = np.asarray(samples, dtype=float)
    if samples.ndim != 2 or not np.isfinite(samples).all():
        raise ValueError("samples must be a finite 2-D array (n_samples, n_inputs)")
    rng = np.random.default_rng(seed)
    weights = rng.normal(0, 0.1, samples.shape[1])
    for _ in range(epochs):
        for x in samples[rng.permutation(len(samples))]:
            weights = oja_step(weights, x, learning_rate)
    return weights


class STDP:
    """Pair-based STDP on the weights of a Synapses object, in trace form."""

    def __init__(self, synapses, a_plus=0.01, a_minus=-0.0105, tau_plus=20.0, tau_minus=20.0,
                 w_min=0.0, w_max=1.0, interaction="all"):
        for name, value in (("tau_plus", tau_plus), ("tau_minus", tau_minus)):
            if not np.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive number of ms, got {value!r}")
        if a_plus < 0 or a_minus > 0:
            raise ValueError("a_plus must be >= 0 (potentiation) and a_minus <= 0 (depression)")
        if interaction not in ("all", "nearest"):
            raise ValueError(f"interaction must be 'all' (traces add up) or 'nearest' (each "
                             f"spike pairs with the latest one), got {interaction!r}")
        self.interaction = interaction
        if not w_min < w_max:
            raise ValueError(f"w_min ({w_min}) must be below w_max ({w_max})")
        self.synapses = synapses
        self.a_plus, self.a_minus = float(a_plus), float(a_minus)
        self.tau_plus, self.tau_minus = float(tau_plus), float(tau_minus)
        self.w_min, self.w_max = float(w_min), float(w_max)
        weights = synapses.weights
        self.rows = np.repeat(np.arange(weights.shape[0]), np.diff(weights.indptr))
        self.by_column = np.argsort(weights.indices, kind="stable")
        self.column_ptr = np.r_[0, np.cumsum(np.bincount(weights.indices,
                                                        minlength=weights.shape[1]))]
        self.trace_pre = np.zeros(weights.shape[0])
        self.trace_post = np.zeros(weights.shape[1])
        self.armed = np.zeros(weights.nnz, dtype=bool)   # nearest: pre spike not yet paired
        self.armed_post = np.zeros(weights.nnz, dtype=bool)   # nearest: post spike, no pre since

    def update(self, pre_spikes, post_spikes, dt):
        """Decay the traces by dt, then apply this step's pre and post spikes."""
        self.trace_pre *= np.exp(-dt / self.tau_plus)
        self.trace_post *= np.exp(-dt / self.tau_minus)
        weights = self.synapses.weights
        fired_pre, fired_post = np.flatnonzero(pre_spikes), np.flatnonzero(post_spikes)
        nearest = self.interaction == "nearest"
        if fired_pre.size:
            self.trace_pre[fired_pre] = self.a_plus if nearest else \
                self.trace_pre[fired_pre] + self.a_plus
            positions = csr_positions(weights.indptr, fired_pre)
            if nearest:
                self.armed[positions] = True
                positions = positions[self.armed_post[positions]]
                self.armed_post[positions] = False
            weights.data[positions] += self.trace_post[weights.indices[positions]]
        if fired_post.size:
            self.trace_post[fired_post] = self.a_minus if nearest else \
                self.trace_post[fired_post] + self.a_minus
            positions = csr_positions(self.column_ptr, fired_post, self.by_column)
            if nearest:
                self.armed_post[positions] = True
                positions = positions[self.armed[positions]]
                self.armed[positions] = False
            weights.data[positions] += self.trace_pre[self.rows[positions]]
        if fired_pre.size or fired_post.size:
            np.clip(weights.data, self.w_min, self.w_max, out=weights.data)
