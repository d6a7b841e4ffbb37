"""Synapses: sparse connections (CSR, pre -> post) that turn spikes into input, with delays.

A spike of presynaptic neuron i adds ``weights[i, j]`` to the post group's channel
(``target``) of every neuron j it connects to, `delay` ms later. Delays go through
a ring buffer of pending input; one step of the buffer is one simulation step.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sparse


def csr_positions(pointers, selected, order=None):
    """Positions in a CSR data array of all entries of the selected rows, concatenated,
    without a Python loop (optionally mapped through `order`, e.g. a by-column order)."""
    ends = pointers[selected + 1]
    lengths = ends - pointers[selected]
    positions = np.repeat(ends - lengths.cumsum(), lengths) + np.arange(lengths.sum())
    return positions if order is None else order[positions]


class Synapses:
    """Connections from `pre` to `post` that add their weight to ``post.channels[target]``."""

    def __init__(self, pre, post, target, weights, delay=0.0):
        if target not in post.channels:
            raise ValueError(f"the post group has no input channel {target!r}; it has "
                             f"{sorted(post.channels)}")
        weights = sparse.csr_matrix(weights, dtype=float)
        weights.sum_duplicates()   # one entry per (pre, post): transmit relies on it
        if weights.shape != (pre.n, post.n):
            raise ValueError(f"weights must have shape ({pre.n}, {post.n}) (pre, post), got "
                             f"{weights.shape}")
        if not np.isfinite(weights.data).all():
            raise ValueError("synaptic weights must be finite (no NaN or inf)")
        self.pre, self.post, self.target, self.weights = pre, post, target, weights
        delays = np.asarray(delay, dtype=float)
        if not np.isfinite(delays).all() or (delays < 0).any():
            raise ValueError(f"delays must be finite and >= 0 ms, got {delay!r}")
        self.delay = delays if delays.ndim == 0 else delays.reshape(-1)
        if self.delay.ndim == 1 and len(self.delay) != weights.nnz:
            raise ValueError(f"give one delay, or one per synapse ({weights.nnz})")
        self._buffer = None
        self._dt = None

    def __repr__(self):
        delay = f"{float(self.delay):g} ms" if self.delay.ndim == 0 else "per synapse"
        return (f"Synapses({type(self.pre).__name__}({self.pre.n}) -> "
                f"{type(self.post).__name__}({self.post.n}).{self.target}, "
                f"{self.weights.nnz} synapses, delay {delay})")

    @classmethod
    def random(cls, pre, post, target, probability, weight, delay=0.0, rng=None,
               allow_autapses=True, pre_indices=None):
        """Each (i, j) connected independently with `probability`; all with `weight`."""
        if not np.isfinite(probability) or not 0 <= probability <= 1:
            raise ValueError(f"connection probability must be in [0, 1], got {probability!r}")
        if not np.isfinite(weight):
            raise ValueError(f"weight must be finite, got {weight!r}")
        rng = np.random.default_rng(rng)
        sources = np.arange(pre.n) if pre_indices is None else np.asarray(pre_indices)
        rows, cols = [], []
        for i in sources:   # row by row: memory stays O(synapses), not O(pre x post)
            targets = np.flatnonzero(rng.random(post.n) < probability)
            if not allow_autapses and pre is post:
                targets = targets[targets != i]
            rows.append(np.full(len(targets), i))
            cols.append(targets)
        rows = np.concatenate(rows) if rows else np.array([], dtype=int)
        cols = np.concatenate(cols) if cols else np.array([], dtype=int)
        weights = sparse.csr_matrix((np.full(len(rows), float(weight)), (rows, cols)),
                                    shape=(pre.n, post.n))
        return cls(pre, post, target, weights, delay)

    def prepare(self, dt):
        """Turn delays into whole steps and size the ring buffer for them."""
        self._dt = dt
        self.delay_steps = np.rint(self.delay / dt).astype(int)
        slots = int(np.max(self.delay_steps)) + 1 if self.delay_steps.size else 1
        self._buffer = np.zeros((slots, self.post.n))
        self._pending = np.zeros(slots, dtype=bool)   # which slots hold anything
        self._immediate = self.delay_steps.ndim == 0 and self.delay_steps == 0
        self._step = 0

    def transmit(self, fired):
        """Schedule the effect of this step's presynaptic spikes (indices of the neurons
        that fired), then hand the post group what is due now. A zero delay acts on the
        next integration step, as in Brian2 (spikes are applied after the threshold,
        before the next update)."""
        slots = len(self._buffer)
        now = self._step % slots
        self._step += 1
        channel = self.post.channels[self.target]
        if fired.size and self._immediate and fired.size <= 16:
            # few spikes (the usual case): row by row; a CSR row names each target once,
            # so a fancy-indexed += is exact
            indptr, indices, data = self.weights.indptr, self.weights.indices, self.weights.data
            for i in fired.tolist():
                start, end = indptr[i], indptr[i + 1]
                channel[indices[start:end]] += data[start:end]
        elif fired.size:
            positions = csr_positions(self.weights.indptr, fired)
            targets, weights = self.weights.indices[positions], self.weights.data[positions]
            if self._immediate:
                np.add.at(channel, targets, weights)   # straight in: no buffer to clear
            elif self.delay_steps.ndim == 0:
                slot = (now + int(self.delay_steps)) % slots
                np.add.at(self._buffer[slot], targets, weights)
                self._pending[slot] = True
            else:
                due = (now + self.delay_steps[positions]) % slots
                np.add.at(self._buffer, (due, targets), weights)
                self._pending[np.unique(due)] = True
        if self._pending[now]:
            channel += self._buffer[now]
            self._buffer[now] = 0.0
            self._pending[now] = False
