"""Backpropagation against finite differences and against PyTorch autograd (float64)."""
import itertools

import numpy as np
import pytest
import torch

from brainlab.nn import Activation, Dense, Dropout, Sequential, check_gradients

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "linear"]
# Output activations that give each loss valid inputs; fused pairs and generic paths both.
OUTPUTS = {
    "mse": ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "linear"],
    "binary_crossentropy": ["sigmoid", "softmax"],
    "categorical_crossentropy": ["softmax", "sigmoid"],
}
LAYOUTS = ["dense_activation", "activation_layer", "with_dropout"]


def build(layout, hidden, output, seed):
    if layout == "dense_activation":
        layers = [Dense(5, activation=hidden, input_dim=4), Dense(3, activation=output)]
    elif layout == "activation_layer":
        layers = [Dense(5, input_dim=4), Activation(hidden), Dense(3), Activation(output)]
    else:  # Dropout is the identity in inference mode, where gradients() works
        layers = [Dense(5, activation=hidden, input_dim=4), Dropout(0.3),
                  Dense(3, activation=output)]
    return Sequential(layers, seed=seed, dtype="float64")


def targets(loss, rng, n):
    if loss == "categorical_crossentropy":
        return rng.integers(0, 3, n)
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, (n, 3)).astype(float)
    return rng.normal(size=(n, 3))


CASES = [(layout, hidden, loss, output) for layout, hidden, (loss, outputs) in
         itertools.product(LAYOUTS, HIDDEN, OUTPUTS.items()) for output in outputs]


@pytest.mark.parametrize("layout,hidden,loss,output", CASES)
def test_finite_differences(layout, hidden, loss, output):
    rng = np.random.default_rng(7)
    model = build(layout, hidden, output, seed=3)
    model.compile(loss=loss, optimizer="sgd")
    X, y = rng.normal(size=(8, 4)), targets(loss, rng, 8)
    assert check_gradients(model, X, y) < 1e-6


def test_one_hot_and_integer_labels_give_the_same_gradient():
    rng = np.random.default_rng(0)
    model = build("dense_activation", "tanh", "softmax", seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    X, labels = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)
    for a, b in zip(model.gradients(X, labels), model.gradients(X, np.eye(3)[labels])):
        np.testing.assert_allclose(a, b, rtol=1e-12)


TORCH_ACTIVATIONS = {
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "linear": lambda z: z, "softmax": lambda z: torch.softmax(z, dim=1),
}


def torch_loss(name, output_activation, z, y):
    """Keras' loss conventions written in PyTorch, from the output layer's logits z."""
    p = TORCH_ACTIVATIONS[output_activation](z)
    if name == "mse":
        return torch.mean((p - y) ** 2)
    if name == "binary_crossentropy":
        return torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    return torch.nn.functional.cross_entropy(z, y)


@pytest.mark.parametrize("seed", range(12))
def test_random_networks_match_pytorch_autograd(seed):
    rng = np.random.default_rng(seed)
    depth = 1 + seed % 4
    widths = [int(w) for w in rng.integers(2, 9, depth + 1)]
    loss = ["mse", "binary_crossentropy", "categorical_crossentropy"][seed % 3]
    output = {"mse": str(rng.choice(list(TORCH_ACTIVATIONS))), "binary_crossentropy": "sigmoid",
              "categorical_crossentropy": "softmax"}[loss]
    hidden = [str(rng.choice(list(TORCH_ACTIVATIONS))) for _ in range(depth - 1)]
    layers = [Dense(widths[i + 1], activation=(hidden + [output])[i],
                    **({"input_dim": widths[0]} if i == 0 else {})) for i in range(depth)]
    model = Sequential(layers, seed=seed, dtype="float64")
    model.compile(loss=loss, optimizer="adam")
    X = rng.normal(size=(10, widths[0]))
    out = widths[-1]
    y = {"mse": lambda: rng.normal(size=(10, out)),
         "binary_crossentropy": lambda: rng.integers(0, 2, (10, out)).astype(float),
         "categorical_crossentropy": lambda: rng.integers(0, out, 10)}[loss]()
    ours = model.gradients(X, y)

    params = [torch.tensor(p, requires_grad=True) for p in model.parameters()]
    a = torch.tensor(X)
    for i, act in enumerate(hidden + [output]):
        z = a @ params[2 * i] + params[2 * i + 1]
        a = TORCH_ACTIVATIONS[act](z)
    torch_y = torch.tensor(y)
    torch_loss(loss, output, z, torch_y).backward()
    for mine, theirs in zip(ours, params):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-5, atol=1e-10)
    # the loss value itself agrees too
    assert model.evaluate(X, y)["loss"] == pytest.approx(
        float(torch_loss(loss, output, z, torch_y).detach()), rel=1e-10)


def test_the_check_catches_a_wrong_gradient():
    """A backpropagation bug like the theory's (a sign flip) is far above the 1e-6 bar."""
    from brainlab.nn.gradcheck import numerical_gradients, relative_error

    rng = np.random.default_rng(1)
    model = build("dense_activation", "sigmoid", "sigmoid", seed=1)
    model.compile(loss="mse", optimizer="sgd")
    X, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 3))
    analytic = model.gradients(X, y)
    analytic[0] = -analytic[0]
    assert relative_error(analytic, numerical_gradients(model, X, y)) > 0.5


@pytest.mark.parametrize("output,loss", [("softmax", "categorical_crossentropy"),
                                         ("sigmoid", "binary_crossentropy"), ("tanh", "mse")])
def test_l2_penalty_gradients_match_finite_differences_and_pytorch(output, loss):
    rng = np.random.default_rng(4)
    model = Sequential([Dense(5, activation="tanh", input_dim=4, kernel_l2=0.3),
                        Dense(3, activation=output, kernel_l2=0.05)], seed=2, dtype="float64")
    model.compile(loss=loss, optimizer="sgd")
    X, y = rng.normal(size=(8, 4)), targets(loss, rng, 8)
    assert check_gradients(model, X, y) < 1e-6

    params = [torch.tensor(p, requires_grad=True) for p in model.parameters()]
    z = torch.tanh(torch.tensor(X) @ params[0] + params[1]) @ params[2] + params[3]
    value = torch_loss(loss, output, z, torch.tensor(y)) + \
        0.3 * (params[0] ** 2).sum() + 0.05 * (params[2] ** 2).sum()
    value.backward()
    for mine, theirs in zip(model.gradients(X, y), params):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-5, atol=1e-10)
    assert model.evaluate(X, y)["loss"] == pytest.approx(float(value.detach()), rel=1e-10)
