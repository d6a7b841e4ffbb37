"""Neuron models against their known, published behaviour."""
import math

import numpy as np
import pytest

from brainlab.brain import (IZHIKEVICH_PRESETS, HodgkinHuxleyGroup, IzhikevichGroup, LIFGroup,
                            Network, SpikeMonitor, StateMonitor)
from brainlab.brain.experiments import adex_patterns
from brainlab.brain.neurons import ADEX_PRESETS, AdExGroup


def spike_times(group, current, duration, dt):
    spikes = SpikeMonitor(group)
    Network([group], monitors=[spikes], currents={0: current}).run(duration, dt)
    return spikes


@pytest.mark.parametrize("drive", [16.0, 20.0, 30.0])
def test_lif_period_is_the_analytic_one_within_a_step(drive):
    """v from reset to threshold under constant R*I: T = tau ln(RI / (RI - theta))."""
    dt, tau, theta = 0.1, 10.0, 15.0
    group = LIFGroup(1, tau_m=tau, v_rest=0.0, v_reset=0.0, v_threshold=theta, refractory=0.0)
    intervals = np.diff(spike_times(group, drive, 500.0, dt).t)
    expected = tau * math.log(drive / (drive - theta))
    assert group.analytic_period(drive) == pytest.approx(expected)
    assert np.all(np.abs(intervals - expected) <= dt)


def test_lif_halving_dt_moves_spikes_by_less_than_a_step():
    times = []
    for dt in (0.1, 0.05):
        group = LIFGroup(1, tau_m=20.0, v_rest=-65.0, v_reset=-70.0, v_threshold=-50.0,
                         refractory=2.0)
        times.append(spike_times(group, 25.0, 300.0, dt).t)
    assert len(times[0]) == len(times[1]) > 5
    assert np.max(np.abs(times[0] - times[1])) <= 0.1


def hh_rates(currents, method="exponential_euler", duration=600.0, dt=0.02, skip=200.0):
    group = HodgkinHuxleyGroup(len(currents), method=method)
    spikes = spike_times(group, np.asarray(currents, dtype=float), duration, dt)
    late = spikes.t > skip
    return np.bincount(spikes.i[late], minlength=len(currents)) / ((duration - skip) / 1000)


@pytest.mark.parametrize("method", ["rk4", "exponential_euler"])
def test_hh_type_ii_onset_between_6_and_7_and_70_hz_at_10(method):
    rates = hh_rates([6.0, 7.0, 10.0], method=method)
    assert rates[0] == 0                  # 6 uA/cm^2: no repetitive firing
    assert 40 <= rates[1] <= 65           # 7 uA/cm^2: jumps straight to ~50 Hz (type II)
    assert 62 <= rates[2] <= 75           # the f-I curve passes ~70 Hz at 10 uA/cm^2


def test_hh_rests_at_minus_65_and_spikes_peak_near_plus_40():
    group = HodgkinHuxleyGroup(1)
    trace = StateMonitor(group, "v")
    Network([group], monitors=[trace],
            currents={0: lambda t: 20.0 if 5.0 <= t < 6.0 else 0.0}).run(40.0, 0.01)
    v = trace.values[:, 0]
    assert v[0] == pytest.approx(-65.0, abs=0.1)
    assert 35.0 <= v.max() <= 50.0
    assert v[-1] == pytest.approx(-65.0, abs=2.0)


def test_hh_halving_dt_moves_spike_times_by_less_than_0_05_ms():
    times = [spike_times(HodgkinHuxleyGroup(1, method="rk4"), 10.0, 200.0, dt).t
             for dt in (0.02, 0.01)]
    assert len(times[0]) == len(times[1]) > 5
    assert np.max(np.abs(times[0] - times[1])) < 0.05


def izhikevich_spikes(preset, current=10.0, duration=500.0):
    group = IzhikevichGroup(1, preset=preset)
    return spike_times(group, current, duration, 0.25).t


def burst_fraction(times, gap=10.0):
    """The fraction of interspike intervals shorter than `gap` ms (inside bursts)."""
    intervals = np.diff(times)
    return float(np.mean(intervals < gap)) if len(intervals) else 0.0


def test_izhikevich_firing_patterns():
    regular = izhikevich_spikes("regular_spiking")
    fast = izhikevich_spikes("fast_spiking")
    chattering = izhikevich_spikes("chattering")
    bursting = izhikevich_spikes("intrinsically_bursting")
    # regular spiking: tonic, adapting, no bursts
    intervals = np.diff(regular)
    assert len(regular) >= 5 and burst_fraction(regular) == 0
    assert intervals[0] < intervals[-1]                       # spike-frequency adaptation
    # fast spiking: tonic, high rate, no adaptation to speak of
    assert len(fast) > 2.5 * len(regular)
    fast_intervals = np.diff(fast[len(fast) // 2:])
    assert fast_intervals.std() / fast_intervals.mean() < 0.05
    # chattering: repeated bursts of closely spaced spikes
    assert burst_fraction(chattering) > 0.5 and np.max(np.diff(chattering)) > 20
    # intrinsically bursting: an initial burst, then single spikes
    assert np.all(np.diff(bursting)[:2] < 10) and np.median(np.diff(bursting)[3:]) > 20


@pytest.mark.parametrize("preset", sorted(IZHIKEVICH_PRESETS))
def test_every_preset_fires_under_input(preset):
    assert len(izhikevich_spikes(preset, current=10.0, duration=300.0)) > 0


@pytest.mark.parametrize("make,message", [
    (lambda: LIFGroup(3, tau_m=float("nan")), "tau_m must be a positive number"),
    (lambda: LIFGroup(0), "positive number of neurons"),
    (lambda: IzhikevichGroup(1, preset="sleepy"), "unknown Izhikevich preset 'sleepy'"),
    (lambda: LIFGroup(1, v_reset=-40.0, v_threshold=-50.0), "must lie below"),
    (lambda: HodgkinHuxleyGroup(1, method="euler"), "rk4"),
    (lambda: AdExGroup(1, preset="lazy"), "unknown AdEx preset 'lazy'"),
    (lambda: AdExGroup(1, tau_w=float("nan")), "tau_w must be finite"),
    (lambda: AdExGroup(1, tau_v=3.0), "unknown AdEx parameter"),
])
def test_bad_parameters_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_dt_too_large_for_the_time_constants():
    with pytest.raises(ValueError, match="too large"):
        Network([LIFGroup(1, tau_m=1.0)]).run(10.0, dt=1.0)
    with pytest.raises(ValueError, match="too large"):
        Network([HodgkinHuxleyGroup(1)]).run(10.0, dt=0.5)
    with pytest.raises(ValueError, match="duration must be a positive"):
        Network([LIFGroup(1)]).run(-5.0)


def test_adex_presets_show_the_firing_patterns_of_naud_et_al_2008():
    """Each preset of Naud et al. (2008, Table 1) under its step current, 500 ms, by a
    measurable criterion on the spike times."""
    spikes = {name: result[2] for name, result in adex_patterns().items()}
    isi = {name: np.diff(times) for name, times in spikes.items()}
    assert isi["tonic"].max() / isi["tonic"].min() < 1.1                 # regular from the start
    assert isi["adapting"][-1] > 4 * isi["adapting"][0]                  # slows down
    burst = isi["initial_burst"]
    assert burst[:2].max() < burst[-1] / 5 and np.ptp(burst[-4:]) < 0.02 * burst[-1]
    for name, long in (("regular_bursting", 100), ("delayed_regular_bursting", 40)):
        assert (isi[name] < 10).sum() >= 3 and (isi[name] > long).sum() >= 3   # bursts, pauses
    assert spikes["delayed_regular_bursting"][0] > 2 * spikes["tonic"][0]  # delayed onset
    accelerating = isi["delayed_accelerating"]
    assert spikes["delayed_accelerating"][0] > 2 * spikes["tonic"][0]
    assert np.all(np.diff(accelerating) <= 1e-9) and accelerating[-1] < 0.6 * accelerating[0]
    assert len(spikes["transient"]) == 1                                  # one spike, then rest
    late = isi["irregular"][5:]
    assert late.std() / late.mean() > 0.2 and np.ptp(late[-6:]) > 2.0     # no settled rhythm
    assert set(spikes) == set(ADEX_PRESETS)


def test_adex_euler_converges_at_first_order_as_dt_halves():
    """Spike times at dt = 0.02, 0.01, 0.005 ms: the same spikes, and each halving of dt
    about halves the difference (forward Euler is first order); at 0.02 ms the drift over
    300 ms of tonic firing stays under 1.5 ms."""
    times = []
    for dt in (0.02, 0.01, 0.005):
        group = AdExGroup(1, "tonic")
        monitor = SpikeMonitor(group)
        Network([group], monitors=[monitor], currents={0: group.preset_current}).run(300.0, dt)
        times.append(monitor.t)
    assert len(times[0]) == len(times[1]) == len(times[2])
    coarse, fine = np.abs(times[0] - times[1]).max(), np.abs(times[1] - times[2]).max()
    assert coarse < 1.5 and 1.6 < coarse / fine < 2.4


def test_cli_adex_writes_the_pattern_plot(tmp_path, capsys):
    from brainlab.cli import main

    assert main(["brain", "adex", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "adex.png").read_bytes()[:4] == b"\x89PNG"
    assert "transient: 1 spike(s)" in capsys.readouterr().out


def test_cli_out_that_is_a_file_gives_one_line_and_writes_nothing(tmp_path, capsys):
    from brainlab.cli import main

    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    assert main(["brain", "adex", "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "is a file; expected a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
