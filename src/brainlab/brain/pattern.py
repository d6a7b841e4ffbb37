"""One neuron with STDP finds a spike pattern hidden in noise (Masquelier, Guyonneau &
Thorpe 2008, "STDP finds the start of repeating patterns in continuous spike trains").

2,000 afferents fire continuously at rates that wander between 0 and 90 Hz. Half of them
repeat the same 50 ms of spikes at irregular times, a quarter of the time, with 10 Hz of
extra noise on top; their rates stay the same inside and outside the pattern, so nothing
but spike timing gives the pattern away. A spike-response neuron listens to all 2,000
with pair-based STDP. It first fires at random; STDP depresses inputs on average, but
each time it fires inside the pattern it strengthens the same afferents, so it fires there
again, earlier each time, until it answers the pattern within a few ms of its start and is
silent otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .monitors import SpikeMonitor, StateMonitor
from .network import Network
from .inputs import SpikeTrainGroup
from .plasticity import STDP
from .spike_response import SRMGroup
from .synapses import Synapses


@dataclass
class HiddenPattern:
    """Input spike trains with a repeating pattern: raster (steps x afferents, boolean),
    the pattern's onsets (ms), which afferents carry it, its length and the step (ms)."""
    raster: np.ndarray
    onsets: np.ndarray
    afferents: np.ndarray
    length: float
    dt: float

    @property
    def carriers(self):
        """A boolean mask over all afferents: True for those that carry the pattern."""
        mask = np.zeros(self.raster.shape[1], dtype=bool)
        mask[self.afferents] = True
        return mask


def wandering_spike_trains(n, steps, rng, dt=1.0, max_rate=90.0, max_speed=1800.0,
                           speed_step=360.0, max_silence=50.0):
    """Spike trains whose rates drift as a bounded random walk (the rate's speed of change
    takes uniform steps of +-speed_step Hz/s every ms), each afferent firing at least once
    every `max_silence` ms: the paper's input statistics."""
    rate = rng.uniform(0.0, max_rate, n)
    speed = rng.uniform(-max_speed, max_speed, n)
    silent_for = rng.uniform(0.0, max_silence, n)
    per_ms = max(1, int(round(1.0 / dt)))
    raster = np.empty((steps, n), dtype=bool)
    for k in range(steps):
        spikes = rng.random(n) < rate * (dt / 1000.0)
        silent_for += dt
        spikes |= silent_for >= max_silence
        silent_for[spikes] = 0.0
        raster[k] = spikes
        if (k + 1) % per_ms == 0:
            speed = np.clip(speed + rng.uniform(-speed_step, speed_step, n), -max_speed, max_speed)
            rate = np.clip(rate + speed / 1000.0, 0.0, max_rate)
    return raster


def hidden_pattern(duration=30_000.0, n_afferents=2000, n_pattern=1000, length=50.0,
                   frequency=0.25, noise=10.0, dt=1.0, seed=0):
    """The input: `duration` ms of wandering spike trains; in each `length` ms section the
    pattern afferents replay the same frozen spikes with probability `frequency` (never twice
    in a row); `noise` Hz of extra Poisson spikes everywhere."""
    for name, value in (("duration", duration), ("length", length), ("dt", dt)):
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a positive number of ms, got {value!r}")
    if not 0 < n_pattern <= n_afferents:
        raise ValueError(f"n_pattern must be in 1..n_afferents ({n_afferents}), got {n_pattern}")
    if not 0 <= frequency < 0.5:
        raise ValueError(f"frequency must be in [0, 0.5) (never twice in a row), got {frequency}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0 Hz, got {noise}")
    rng = np.random.default_rng(seed)
    section = int(round(length / dt))
    sections = int(round(duration / dt)) // section
    raster = wandering_spike_trains(n_afferents, sections * section, rng, dt)
    afferents = np.sort(rng.choice(n_afferents, n_pattern, replace=False))
    frozen = wandering_spike_trains(n_afferents, section, rng, dt)[:, afferents]
    onsets, previous = [], False
    # P(pattern) = p / (1 - p) after a free section gives a pattern in a fraction p of sections
    chance = frequency / (1.0 - frequency)
    for i in range(sections):
        previous = not previous and rng.random() < chance
        if previous:
            raster[i * section:(i + 1) * section, afferents] = frozen
            onsets.append(i * section * dt)
    raster |= rng.random(raster.shape) < noise * dt / 1000.0
    return HiddenPattern(raster, np.array(onsets), afferents, float(length), float(dt))


@dataclass
class PatternRun:
    """What the STDP neuron did: its spike times (ms), its potential u every step and the
    final weight of each afferent."""
    spike_times: np.ndarray
    potential: np.ndarray
    weights: np.ndarray


def learn_hidden_pattern(pattern, threshold=500.0, w_init=0.475, a_plus=2 ** -5,
                         a_minus_ratio=0.9, tau_plus=16.8, tau_minus=33.7, progress=False):
    """Run one SRM neuron with nearest-spike STDP on the `pattern` input.

    The paper's values, except a- = 0.9 a+ instead of 0.85 a+: with 0.85 this clock-driven
    version ends with every weight at 1, firing everywhere, while an event-driven run of
    the same experiment learns at 0.85 (docs/brain.md, tests/brain/event_driven.py)."""
    source = SpikeTrainGroup(pattern.raster)
    neuron = SRMGroup(1, threshold=threshold)
    synapses = Synapses(source, neuron, "w", np.full((source.n, 1), float(w_init)))
    rule = STDP(synapses, a_plus=a_plus, a_minus=-a_minus_ratio * a_plus, tau_plus=tau_plus,
                tau_minus=tau_minus, interaction="nearest")
    spikes, potential = SpikeMonitor(neuron), StateMonitor(neuron, "u")
    Network([source, neuron], [synapses], [spikes, potential], plasticity=[rule]).run(
        len(pattern.raster) * pattern.dt, pattern.dt, progress=progress)
    return PatternRun(np.asarray(spikes.t), potential.values[:, 0],
                      synapses.weights.toarray()[:, 0])


def in_pattern(pattern, spike_times):
    """Which of the spike times (ms, step ends) fall inside a presentation of the pattern."""
    times = np.asarray(spike_times)
    inside = np.zeros(len(times), dtype=bool)
    for onset in pattern.onsets:
        inside |= (times > onset) & (times <= onset + pattern.length)
    return inside


def latencies(pattern, spike_times):
    """Per presentation: onset (ms) and the latency of the first spike in it (NaN if none)."""
    times = np.asarray(spike_times)
    result = []
    for onset in pattern.onsets:
        during = times[(times > onset) & (times <= onset + pattern.length)]
        result.append(during[0] - onset if len(during) else np.nan)
    return pattern.onsets, np.array(result)


def score(pattern, spike_times, start=None, end=None):
    """How well the output answers the pattern in [start, end) ms: the fraction of
    presentations with a spike inside (hits), spikes outside per second (false alarms),
    and the median latency of the first spike after each onset (ms)."""
    total = len(pattern.raster) * pattern.dt
    start, end = (0.0 if start is None else start), (total if end is None else end)
    times = np.asarray(spike_times)
    times = times[(times >= start) & (times < end)]
    onsets, latency = latencies(pattern, times)
    latency = latency[(onsets >= start) & (onsets + pattern.length <= end)]
    answered = latency[np.isfinite(latency)]
    return {"presentations": int(len(latency)),
            "hit_rate": float(len(answered) / len(latency)) if len(latency) else float("nan"),
            "false_alarms_per_s": float((~in_pattern(pattern, times)).sum()
                                        / ((end - start) / 1000.0)),
            "median_latency_ms": float(np.median(answered)) if len(answered) else float("nan")}


def learning_result(pattern, run, duration, seed):
    """A run scored as in the paper: the first 5 s and the last 10 s, whether it learned
    (hit rate >= 90 % and < 1 false alarm per second at the end), and how many weights
    ended above 0.5 among the pattern's afferents and among the others."""
    first, last = score(pattern, run.spike_times, 0, 5000), \
        score(pattern, run.spike_times, duration - 10_000)
    carriers = pattern.carriers
    return {"seed": seed, "first_5s": first, "last_10s": last,
            "learned": last["hit_rate"] >= 0.9 and last["false_alarms_per_s"] < 1.0,
            "strong_weights_in_pattern": int((run.weights[carriers] > 0.5).sum()),
            "strong_weights_elsewhere": int((run.weights[~carriers] > 0.5).sum())}
