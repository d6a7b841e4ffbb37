"""Short experiments on the library that the command line and the docs share: a LIF
neuron's rate response (f-I curve), the eight AdEx firing patterns, and a step unit, a
sigmoid unit and a LIF neuron under the same slowly varying drive."""
import numpy as np

from .monitors import SpikeMonitor, StateMonitor
from .network import Network
from .neurons import ADEX_PRESETS, AdExGroup, LIFGroup


def lif_rates(drives, duration=1000.0, dt=0.1, **parameters):
    """Firing rate (Hz) of LIF neurons under constant drives R*I (mV)."""
    drives = np.asarray(drives, dtype=float)
    group = LIFGroup(len(drives), **{"tau_m": 20.0, "v_rest": -65.0, "v_reset": -65.0,
                                     "v_threshold": -50.0, "refractory": 2.0, **parameters})
    spikes = SpikeMonitor(group)
    Network([group], monitors=[spikes], currents={group: drives}).run(duration, dt)
    return spikes.count / (duration / 1000.0)


def adex_patterns(duration=500.0, dt=0.02):
    """{preset: (times, v trace, spike times)} for each AdEx preset under its step current."""
    results = {}
    for name in ADEX_PRESETS:
        group = AdExGroup(1, name)
        spikes, voltage = SpikeMonitor(group), StateMonitor(group, "v")
        Network([group], monitors=[spikes, voltage],
                currents={group: group.preset_current}).run(duration, dt)
        results[name] = (voltage.t, voltage.values[:, 0], spikes.t)
    return results


def unit_responses(duration=1000.0, dt=0.1, threshold=15.0):
    """(time in ms, drive in mV, {name: response}) for a step unit (Perceptron), a sigmoid
    unit and a LIF neuron's v, all under two slow bumps of drive peaking at 20 mV."""
    from ..nn import Perceptron
    from ..nn.activations import get_activation

    time_axis = np.arange(1, int(duration / dt) + 1) * dt
    drive = 20.0 * np.sin(2 * np.pi * time_axis / 500.0) ** 2   # mV, two slow bumps
    unit = Perceptron()
    unit.weights, unit.bias = np.array([1.0]), -threshold        # fires when drive >= threshold
    step = unit.predict(drive[:, None])
    sigmoid = get_activation("sigmoid")((drive - threshold) / 2.0)
    group = LIFGroup(1, tau_m=20.0, v_rest=-65.0, v_reset=-65.0, v_threshold=-65 + threshold,
                     refractory=2.0)
    voltage = StateMonitor(group, "v", (0,))
    Network([group], monitors=[voltage],   # the network asks for the drive at each step's start
            currents={group: lambda t: drive[int(round(t / dt))]}).run(duration, dt)
    return time_axis, drive, {"step unit (Perceptron)": step, "sigmoid unit": sigmoid,
                              "LIF neuron v (mV)": voltage.values[:, 0]}
