"""Spiking neurons trained through time: gradients equal to PyTorch autograd's on the same
network and surrogate, and a network that learns."""
import numpy as np
import pytest
import torch

from brainlab.brain.surrogate import SpikingClassifier


class Spike(torch.autograd.Function):
    """H(u) forward; the arctan surrogate (alpha = 2) backward, as snnTorch's atan()."""

    @staticmethod
    def forward(ctx, u):
        ctx.save_for_backward(u)
        return (u >= 0).to(u.dtype)

    @staticmethod
    def backward(ctx, grad):
        (u,) = ctx.saved_tensors
        return grad * 1.0 / (1 + (np.pi / 2 * 2.0 * u) ** 2)


def torch_loss(model, X, y):
    """The same network in PyTorch: leaky neurons, reset by subtraction (not
    differentiated), cross-entropy of the output potentials summed over steps."""
    weights = [torch.tensor(W, requires_grad=True) for W in model.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in model.biases]
    x, target = torch.tensor(X), torch.tensor(y)
    u = [torch.zeros(len(X), W.shape[1], dtype=torch.float64) for W in model.weights]
    s = [torch.zeros_like(v) for v in u]
    loss = 0
    for _ in range(model.steps):
        current = x
        for layer, (W, b) in enumerate(zip(weights, biases)):
            u[layer] = model.beta * u[layer] + current @ W + b - model.threshold * s[layer].detach()
            s[layer] = Spike.apply(u[layer] - model.threshold)
            current = s[layer]
        loss = loss + torch.nn.functional.cross_entropy(u[-1], target)
    loss.backward()
    return float(loss.detach()), [p.grad.numpy() for pair in zip(weights, biases) for p in pair]


@pytest.mark.parametrize("sizes", [(6, 5, 3), (6, 8, 7, 4)])
def test_gradients_equal_pytorch_autograd(sizes):
    rng = np.random.default_rng(1)
    model = SpikingClassifier(sizes, beta=0.9, steps=12, seed=3, dtype="float64")
    for W in model.weights:
        W *= 4.0                       # enough drive that neurons spike
    X = rng.random((9, sizes[0]))
    y = rng.integers(0, sizes[-1], 9)
    loss, grads = model.loss_and_gradients(X, y)
    expected_loss, expected = torch_loss(model, X, y)
    assert loss == pytest.approx(expected_loss, rel=1e-10)
    spikes = sum(S.sum() for _, S in model.forward(X)[:-1])
    assert spikes > 0                  # the hidden layers do fire: the surrogate is used
    for ours, theirs in zip(grads, expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-12)


def test_a_spiking_network_learns_digits():
    from brainlab.nn.datasets import load_digits

    (X, y), (X_test, y_test) = load_digits()
    model = SpikingClassifier((64, 100, 10), steps=15, seed=0)
    before = model.evaluate(X_test, y_test)
    model.fit(X, y, epochs=8, batch_size=64, learning_rate=2e-3)
    assert model.history["loss"][-1] < model.history["loss"][0]
    assert model.evaluate(X_test, y_test) > max(0.85, before + 0.5)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="surrogate"):
        SpikingClassifier(surrogate="tanh")
    with pytest.raises(ValueError, match="beta"):
        SpikingClassifier(beta=1.5)
    with pytest.raises(ValueError, match="steps"):
        SpikingClassifier(steps=0)
    assert "784-1000-10 leaky integrate-and-fire" in repr(SpikingClassifier())


def test_the_train_snn_command_writes_accuracy_epochs_and_a_plot(tmp_path):
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "brainlab", "brain", "train-snn", "--data",
                           "digits", "--epochs", "3", "--steps", "10", "--learning-rate",
                           "0.002", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["epochs"] == 3 and summary["accuracy"] > 0.8
    assert len(summary["accuracy_by_steps"]) == 10
    assert (tmp_path / "accuracy_by_steps.png").stat().st_size > 10_000
