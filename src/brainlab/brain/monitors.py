"""Monitors record what a simulation did: spikes, state variables, population rate."""
from __future__ import annotations

import numpy as np


class SpikeMonitor:
    """Every spike of a group as (time in ms, neuron index)."""

    def __init__(self, group):
        self.group = group
        self._times, self._indices = [], []

    def __repr__(self):
        return f"SpikeMonitor({self.group!r}, {sum(len(i) for i in self._indices)} spikes)"

    def bytes_per_step(self, dt, max_rate_hz=100.0):
        """Memory one step may add: every neuron at up to `max_rate_hz`, 16 bytes per
        spike (time and index) and two small arrays per step."""
        return self.group.n * max_rate_hz * dt / 1000.0 * 16 + 2 * 112

    def record(self, t, spikes, state):
        fired = state["fired"] if "fired" in state else np.flatnonzero(spikes)
        if fired.size:
            self._times.append(np.full(fired.size, t))
            self._indices.append(fired)

    @property
    def t(self):
        return np.concatenate(self._times) if self._times else np.array([])

    @property
    def i(self):
        return np.concatenate(self._indices) if self._indices else np.array([], dtype=int)

    @property
    def count(self):
        return np.bincount(self.i, minlength=self.group.n)

    def spike_trains(self):
        """{neuron index: sorted spike times}."""
        times, indices = self.t, self.i
        order = np.lexsort((times, indices))
        trains = {}
        for index in np.unique(indices):
            trains[int(index)] = times[order][indices[order] == index]
        return trains

    def mean_rate(self, duration):
        """Spikes per neuron per second, over `duration` ms."""
        return len(self.t) / self.group.n / (duration / 1000.0)

    def isi_cv(self, min_spikes=3):
        """Mean coefficient of variation of inter-spike intervals (1 for Poisson, 0 for a clock)."""
        values = []
        for train in self.spike_trains().values():
            if len(train) >= min_spikes:
                intervals = np.diff(train)
                if intervals.mean() > 0:
                    values.append(intervals.std() / intervals.mean())
        return float(np.mean(values)) if values else float("nan")


class StateMonitor:
    """A state variable (``v``, ``u``, ``m``, a channel …) of some neurons, every step."""

    def __init__(self, group, variable="v", indices=(0,)):
        self.group, self.variable = group, variable
        self.indices = np.asarray(indices, dtype=int)
        if self.indices.size and (self.indices.min() < 0 or self.indices.max() >= group.n):
            raise ValueError(f"indices must lie in 0..{group.n - 1}")
        self._read(group)   # fail early on an unknown variable
        self._t, self._values = [], []

    def __repr__(self):
        return (f"StateMonitor({self.group!r}, {self.variable!r}, neurons "
                f"{self.indices.tolist()}, {len(self._t)} steps)")

    def bytes_per_step(self, dt):
        """One time (a float in a list) and one small array of the recorded values."""
        return 32 + 112 + 8 * len(self.indices)

    def _read(self, group):
        if self.variable in group.channels:
            return group.channels[self.variable]
        if not hasattr(group, self.variable):
            raise ValueError(f"the group has no variable {self.variable!r}")
        return getattr(group, self.variable)

    def record(self, t, spikes, state):
        values = self._read(self.group)
        if self.variable == "v" and self.group.spike_peak is not None:
            values = np.where(spikes, self.group.spike_peak, values)   # draw the spike
        self._t.append(t)
        self._values.append(np.array(values[self.indices], dtype=float))

    @property
    def t(self):
        return np.array(self._t)

    @property
    def values(self):
        """(time steps, neurons)."""
        return np.array(self._values).reshape(len(self._t), len(self.indices))


class PopulationRateMonitor:
    """The fraction of a group that fired in each step, as a rate in Hz."""

    def __init__(self, group):
        self.group = group
        self._t, self._rate = [], []

    def __repr__(self):
        return f"PopulationRateMonitor({self.group!r}, {len(self._t)} steps)"

    def bytes_per_step(self, dt):
        """A time and a rate, two floats in lists."""
        return 64

    def record(self, t, spikes, state):
        self._t.append(t)
        count = len(state["fired"]) if "fired" in state else np.count_nonzero(spikes)
        self._rate.append(count / self.group.n / (state["dt"] / 1000.0))

    @property
    def t(self):
        return np.array(self._t)

    @property
    def rate(self):
        return np.array(self._rate)

    def spectrum(self, bin_ms=1.0):
        """(frequencies in Hz, power) of the population rate, binned to `bin_ms`."""
        dt = self._t[1] - self._t[0] if len(self._t) > 1 else 1.0
        per_bin = max(1, int(round(bin_ms / dt)))
        rate = self.rate[:len(self.rate) // per_bin * per_bin].reshape(-1, per_bin).mean(1)
        rate = rate - rate.mean()
        power = np.abs(np.fft.rfft(rate * np.hanning(len(rate)))) ** 2
        frequencies = np.fft.rfftfreq(len(rate), d=per_bin * dt / 1000.0)
        return frequencies, power

    def peak_frequency(self, low=4.0, high=80.0, bin_ms=1.0):
        frequencies, power = self.spectrum(bin_ms)
        band = (frequencies >= low) & (frequencies <= high)
        return float(frequencies[band][np.argmax(power[band])])
