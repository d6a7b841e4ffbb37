"""The spike response model: a neuron described by the response kernels of its input and of
its own spikes rather than by a differential equation."""
from __future__ import annotations

import math

import numpy as np

from .neurons import NeuronGroup, _finite, _positive


class SRMGroup(NeuronGroup):
    """Spike response model (Gerstner's SRM0) in the form of Masquelier et al. (2008):

    u(t) = eta(t - t_last) + sum_j w_j K(t - t_j), summed over input spikes since the last spike,
    K(s) = K0 (e^{-s/tau_m} - e^{-s/tau_s}), scaled so that its peak is 1,
    eta(s) = T (K1 e^{-s/tau_m} - K2 (e^{-s/tau_m} - e^{-s/tau_s})),

    the spike itself (u jumps to K1 T) and the hyperpolarisation after it. A spike is an
    upward crossing of the threshold T. Both kernels are sums of the same two exponentials,
    so four decaying numbers per neuron hold the state exactly, at any dt. Units are the
    paper's: weights in [0, 1] scale an EPSP of peak 1, T = 500.
    """

    shown = (("threshold", ""), ("tau_m", "ms"), ("tau_s", "ms"))

    def __init__(self, n, threshold=500.0, tau_m=10.0, tau_s=2.5, k1=2.0, k2=4.0):
        super().__init__(n)
        self.threshold = _positive("threshold", threshold)
        self.tau_m, self.tau_s = _positive("tau_m", tau_m), _positive("tau_s", tau_s)
        if not self.tau_s < self.tau_m:
            raise ValueError(f"tau_s ({tau_s}) must be shorter than tau_m ({tau_m})")
        self.k1, self.k2 = float(_finite("k1", k1)), float(_finite("k2", k2))
        tau_m, tau_s = self.tau_m, self.tau_s
        peak = tau_m * tau_s / (tau_m - tau_s) * math.log(tau_m / tau_s)   # when K peaks
        self.k0 = 1.0 / (math.exp(-peak / self.tau_m) - math.exp(-peak / self.tau_s))
        self.epsp_m, self.epsp_s = np.zeros(self.n), np.zeros(self.n)   # input, two decays
        self.after_m, self.after_s = np.zeros(self.n), np.zeros(self.n)   # eta, two decays
        self.u = np.zeros(self.n)
        self.below = np.ones(self.n, dtype=bool)   # u was under threshold: may cross upward
        self.channels = {"w": np.zeros(self.n)}   # summed weights of the spikes arriving now

    def check_dt(self, dt):
        super().check_dt(dt)
        if dt > self.tau_s / 2:
            raise ValueError(f"dt = {dt} ms is too large for tau_s = {self.tau_s} ms; use dt <= "
                             f"{self.tau_s / 2} ms")

    def step(self, dt, current=0.0):
        """Advance by dt; `current` adds to u like a constant input (the paper uses none)."""
        decay_m, decay_s = math.exp(-dt / self.tau_m), math.exp(-dt / self.tau_s)
        for trace, decay in ((self.epsp_m, decay_m), (self.epsp_s, decay_s),
                             (self.after_m, decay_m), (self.after_s, decay_s)):
            trace *= decay
        arriving = self.channels["w"]
        self.epsp_m += arriving
        self.epsp_s += arriving
        arriving[:] = 0.0
        self.u = self.k0 * (self.epsp_m - self.epsp_s) + self.after_m + self.after_s + current
        spikes = self.below & (self.u > self.threshold)
        self.below = self.u <= self.threshold
        if spikes.any():
            self.epsp_m[spikes] = self.epsp_s[spikes] = 0.0   # earlier EPSPs are forgotten
            self.after_m[spikes] = self.threshold * (self.k1 - self.k2)
            self.after_s[spikes] = self.threshold * self.k2
            self.u[spikes] = self.threshold * self.k1   # the spike: eta(0)
            self.below[spikes] = False
        return spikes
