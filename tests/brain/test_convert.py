"""ANN -> spiking conversion: an integrate-and-fire rate is a clipped ReLU, the data-based
normalisation, a trained network converted almost losslessly, and clear refusals."""
import json
import subprocess
import sys

import numpy as np
import pytest

from brainlab.brain import convert_to_spiking
from brainlab.brain.convert import SpikingNetwork
from brainlab.nn import Activation, Dense, Sequential


def test_an_integrate_and_fire_rate_is_a_clipped_relu():
    """Hidden IF neurons driven by constant x fire x spikes per step (clipped to [0, 1]);
    with identity weights the output charge per step is that rate, within 1 / steps."""
    x = np.array([[-0.5, 0.0, 0.13, 0.5, 0.77, 1.0, 1.6]], np.float32)
    eye = np.eye(x.shape[1], dtype=np.float32)
    zero = np.zeros(x.shape[1], np.float32)
    for steps in (10, 100, 1000):
        network = SpikingNetwork([eye, eye], [zero, zero], [1.0, 1.0], "subtract")
        scores = network.simulate(x, steps)["scores"][0]
        np.testing.assert_allclose(scores, np.clip(x[0], 0, 1), atol=1.0 / steps + 1e-6)


def test_reset_to_zero_loses_the_surplus_charge():
    x = np.array([[0.7]], np.float32)
    one, zero = np.ones((1, 1), np.float32), np.zeros(1, np.float32)
    subtract = SpikingNetwork([one, one], [zero, zero], [1, 1], "subtract").simulate(x, 1000)
    to_zero = SpikingNetwork([one, one], [zero, zero], [1, 1], "zero").simulate(x, 1000)
    assert subtract["scores"][0, 0] == pytest.approx(0.7, abs=1e-3)
    assert to_zero["scores"][0, 0] == pytest.approx(0.5, abs=1e-3)   # fires every 2nd step


def tiny_model(hidden_activation="relu"):
    model = Sequential([Dense(6, hidden_activation, input_dim=4), Dense(5), Activation("relu"),
                        Dense(3, "softmax")], seed=0)
    model.build(4)
    return model


def test_each_layer_is_normalised_by_the_percentile_of_its_activations():
    model = tiny_model()
    X = np.random.default_rng(0).random((500, 4))
    network = convert_to_spiking(model, X, percentile=99.0)
    activity = X
    for W, b in zip(network.weights[:-1], network.biases[:-1]):
        activity = np.maximum(activity @ W + b, 0)
        assert np.percentile(activity[activity > 0], 99.0) == pytest.approx(1.0, rel=1e-4)
    ann = model.predict(X).argmax(axis=1)
    assert np.mean(network.predict(X, steps=512) == ann) >= 0.95


def test_a_trained_digits_network_converts_almost_losslessly():
    from brainlab.brain.bridge import conversion_experiment, load_task, train_ann

    (X, y), (X_test, y_test) = load_task("digits")
    model = train_ann("digits", X, y, epochs=30)
    result = conversion_experiment(model, X, X_test, y_test, steps=128)
    assert result["ann_accuracy"] > 0.95
    assert result["snn_accuracy"] >= result["ann_accuracy"] - 0.01
    assert result["accuracy_by_steps"][1] < result["snn_accuracy"]   # it takes time
    assert result["first_steps_within_1_point"] <= 128
    ops = result["synaptic_operations_per_image"]
    assert ops[1] < ops[16] < ops[128]                               # spikes cost operations
    poisson = conversion_experiment(model, X, X_test, y_test, steps=128, coding="poisson")
    assert poisson["snn_accuracy"] >= result["ann_accuracy"] - 0.03


@pytest.mark.parametrize("build, message", [
    (lambda: tiny_model("sigmoid"), "activation 'sigmoid' has no integrate-and-fire"),
    (lambda: Sequential([Dense(3, "relu", input_dim=4), Dense(2, "relu")], seed=0),
     "expected softmax or linear"),
])
def test_networks_that_cannot_be_converted_are_refused_naming_the_layer(build, message):
    model = build()
    model.build(4)
    with pytest.raises(ValueError, match=message) as error:
        convert_to_spiking(model, np.zeros((2, 4)))
    assert "layer" in str(error.value)


def test_bad_arguments_are_refused():
    model = tiny_model()
    with pytest.raises(ValueError, match="calibration_inputs must have shape"):
        convert_to_spiking(model, np.zeros((2, 5)))
    with pytest.raises(ValueError, match="percentile"):
        convert_to_spiking(model, np.zeros((2, 4)), percentile=0)
    with pytest.raises(ValueError, match="reset"):
        convert_to_spiking(model, np.zeros((2, 4)), reset="sometimes")
    network = convert_to_spiking(model, np.random.default_rng(0).random((20, 4)))
    with pytest.raises(ValueError, match="Poisson coding needs inputs in"):
        network.simulate(np.full((1, 4), 2.0), 8, coding="poisson")
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        network.simulate(np.zeros((1, 4)), 0)
    assert "4-6-5-3 integrate-and-fire" in repr(network)


def test_the_convert_command_writes_its_summary_and_plot(tmp_path):
    done = subprocess.run([sys.executable, "-m", "brainlab", "brain", "convert", "--data",
                           "digits", "--epochs", "20", "--steps", "32", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert {"ann_accuracy", "snn_accuracy", "steps"} <= set(summary)
    assert summary["steps"] == 32 and summary["snn_accuracy"] > 0.9
    assert (tmp_path / "accuracy_by_steps.png").stat().st_size > 10_000
    again = subprocess.run([sys.executable, "-m", "brainlab", "brain", "convert", "--data",
                            "digits", "--model", str(tmp_path / "ann"), "--steps", "16",
                            "--out", str(tmp_path / "again")],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert json.loads((tmp_path / "again" / "summary.json").read_text())["ann_accuracy"] == \
        summary["ann_accuracy"]


@pytest.mark.parametrize("flag, value, message", [
    ("--steps", "0", "argument --steps: expected a positive integer"),
    ("--percentile", "0", "argument --percentile: expected a percentile"),
])
def test_bad_convert_flags_are_one_line_and_exit_2(flag, value, message, tmp_path):
    done = subprocess.run([sys.executable, "-m", "brainlab", "brain", "convert", "--out",
                           str(tmp_path), flag, value], capture_output=True, text=True)
    assert done.returncode == 2 and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
