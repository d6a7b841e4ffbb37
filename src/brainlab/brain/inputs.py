"""Spike sources that feed a network: Poisson trains, and given trains replayed step by step.

A source's spikes do not depend on its input, but it can still be the post side of
synapses (a replayed "post" neuron in an STDP experiment): name the `channels` it
should accept, and what arrives there is summed and then ignored."""
from __future__ import annotations

import numpy as np

from .neurons import NeuronGroup, _finite


class SpikeSource(NeuronGroup):
    """A group whose spikes are given, not integrated; its `channels` accept synapses and
    forget each step what arrived."""

    def __init__(self, n, channels=()):
        super().__init__(n)
        self.channels = {name: np.zeros(self.n) for name in channels}

    def forget_inputs(self):
        for arrived in self.channels.values():
            arrived[:] = 0.0


class PoissonGroup(SpikeSource):
    """Spike sources firing independently at `rates` Hz: the input of a network."""

    def __init__(self, n, rates, rng=None, channels=()):
        super().__init__(n, channels)
        self.rates = np.asarray(_finite("rates", rates), dtype=float) * np.ones(self.n)
        if (self.rates < 0).any():
            raise ValueError("Poisson rates must be >= 0 Hz")
        self.rng = np.random.default_rng(rng)

    def step(self, dt, current=0.0):
        self.forget_inputs()
        return self.rng.random(self.n) < self.rates * dt / 1000.0


class SpikeTrainGroup(SpikeSource):
    """Replays given spike trains: row k of `raster` (steps x n, boolean) is step k's spikes."""

    def __init__(self, raster, channels=()):
        raster = np.asarray(raster)
        if raster.ndim != 2 or raster.dtype != bool:
            raise ValueError(f"raster must be a 2-D boolean array (steps, neurons), got "
                             f"{raster.dtype} with shape {raster.shape}")
        super().__init__(raster.shape[1], channels)
        self.raster, self.position = raster, 0

    @classmethod
    def from_times(cls, n, times, duration, dt, channels=()):
        """n neurons firing at given moments, {neuron: [ms, ...]}, over `duration` ms.
        A spike at t leaves in the step that ends at t, so monitors record it at t."""
        steps = int(round(duration / dt))
        raster = np.zeros((steps, n), dtype=bool)
        for neuron, moments in times.items():
            rows = np.rint(np.asarray(moments, dtype=float) / dt).astype(int) - 1
            if not 0 <= neuron < n or rows.size and not (0 <= rows.min() <= rows.max() < steps):
                raise ValueError(f"spike times of neuron {neuron} must lie in (0, {duration}] "
                                 f"ms, for neurons 0..{n - 1}")
            raster[rows, neuron] = True
        return cls(raster, channels)

    def step(self, dt, current=0.0):
        if self.position >= len(self.raster):
            raise ValueError(f"the spike trains hold {len(self.raster)} steps; the run asked "
                             f"for more")
        self.forget_inputs()
        self.position += 1
        return self.raster[self.position - 1]
