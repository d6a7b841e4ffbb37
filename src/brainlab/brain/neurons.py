"""Neuron models as vectorized groups of differential equations: leaky integrate-and-fire,
Izhikevich (2003), adaptive exponential IF (2005) and Hodgkin-Huxley (1952).

Units: time in ms, membrane potential in mV. Every group has ``step(dt, current)``
that advances its state by dt and returns a boolean array of which neurons spiked.
"""
from __future__ import annotations

import math

import numpy as np


def _positive(name, value):
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _finite(name, value):
    array = np.asarray(value, dtype=float)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite (no NaN or inf), got {value!r}")
    return array


class NeuronGroup:
    """N neurons with vectorized state; subclasses implement ``step``."""

    # Models whose v is reset within the step that crosses threshold set the spike's peak
    # here, so that a StateMonitor of v can draw the spike (None: v shows it already).
    spike_peak = None

    def __init__(self, n):
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"a neuron group needs a positive number of neurons, got {n!r}")
        self.n = int(n)
        self.channels = {}   # synaptic input variables that Synapses may add to

    # (attribute, unit) pairs a repr shows, e.g. LIFGroup(4000, tau_m=20 ms, ...)
    shown = ()

    def check_dt(self, dt):
        _positive("dt", dt)

    def __len__(self):
        return self.n

    def __repr__(self):
        parts = [str(self.n)]
        for name, unit in self.shown:
            value = getattr(self, name, None)
            if isinstance(value, np.ndarray):   # per-neuron parameters: one value if shared
                value = float(value.flat[0]) if value.size and np.all(value == value.flat[0]) \
                    else "per neuron"
            if value is not None:
                parts.append(f"{name}={value:g}{' ' + unit if unit else ''}"
                             if isinstance(value, (int, float)) else f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class LIFGroup(NeuronGroup):
    """Leaky integrate-and-fire: tau_m dv/dt = -(v - v_rest) + R I + sum_k s_k.

    Each synaptic channel s_k decays exponentially, tau_k ds_k/dt = -s_k, and a spike
    arriving through Synapses adds its weight to s_k. With ``synapse="current"`` s_k is
    a voltage-like current (mV) and the whole linear system is integrated exactly over
    each step (Rotter & Diesmann 1999), as Brian2's 'exact' method does. With
    ``synapse="conductance"`` s_k is a conductance relative to the leak, driving
    v toward its reversal potential E_k: exponential Euler with the step's total
    conductance. After a spike v stays at v_reset for `refractory` ms.
    """

    shown = (("tau_m", "ms"), ("v_rest", "mV"), ("v_threshold", "mV"), ("v_reset", "mV"),
             ("refractory", "ms"), ("synapse", ""))

    def __init__(self, n, tau_m=20.0, v_rest=-49.0, v_reset=-60.0, v_threshold=-50.0,
                 refractory=5.0, resistance=1.0, channels=None, synapse="current",
                 reversal=None, v_init=None):
        super().__init__(n)
        self.tau_m = _positive("tau_m", tau_m)
        self.v_rest, self.v_reset, self.v_threshold = (
            float(_finite(name, value)) for name, value in
            (("v_rest", v_rest), ("v_reset", v_reset), ("v_threshold", v_threshold)))
        if self.v_reset >= self.v_threshold:
            raise ValueError(f"v_reset ({v_reset}) must lie below v_threshold ({v_threshold})")
        self.refractory = float(_finite("refractory", refractory))
        if self.refractory < 0:
            raise ValueError(f"refractory must be >= 0 ms, got {refractory}")
        self.resistance = float(_finite("resistance", resistance))
        if synapse not in ("current", "conductance"):
            raise ValueError(f"synapse must be 'current' or 'conductance', got {synapse!r}")
        self.synapse = synapse
        self.taus = {name: _positive(f"tau of channel {name!r}", tau)
                     for name, tau in (channels or {}).items()}
        for name, tau in self.taus.items():
            if synapse == "current" and math.isclose(tau, self.tau_m):
                raise ValueError(f"channel {name!r}: tau must differ from tau_m for exact "
                                 f"integration")
        self.reversal = {name: float(_finite(f"reversal of {name}", e))
                         for name, e in (reversal or {}).items()}
        if synapse == "conductance" and set(self.reversal) != set(self.taus):
            raise ValueError("conductance synapses need a reversal potential for every channel")
        self.v = np.full(self.n, self.v_rest) if v_init is None else \
            np.array(_finite("v_init", v_init), dtype=float) * np.ones(self.n)
        self.channels = {name: np.zeros(self.n) for name in self.taus}
        self.refractory_until = np.full(self.n, -np.inf)
        self.t = 0.0
        self._propagators = None

    def check_dt(self, dt):
        super().check_dt(dt)
        fastest = min([self.tau_m, *self.taus.values()])
        if dt > fastest / 2:
            raise ValueError(f"dt = {dt} ms is too large for the fastest time constant "
                             f"({fastest} ms); use dt <= {fastest / 2} ms")

    def _coefficients(self, dt):
        if self._propagators is None or self._propagators[0] != dt:
            decay_m = math.exp(-dt / self.tau_m)
            channel = {}
            for name, tau in self.taus.items():
                decay = math.exp(-dt / tau)
                # the exact effect of s(t) = s0 e^{-t/tau} on v over one step
                gain = tau / (tau - self.tau_m) * (decay - decay_m) \
                    if self.synapse == "current" else 0.0
                channel[name] = (decay, gain)
            self._propagators = (dt, decay_m, channel)
        return self._propagators[1], self._propagators[2]

    def step(self, dt, current=0.0):
        """Advance by dt with external input `current` (R*I in mV, constant over the step)."""
        decay_m, channel = self._coefficients(dt)
        v_new, scratch = self._work()
        if self.synapse == "current":
            # v <- v_inf + (v - v_inf) e^{-dt/tau_m} + sum_k gain_k s_k, with v_inf = v_rest + R I
            v_inf = self.v_rest + self.resistance * current if np.ndim(current) == 0 else \
                self.v_rest + self.resistance * np.asarray(current)
            np.subtract(self.v, v_inf, out=v_new)
            v_new *= decay_m
            v_new += v_inf
            for name, (decay, gain) in channel.items():
                np.multiply(self.channels[name], gain, out=scratch)
                v_new += scratch
        else:
            total = 1.0 + sum(self.channels.values())
            drive = self.v_rest + self.resistance * np.asarray(current) + \
                sum(g * self.reversal[name] for name, g in self.channels.items())
            v_inf = drive / total
            np.subtract(self.v, v_inf, out=v_new)
            v_new *= np.exp(-dt * total / self.tau_m)
            v_new += v_inf
        for name, (decay, _) in channel.items():
            self.channels[name] *= decay
        if self.refractory > 0:   # refractory neurons hold v (Brian2's "unless refractory")
            np.copyto(self.v, v_new, where=self.refractory_until <= self.t + 1e-9)
        else:
            np.copyto(self.v, v_new)
        self.t += dt
        spikes = self.v > self.v_threshold
        if spikes.any():
            self.v[spikes] = self.v_reset
            self.refractory_until[spikes] = self.t + self.refractory
        return spikes

    def _work(self):
        if getattr(self, "_v_new", None) is None or len(self._v_new) != self.n:
            self._v_new, self._scratch = np.empty(self.n), np.empty(self.n)
        return self._v_new, self._scratch

    def analytic_period(self, drive):
        """Interspike interval of one neuron under constant R*I = drive (mV), starting at
        v_reset: tau ln((v_inf - v_reset) / (v_inf - v_threshold)) + refractory."""
        v_inf = self.v_rest + drive
        if v_inf <= self.v_threshold:
            return math.inf
        return self.tau_m * math.log((v_inf - self.v_reset) / (v_inf - self.v_threshold)) + \
            self.refractory


IZHIKEVICH_PRESETS = {
    # name: (a, b, c, d) from Izhikevich (2003), Fig. 2
    "regular_spiking": (0.02, 0.2, -65.0, 8.0),
    "intrinsically_bursting": (0.02, 0.2, -55.0, 4.0),
    "chattering": (0.02, 0.2, -50.0, 2.0),
    "fast_spiking": (0.1, 0.2, -65.0, 2.0),
    "low_threshold_spiking": (0.02, 0.25, -65.0, 2.0),
    "thalamo_cortical": (0.02, 0.25, -65.0, 0.05),
    "resonator": (0.1, 0.26, -65.0, 2.0),
}


class IzhikevichGroup(NeuronGroup):
    """Izhikevich (2003): v' = 0.04 v^2 + 5 v + 140 - u + I,  u' = a (b v - u);
    when v >= 30 mV: v <- c, u <- u + d. Two variables, most cortical firing patterns.

    ``half_steps=True`` integrates v in two half-steps per step, as the paper's code
    does for numerical stability (with dt = 1 ms: two steps of 0.5 ms).
    """

    spike_peak = 30.0   # the paper draws spikes at their cut-off, 30 mV

    shown = (("preset", ""), ("a", ""), ("b", ""), ("c", "mV"), ("d", ""))

    v_reset = property(lambda self: self.c, doc="brainlab's name for the paper's c (mV)")
    v_peak = property(lambda self: self.spike_peak, doc="the spike cut-off, 30 mV")

    def __init__(self, n, preset="regular_spiking", a=None, b=None, c=None, d=None,
                 half_steps=False, v_init=-65.0, v_reset=None):
        super().__init__(n)
        if v_reset is not None:
            if c is not None:
                raise ValueError("give c or its alias v_reset, not both")
            c = v_reset
        self.preset = preset
        if preset is not None and preset not in IZHIKEVICH_PRESETS:
            raise ValueError(f"unknown Izhikevich preset {preset!r}; expected one of "
                             f"{sorted(IZHIKEVICH_PRESETS)}")
        defaults = IZHIKEVICH_PRESETS[preset] if preset else (None,) * 4
        values = [defaults[i] if given is None else given for i, given in enumerate((a, b, c, d))]
        if any(v is None for v in values):
            raise ValueError("give a preset or all of a, b, c, d")
        self.a, self.b, self.c, self.d = (np.asarray(_finite(n_, v_), dtype=float) * np.ones(self.n)
                                          for n_, v_ in zip("abcd", values))
        self.half_steps = half_steps
        self.v = np.asarray(_finite("v_init", v_init), dtype=float) * np.ones(self.n)
        self.u = self.b * self.v
        self.channels = {"I": np.zeros(self.n)}   # instantaneous synaptic current, reset each step

    def check_dt(self, dt):
        super().check_dt(dt)
        if dt > 1.0:
            raise ValueError(f"dt = {dt} ms is too large for the Izhikevich model; use <= 1 ms")

    def step(self, dt, current=0.0):
        """Advance by dt (ms) with input current I (the model's dimensionless units)."""
        total = np.asarray(current) + self.channels["I"]
        pieces = 2 if self.half_steps else 1
        for _ in range(pieces):
            self.v += (dt / pieces) * (0.04 * self.v ** 2 + 5 * self.v + 140 - self.u + total)
        self.u += dt * self.a * (self.b * self.v - self.u)
        self.channels["I"][:] = 0.0
        spikes = self.v >= 30.0
        self.v[spikes] = self.c[spikes]
        self.u[spikes] += self.d[spikes]
        return spikes


ADEX_PRESETS = {
    # name: (C pF, g_L nS, E_L mV, V_T mV, Delta_T mV, a nS, tau_w ms, b pA, V_r mV), and the
    # step current (pA) that shows the pattern: Naud, Marcille, Clopath & Gerstner (2008), Table 1
    "tonic": ((200, 10, -70, -50, 2, 2, 30, 0, -58), 500),
    "adapting": ((200, 12, -70, -50, 2, 2, 300, 60, -58), 500),
    "initial_burst": ((130, 18, -58, -50, 2, 4, 150, 120, -50), 400),
    "regular_bursting": ((200, 10, -58, -50, 2, 2, 120, 100, -46), 210),
    "delayed_accelerating": ((200, 12, -70, -50, 2, -10, 300, 0, -58), 300),
    "delayed_regular_bursting": ((100, 10, -65, -50, 2, -10, 90, 30, -47), 110),
    "transient": ((100, 10, -65, -50, 2, 10, 90, 100, -47), 180),
    "irregular": ((100, 12, -60, -50, 2, -11, 130, 30, -48), 160),
}


class AdExGroup(NeuronGroup):
    """Adaptive exponential integrate-and-fire (Brette & Gerstner 2005):

    C dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_T)/Delta_T) - w + I
    tau_w dw/dt = a (V - E_L) - w;   when V > v_peak: V <- V_r, w <- w + b

    The exponential term is the spike's upswing; w is an adaptation current (b after each
    spike, a below threshold). Units: pF, nS, mV, ms, pA. Forward Euler, as Brian2's
    example; the exponent is capped so a step past v_peak cannot overflow.
    """

    shown = (("preset", ""), ("C", "pF"), ("g_L", "nS"), ("E_L", "mV"), ("V_T", "mV"),
             ("a", "nS"), ("tau_w", "ms"), ("b", "pA"), ("V_r", "mV"))

    # brainlab's names for the paper's symbols; both are accepted, and both can be read
    ALIASES = {"v_rest": "E_L", "v_threshold": "V_T", "v_reset": "V_r", "capacitance": "C",
               "g_leak": "g_L", "delta_t": "Delta_T"}
    v_rest = property(lambda self: self.E_L, doc="E_L, the leak reversal (mV)")
    v_threshold = property(lambda self: self.V_T, doc="V_T, where the exponential upswing "
                                                      "takes over (mV)")
    v_reset = property(lambda self: self.V_r, doc="V_r, the reset (mV)")
    capacitance = property(lambda self: self.C, doc="C, the membrane capacitance (pF)")
    g_leak = property(lambda self: self.g_L, doc="g_L, the leak conductance (nS)")
    delta_t = property(lambda self: self.Delta_T, doc="Delta_T, the slope factor (mV)")

    def __init__(self, n, preset="tonic", v_peak=0.0, v_init=None, **parameters):
        super().__init__(n)
        for alias, symbol in self.ALIASES.items():
            if alias in parameters:
                if symbol in parameters:
                    raise ValueError(f"give {symbol} or its alias {alias}, not both")
                parameters[symbol] = parameters.pop(alias)
        if preset is not None and preset not in ADEX_PRESETS:
            raise ValueError(f"unknown AdEx preset {preset!r}; expected one of "
                             f"{sorted(ADEX_PRESETS)}")
        names = ("C", "g_L", "E_L", "V_T", "Delta_T", "a", "tau_w", "b", "V_r")
        unknown = set(parameters) - set(names)
        if unknown:
            raise ValueError(f"unknown AdEx parameter(s) {sorted(unknown)}; expected {names} "
                             f"or their aliases {tuple(self.ALIASES)}")
        values = dict(zip(names, ADEX_PRESETS[preset][0])) if preset else {}
        values.update(parameters)
        if set(values) != set(names):
            raise ValueError(f"give a preset or all of {names}")
        for name in names:
            setattr(self, name, float(_finite(name, values[name])))
        for name in ("C", "g_L", "Delta_T", "tau_w"):
            _positive(name, getattr(self, name))
        self.v_peak = self.spike_peak = float(_finite("v_peak", v_peak))
        if not self.V_r < self.v_peak:
            raise ValueError(f"V_r ({self.V_r}) must lie below v_peak ({self.v_peak})")
        self.preset = preset
        self.preset_current = ADEX_PRESETS[preset][1] if preset else None
        self.v = np.full(self.n, self.E_L) if v_init is None else \
            np.array(_finite("v_init", v_init), dtype=float) * np.ones(self.n)
        self.w = np.zeros(self.n)
        self.channels = {"I": np.zeros(self.n)}   # instantaneous synaptic current (pA)

    def check_dt(self, dt):
        super().check_dt(dt)
        limit = min(0.1, self.C / self.g_L / 10)
        if dt > limit:
            raise ValueError(f"dt = {dt} ms is too large for AdEx (forward Euler); use dt <= "
                             f"{limit:g} ms")

    def step(self, dt, current=0.0):
        """Advance by dt (ms) with input current I (pA)."""
        current = np.asarray(current) + self.channels["I"]
        upswing = np.exp(np.minimum((self.v - self.V_T) / self.Delta_T, 30.0))
        dv = (-self.g_L * (self.v - self.E_L) + self.g_L * self.Delta_T * upswing
              - self.w + current) / self.C
        dw = (self.a * (self.v - self.E_L) - self.w) / self.tau_w
        self.v += dt * dv
        self.w += dt * dw
        self.channels["I"][:] = 0.0
        spikes = self.v > self.v_peak
        if spikes.any():
            self.v[spikes] = self.V_r
            self.w[spikes] += self.b
        return spikes


class HodgkinHuxleyGroup(NeuronGroup):
    """Hodgkin & Huxley (1952), squid giant axon, modern sign convention (rest -65 mV):

    C dV/dt = I - g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L)
    dx/dt = alpha_x(V) (1 - x) - beta_x(V) x   for x in m, h, n

    Units: mV, ms, uF/cm^2, mS/cm^2, uA/cm^2. Integrators: ``rk4`` (classic fourth
    order) or ``exponential_euler`` (each gate and V relax exactly toward their
    momentary steady state). A spike is an upward crossing of `spike_threshold`.
    """

    C, G_NA, G_K, G_L = 1.0, 120.0, 36.0, 0.3
    E_NA, E_K, E_L = 50.0, -77.0, -54.387

    shown = (("method", ""), ("spike_threshold", "mV"))

    def __init__(self, n, method="rk4", v_init=-65.0, spike_threshold=0.0):
        super().__init__(n)
        if method not in ("rk4", "exponential_euler"):
            raise ValueError(f"method must be 'rk4' or 'exponential_euler', got {method!r}")
        self.method, self.spike_threshold = method, float(spike_threshold)
        self.v = np.asarray(_finite("v_init", v_init), dtype=float) * np.ones(self.n)
        rates = self.rates(self.v)
        self.m, self.h, self.n_gate = (alpha / (alpha + beta) for alpha, beta in rates)
        self.channels = {"I": np.zeros(self.n)}

    def check_dt(self, dt):
        super().check_dt(dt)
        limit = 0.05 if self.method == "rk4" else 0.1
        if dt > limit:
            raise ValueError(f"dt = {dt} ms is too large for Hodgkin-Huxley ({self.method}); "
                             f"use dt <= {limit} ms")

    @staticmethod
    def rates(v):
        """(alpha, beta) for m, h and n at membrane potential v (mV), in 1/ms."""
        x = v + 40.0
        alpha_m = np.where(np.abs(x) < 1e-7, 1.0, 0.1 * x / (1.0 - np.exp(-x / 10.0) + 1e-300))
        beta_m = 4.0 * np.exp(-(v + 65.0) / 18.0)
        alpha_h = 0.07 * np.exp(-(v + 65.0) / 20.0)
        beta_h = 1.0 / (1.0 + np.exp(-(v + 35.0) / 10.0))
        y = v + 55.0
        alpha_n = np.where(np.abs(y) < 1e-7, 0.1, 0.01 * y / (1.0 - np.exp(-y / 10.0) + 1e-300))
        beta_n = 0.125 * np.exp(-(v + 65.0) / 80.0)
        return (alpha_m, beta_m), (alpha_h, beta_h), (alpha_n, beta_n)

    def derivatives(self, v, m, h, n, current):
        (am, bm), (ah, bh), (an, bn) = self.rates(v)
        i_ion = self.G_NA * m ** 3 * h * (v - self.E_NA) + self.G_K * n ** 4 * (v - self.E_K) \
            + self.G_L * (v - self.E_L)
        return ((current - i_ion) / self.C, am * (1 - m) - bm * m, ah * (1 - h) - bh * h,
                an * (1 - n) - bn * n)

    def step(self, dt, current=0.0):
        current = np.asarray(current) + self.channels["I"]
        before = self.v.copy()
        state = (self.v, self.m, self.h, self.n_gate)
        if self.method == "rk4":
            k1 = self.derivatives(*state, current)
            k2 = self.derivatives(*(s + 0.5 * dt * k for s, k in zip(state, k1)), current)
            k3 = self.derivatives(*(s + 0.5 * dt * k for s, k in zip(state, k2)), current)
            k4 = self.derivatives(*(s + dt * k for s, k in zip(state, k3)), current)
            self.v, self.m, self.h, self.n_gate = (
                s + dt / 6.0 * (a + 2 * b + 2 * c + d) for s, a, b, c, d in zip(state, k1, k2, k3, k4))
        else:
            gates = []
            for x, (alpha, beta) in zip((self.m, self.h, self.n_gate), self.rates(self.v)):
                total = alpha + beta
                x_inf = alpha / total
                gates.append(x_inf + (x - x_inf) * np.exp(-dt * total))
            m, h, n = gates
            g_na, g_k = self.G_NA * m ** 3 * h, self.G_K * n ** 4
            conductance = g_na + g_k + self.G_L
            v_inf = (g_na * self.E_NA + g_k * self.E_K + self.G_L * self.E_L + current) / conductance
            self.v = v_inf + (self.v - v_inf) * np.exp(-dt * conductance / self.C)
            self.m, self.h, self.n_gate = m, h, n
        self.channels["I"][:] = 0.0
        return (before < self.spike_threshold) & (self.v >= self.spike_threshold)
