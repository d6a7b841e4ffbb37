"""Synapses, plasticity and the benchmark networks."""
import json

import numpy as np
import pytest
import scipy.sparse as sparse

from brainlab.brain import (STDP, LIFGroup, Network, SpikeTrainGroup,
                            StateMonitor, Synapses, hebb_step, oja_step, train_oja)
from brainlab.brain.models import cuba, izhikevich
from brainlab.cli import main


def scripted(n, times, duration, dt=0.1):
    """A spike source that fires at given times (ms)."""
    return SpikeTrainGroup.from_times(n, times, duration, dt)


@pytest.mark.parametrize("delay", [0.0, 2.0])
def test_a_spike_arrives_after_its_delay_with_its_weight(delay):
    source = scripted(1, {0: [1.0]}, 10.0)
    target = LIFGroup(2, tau_m=20.0, v_rest=0.0, v_reset=-5.0, v_threshold=100.0,
                      channels={"ge": 5.0})
    synapses = Synapses(source, target, "ge", sparse.csr_matrix([[0.0, 3.0]]), delay=delay)
    trace = StateMonitor(target, "ge", (0, 1))
    Network([source, target], [synapses], [trace]).run(10.0, 0.1)
    ge = trace.values
    assert np.all(ge[:, 0] == 0)                                  # not connected
    first = np.argmax(ge[:, 1] > 0)
    assert trace.t[first] == pytest.approx(1.0 + delay, abs=1e-9)  # recorded after the update
    assert ge[first, 1] == pytest.approx(3.0)


def test_random_connectivity_has_the_asked_probability_and_refuses_bad_ones():
    group = LIFGroup(1000, channels={"ge": 5.0})
    synapses = Synapses.random(group, group, "ge", 0.02, 1.0, rng=0)
    assert synapses.weights.nnz / 1000 ** 2 == pytest.approx(0.02, rel=0.05)
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match=r"probability must be in \[0, 1\]"):
            Synapses.random(group, group, "ge", bad, 1.0)
    with pytest.raises(ValueError, match="no input channel 'gx'"):
        Synapses.random(group, group, "gx", 0.1, 1.0)


@pytest.mark.parametrize("order", ["pre_then_post", "post_then_pre"])
def test_stdp_amplitudes_and_time_constants(order):
    gap, a_plus, a_minus, tau_plus, tau_minus = 10.0, 0.01, -0.012, 16.8, 33.7
    pre_time, post_time = (5.0, 5.0 + gap) if order == "pre_then_post" else (5.0 + gap, 5.0)
    pre = scripted(1, {0: [pre_time]}, 40.0)
    post = SpikeTrainGroup.from_times(1, {0: [post_time]}, 40.0, 0.1, channels=("ge",))
    synapses = Synapses(pre, post, "ge", sparse.csr_matrix([[0.5]]))
    rule = STDP(synapses, a_plus=a_plus, a_minus=a_minus, tau_plus=tau_plus,
                tau_minus=tau_minus)
    Network([pre, post], [synapses], plasticity=[rule]).run(40.0, 0.1)
    change = synapses.weights.data[0] - 0.5
    if order == "pre_then_post":
        assert change == pytest.approx(a_plus * np.exp(-gap / tau_plus), rel=1e-6)
    else:
        assert change == pytest.approx(a_minus * np.exp(-gap / tau_minus), rel=1e-6)


def test_oja_keeps_the_weights_bounded_and_finds_the_principal_component():
    rng = np.random.default_rng(0)
    direction = np.array([3.0, 1.0]) / np.sqrt(10)
    samples = rng.normal(size=(2000, 1)) * 2 * direction + rng.normal(size=(2000, 2)) * 0.3
    weights = train_oja(samples, learning_rate=0.005, epochs=5)
    assert np.linalg.norm(weights) == pytest.approx(1.0, abs=0.05)
    assert abs(weights @ direction) > 0.99
    hebb = np.array([0.1, 0.1])
    for x in samples[:600]:
        hebb = hebb_step(hebb, x, 0.005)
    assert np.linalg.norm(hebb) > 10      # plain Hebb grows without bound
    assert np.linalg.norm(oja_step(np.array([0.6, 0.8]), samples[0], 0.005)) < 1.1


def test_cuba_is_asynchronous_and_irregular():
    network, monitors = cuba(seed=1)
    network.run(1000.0, 0.1)
    spikes = monitors["spikes"]
    rate = spikes.mean_rate(1000.0)
    assert 2.0 < rate < 40.0                  # sustained, neither silent nor saturated
    assert spikes.isi_cv() > 0.4              # irregular single neurons
    binned = np.add.reduceat(monitors["rate"].rate, np.arange(0, 10000, 50)) / 50
    assert binned.std() / binned.mean() < 0.5  # no population-wide bursts (asynchronous)
    assert len(np.unique(spikes.i)) > 3000    # most neurons take part


def test_izhikevich_network_has_a_rhythm_in_the_alpha_to_gamma_band():
    network, monitors = izhikevich(seed=0)
    network.run(1000.0, 1.0)
    assert 3.0 < monitors["spikes"].mean_rate(1000.0) < 30.0
    assert 8.0 <= monitors["rate"].peak_frequency() <= 50.0


@pytest.mark.parametrize("model", ["cuba", "hh", "izhikevich"])
def test_cli_run_writes_plots_and_summary(model, tmp_path, capsys):
    assert main(["brain", "run", model, "--duration", "200ms", "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["mean_rate_hz"] > 0 and summary["duration_ms"] == 200
    assert (tmp_path / "activity.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_fi_and_compare(tmp_path, capsys):
    assert main(["brain", "fi", "--out", str(tmp_path)]) == 0
    assert main(["brain", "compare", "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {"fi.png", "compare.png"}


@pytest.mark.parametrize("argv,message", [
    (["brain", "run", "cuba", "--duration=-1s"], "--duration must be positive"),
    (["brain", "run", "cuba", "--duration", "soon"], "is not a duration"),
    (["brain", "run", "cuba", "--dt", "50"], "too large"),
    (["brain", "run", "hodgkin"], "unknown model 'hodgkin'"),
    (["brain", "run", "hh", "--current", "nan", "--duration", "1ms"], "finite"),
    (["brain", "run", "cuba", "--duration", "1e12s"], "the monitors would need about"),
])
def test_cli_bad_input(argv, message, capsys, tmp_path):
    assert main(argv + ["--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err


@pytest.mark.parametrize("dt", ["0", "-0.1", "nan"])
def test_cli_refuses_a_time_step_that_is_not_positive(dt, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["brain", "run", "cuba", "--dt", dt])
    assert exit.value.code == 2
    assert "argument --dt: expected a" in capsys.readouterr().err


def test_nearest_spike_stdp_pairs_each_spike_once():
    """Nearest-spike STDP: a pre spike potentiates with the first post spike only, and a pre
    spike is depressed by the latest post spike only (traces reset, not summed)."""
    a_plus, a_minus, tau = 0.01, -0.012, 20.0
    results = {}
    for interaction in ("all", "nearest"):
        pre = scripted(1, {0: [5.0, 40.0]}, 60.0)
        post = SpikeTrainGroup.from_times(1, {0: [10.0, 15.0, 30.0, 33.0]}, 60.0, 0.1,
                                          channels=("ge",))
        synapses = Synapses(pre, post, "ge", sparse.csr_matrix([[0.5]]))
        rule = STDP(synapses, a_plus=a_plus, a_minus=a_minus, tau_plus=tau, tau_minus=tau,
                    interaction=interaction)
        Network([pre, post], [synapses], plasticity=[rule]).run(60.0, 0.1)
        results[interaction] = synapses.weights.data[0] - 0.5
    e = np.exp
    nearest = a_plus * e(-5 / tau) + a_minus * e(-7 / tau)
    everything = a_plus * (e(-5 / tau) + e(-10 / tau) + e(-25 / tau) + e(-28 / tau)) + \
        a_minus * (e(-7 / tau) + e(-10 / tau) + e(-25 / tau) + e(-30 / tau))
    assert results["nearest"] == pytest.approx(nearest, rel=1e-6)
    assert results["all"] == pytest.approx(everything, rel=1e-6)
