"""The classic benchmark networks, built from groups and synapses.

- ``cuba``: Brette et al. (2007) benchmark 2 as in Brian2's CUBA example: 4,000 LIF
  neurons (3,200 excitatory, 800 inhibitory), p = 0.02, current-based synapses.
- ``coba``: benchmark 1, the same network with conductance-based synapses.
- ``izhikevich``: the 1,000-neuron network of Izhikevich (2003), 800 regular-spiking-like
  excitatory and 200 fast-spiking-like inhibitory cells with random thalamic input.
- ``hh``: one Hodgkin-Huxley neuron under a step current.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sparse

from .monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor
from .network import Network
from .neurons import HodgkinHuxleyGroup, IzhikevichGroup, LIFGroup
from .synapses import Synapses

CUBA = dict(n=4000, n_excitatory=3200, p=0.02, tau_m=20.0, tau_e=5.0, tau_i=10.0,
            v_threshold=-50.0, v_reset=-60.0, v_rest=-49.0, refractory=5.0, w_e=1.62, w_i=-9.0)


def _monitors(group, record, record_v):
    makers = {"spikes": lambda: SpikeMonitor(group), "rate": lambda: PopulationRateMonitor(group),
              "v": lambda: StateMonitor(group, "v", record_v)}
    unknown = set(record) - set(makers)
    if unknown:
        raise ValueError(f"unknown monitors {sorted(unknown)}; expected some of {sorted(makers)}")
    return {name: makers[name]() for name in record}


def cuba(seed=0, n=4000, p=0.02, record_v=(0, 1, 2), record=("spikes", "rate", "v")):
    """(network, monitors) of the CUBA benchmark; v starts uniform in [v_reset, v_threshold]."""
    rng = np.random.default_rng(seed)
    c = CUBA
    n_exc = int(round(n * c["n_excitatory"] / c["n"]))
    group = LIFGroup(n, tau_m=c["tau_m"], v_rest=c["v_rest"], v_reset=c["v_reset"],
                     v_threshold=c["v_threshold"], refractory=c["refractory"],
                     channels={"ge": c["tau_e"], "gi": c["tau_i"]},
                     v_init=c["v_reset"] + rng.random(n) * (c["v_threshold"] - c["v_reset"]))
    excitatory = Synapses.random(group, group, "ge", p, c["w_e"], rng=rng,
                                 pre_indices=np.arange(n_exc))
    inhibitory = Synapses.random(group, group, "gi", p, c["w_i"], rng=rng,
                                 pre_indices=np.arange(n_exc, n))
    monitors = _monitors(group, record, record_v)
    return Network([group], [excitatory, inhibitory], monitors.values()), monitors


def coba(seed=0, n=4000, p=0.02, record_v=(0, 1, 2)):
    """Benchmark 1 (COBA) as in Brian's COBA example: conductances relative to the leak,
    excitatory +0.6 toward 0 mV, inhibitory +6.7 toward -80 mV, rest and reset -60 mV,
    threshold -50 mV; the network starts from random voltages and conductances."""
    rng = np.random.default_rng(seed)
    n_exc = int(round(n * 0.8))
    group = LIFGroup(n, tau_m=20.0, v_rest=-60.0, v_reset=-60.0, v_threshold=-50.0,
                     refractory=5.0, channels={"ge": 5.0, "gi": 10.0}, synapse="conductance",
                     reversal={"ge": 0.0, "gi": -80.0},
                     v_init=-60.0 + rng.standard_normal(n) * 5 - 5)
    group.channels["ge"][:] = (rng.standard_normal(n) * 1.5 + 4).clip(0)
    group.channels["gi"][:] = (rng.standard_normal(n) * 12 + 20).clip(0)
    excitatory = Synapses.random(group, group, "ge", p, 0.6, rng=rng,
                                 pre_indices=np.arange(n_exc))
    inhibitory = Synapses.random(group, group, "gi", p, 6.7, rng=rng,
                                 pre_indices=np.arange(n_exc, n))
    monitors = _monitors(group, ("spikes", "rate", "v"), record_v)
    return Network([group], [excitatory, inhibitory], monitors.values()), monitors


def izhikevich(seed=0, n_excitatory=800, n_inhibitory=200, record_v=(0, 850)):
    """The paper's network: heterogeneous a, b, c, d; all-to-all weights S (0.5 * U(0, 1)
    from excitatory, -U(0, 1) from inhibitory cells); thalamic input 5 N(0, 1) and 2 N(0, 1).
    Run it with dt = 1 ms (the paper's step, with two half-steps for v)."""
    rng = np.random.default_rng(seed)
    r_e, r_i = rng.random(n_excitatory), rng.random(n_inhibitory)
    n = n_excitatory + n_inhibitory
    group = IzhikevichGroup(
        n, preset=None, half_steps=True,
        a=np.r_[0.02 * np.ones(n_excitatory), 0.02 + 0.08 * r_i],
        b=np.r_[0.2 * np.ones(n_excitatory), 0.25 - 0.05 * r_i],
        c=np.r_[-65 + 15 * r_e ** 2, -65 * np.ones(n_inhibitory)],
        d=np.r_[8 - 6 * r_e ** 2, 2 * np.ones(n_inhibitory)])
    weights = np.c_[0.5 * rng.random((n, n_excitatory)), -rng.random((n, n_inhibitory))].T
    synapses = Synapses(group, group, "I", sparse.csr_matrix(weights))
    thalamic_scale = np.r_[5.0 * np.ones(n_excitatory), 2.0 * np.ones(n_inhibitory)]
    monitors = _monitors(group, ("spikes", "rate", "v"), record_v)
    network = Network([group], [synapses], monitors.values(),
                      currents={0: lambda t: thalamic_scale * rng.standard_normal(n)})
    return network, monitors


def hh(current=10.0, method="exponential_euler"):
    """One Hodgkin-Huxley neuron under a constant current (uA/cm^2)."""
    group = HodgkinHuxleyGroup(1, method=method)
    monitors = _monitors(group, ("spikes", "rate", "v"), (0,))
    return Network([group], [], monitors.values(), currents={0: current}), monitors


MODELS = {"cuba": (cuba, 0.1), "coba": (coba, 0.1), "izhikevich": (izhikevich, 1.0),
          "hh": (hh, 0.01)}   # builder and its natural dt (ms)
