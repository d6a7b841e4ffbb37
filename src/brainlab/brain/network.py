"""Network: neuron groups, synapses, inputs and monitors advanced together in time."""
from __future__ import annotations

import sys

import numpy as np
from tqdm.auto import tqdm


class PoissonInput:
    """Independent Poisson spike trains at `rate` Hz into a group's channel, `weight` each."""

    def __init__(self, group, target, count, rate, weight, rng=None):
        if target not in group.channels:
            raise ValueError(f"the group has no input channel {target!r}")
        if rate < 0 or count < 0:
            raise ValueError("Poisson input needs a rate >= 0 Hz and a count >= 0")
        self.group, self.target, self.count = group, target, int(count)
        self.rate, self.weight = float(rate), float(weight)
        self.rng = np.random.default_rng(rng)

    def apply(self, dt):
        spikes = self.rng.binomial(self.count, min(1.0, self.rate * dt / 1000.0), self.group.n)
        self.group.channels[self.target] += self.weight * spikes


def available_memory():
    """Bytes this machine can still give (MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def check_memory(monitors, steps, dt):
    """Refuse, before the first step, a run whose monitors would need more memory than
    the machine has free (they keep every recorded step)."""
    needed = steps * sum(monitor.bytes_per_step(dt) for monitor in monitors
                         if hasattr(monitor, "bytes_per_step"))   # a user's own may not say
    free = available_memory()
    if free is not None and needed > free:
        raise ValueError(f"{steps:,} steps of {dt:g} ms: the monitors would need about "
                         f"{needed / 2 ** 30:,.1f} GiB and {free / 2 ** 30:,.1f} GiB is free; "
                         f"simulate less time, a larger time step or fewer monitors")


class Network:
    """Steps every group with its input current, then passes spikes through the synapses.

    The order in each step follows Brian2's schedule: inputs, state update (which
    includes threshold and reset), synaptic propagation, monitors.
    """

    def __init__(self, groups, synapses=(), monitors=(), inputs=(), currents=None,
                 plasticity=()):
        self.groups, self.synapses = list(groups), list(synapses)
        self.plasticity = list(plasticity)   # rules with update(pre_spikes, post_spikes, dt)
        self.monitors, self.inputs = list(monitors), list(inputs)
        # constant or callable(t) input current, keyed by group (or its index in groups)
        self.currents = {self._index(key): value for key, value in (currents or {}).items()}
        for index, current in self.currents.items():
            if not callable(current) and not np.isfinite(np.asarray(current, dtype=float)).all():
                raise ValueError(f"the input current of group {index} must be finite (no NaN "
                                 f"or inf), got {current!r}")
        self.t = 0.0

    def _index(self, key):
        for index, group in enumerate(self.groups):
            if key is group:
                return index
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self.groups):
            return int(key)
        raise ValueError(f"currents: {key!r} is not one of this network's groups (give the "
                         f"group itself, or its index 0..{len(self.groups) - 1})")

    def __repr__(self):
        return (f"Network({len(self.groups)} groups of {sum(g.n for g in self.groups)} "
                f"neurons, {len(self.synapses)} synapses, {len(self.monitors)} monitors, "
                f"t={self.t:g} ms)")

    def run(self, duration, dt=0.1, progress=False):
        """Simulate `duration` ms in steps of `dt` ms."""
        if not np.isfinite(duration) or duration <= 0:
            raise ValueError(f"duration must be a positive number of ms, got {duration!r}")
        if not np.isfinite(dt) or dt <= 0:
            raise ValueError(f"dt must be a positive number of ms, got {dt!r}")
        for group in self.groups:
            group.check_dt(dt)
        for synapse in self.synapses:
            synapse.prepare(dt)
        steps = int(round(duration / dt))
        check_memory(self.monitors, steps, dt)
        state = {"dt": dt}
        by_group = {id(g): [] for g in self.groups}
        for monitor in self.monitors:
            by_group.setdefault(id(monitor.group), []).append(monitor)
        outgoing = {id(g): [s for s in self.synapses if s.pre is g] for g in self.groups}
        bar = tqdm(total=steps, desc="simulating", unit="step", file=sys.stderr,
                   disable=True if not progress else None, leave=False, mininterval=0.5)
        currents = [self.currents.get(index, 0.0) for index in range(len(self.groups))]
        for _ in range(steps):
            for source in self.inputs:
                source.apply(dt)
            fired = [group.step(dt, current(self.t) if callable(current) else current)
                     for group, current in zip(self.groups, currents)]
            self.t += dt
            for group, spikes in zip(self.groups, fired):
                state["fired"] = indices = np.flatnonzero(spikes)
                for synapse in outgoing[id(group)]:
                    synapse.transmit(indices)
                for monitor in by_group[id(group)]:
                    monitor.record(self.t, spikes, state)
            if self.plasticity:
                spikes_of = {id(g): s for g, s in zip(self.groups, fired)}
                for rule in self.plasticity:
                    rule.update(spikes_of[id(rule.synapses.pre)],
                                spikes_of[id(rule.synapses.post)], dt)
            bar.update(1)
        bar.close()
        return self
