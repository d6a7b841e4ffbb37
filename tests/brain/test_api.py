"""The brain API as a user meets it: objects that describe themselves, currents keyed by
group, and v_init on the groups that have a membrane potential."""
import numpy as np
import pytest

from brainlab.brain import (AdExGroup, HodgkinHuxleyGroup, IzhikevichGroup, LIFGroup, Network,
                            PopulationRateMonitor, SpikeMonitor, SRMGroup, StateMonitor,
                            Synapses)


def test_groups_monitors_synapses_and_networks_describe_themselves():
    lif = LIFGroup(4, tau_m=20.0, v_threshold=-50.0, channels={"e": 5.0})
    assert repr(lif).startswith("LIFGroup(4, tau_m=20 ms, v_rest=-49 mV, v_threshold=-50 mV")
    assert repr(AdExGroup(2)).startswith("AdExGroup(2, preset='tonic', C=")
    assert "IzhikevichGroup(3" in repr(IzhikevichGroup(3))
    assert "method='rk4'" in repr(HodgkinHuxleyGroup(1))
    assert "threshold=500" in repr(SRMGroup(1))
    spikes = SpikeMonitor(lif)
    synapses = Synapses(lif, lif, "e", np.eye(4))
    network = Network([lif], [synapses], [spikes, StateMonitor(lif), PopulationRateMonitor(lif)])
    assert repr(synapses) == "Synapses(LIFGroup(4) -> LIFGroup(4).e, 4 synapses, delay 0 ms)"
    assert repr(network) == "Network(1 groups of 4 neurons, 1 synapses, 3 monitors, t=0 ms)"
    assert "0 spikes" in repr(spikes)


def test_currents_are_keyed_by_group_or_index():
    quiet, driven = LIFGroup(1, v_rest=0, v_reset=0, v_threshold=15), \
        LIFGroup(1, v_rest=0, v_reset=0, v_threshold=15)
    monitors = [SpikeMonitor(quiet), SpikeMonitor(driven)]
    Network([quiet, driven], monitors=monitors, currents={driven: 20.0}).run(100.0)
    assert len(monitors[0].t) == 0 and len(monitors[1].t) > 0
    with pytest.raises(ValueError, match="not one of this network's groups"):
        Network([quiet], currents={driven: 1.0})
    with pytest.raises(ValueError, match="not one of this network's groups"):
        Network([quiet], currents={3: 1.0})


def test_v_init_sets_the_starting_potential():
    assert np.all(AdExGroup(3, v_init=-60.0).v == -60.0)
    assert np.all(AdExGroup(3).v == AdExGroup(3).E_L)
    assert np.all(LIFGroup(2, v_init=-55.0).v == -55.0)
    assert np.all(IzhikevichGroup(2, v_init=-70.0).v == -70.0)
    with pytest.raises(ValueError, match="v_init must be finite"):
        AdExGroup(1, v_init=np.nan)


def test_spike_sources_accept_synapses_on_their_own_channels():
    from scipy import sparse

    from brainlab.brain import PoissonGroup, SpikeTrainGroup

    pre = SpikeTrainGroup.from_times(1, {0: [1.0]}, 5.0, 0.1)
    post = SpikeTrainGroup.from_times(1, {0: [3.0]}, 5.0, 0.1, channels=("ge",))
    assert set(post.channels) == {"ge"}
    Network([pre, post], [Synapses(pre, post, "ge", sparse.csr_matrix([[0.5]]))]).run(5.0)
    assert set(PoissonGroup(2, 5.0, channels=("ge", "gi")).channels) == {"ge", "gi"}
    with pytest.raises(ValueError, match="no input channel 'ge'"):
        Synapses(pre, SpikeTrainGroup.from_times(1, {}, 5.0, 0.1), "ge", np.ones((1, 1)))


def test_one_vocabulary_with_the_papers_symbols_as_aliases():
    by_symbol = AdExGroup(1, E_L=-70.6, V_T=-50.4, V_r=-70.6, C=281.0, g_L=30.0, Delta_T=2.0,
                          a=4.0, tau_w=144.0, b=80.5, preset=None)
    by_name = AdExGroup(1, v_rest=-70.6, v_threshold=-50.4, v_reset=-70.6, capacitance=281.0,
                        g_leak=30.0, delta_t=2.0, a=4.0, tau_w=144.0, b=80.5, preset=None)
    for name in ("v_rest", "v_threshold", "v_reset", "capacitance", "g_leak", "delta_t"):
        assert getattr(by_symbol, name) == getattr(by_name, name)
    lif, izhikevich = LIFGroup(1), IzhikevichGroup(1, v_reset=-55.0)
    assert izhikevich.v_reset == izhikevich.c[0] == -55.0
    for group in (lif, by_name, izhikevich):
        assert hasattr(group, "v_reset") and hasattr(group, "v")
    with pytest.raises(ValueError, match="give E_L or its alias v_rest, not both"):
        AdExGroup(1, E_L=-70.0, v_rest=-70.0)
    with pytest.raises(ValueError, match="give c or its alias v_reset"):
        IzhikevichGroup(1, c=-50.0, v_reset=-55.0)
    assert repr(IzhikevichGroup(1000)).startswith(
        "IzhikevichGroup(1000, preset='regular_spiking', a=0.02, b=0.2, c=-65 mV, d=8)")
