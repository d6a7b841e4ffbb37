"""Pictures of the engine at work: activation functions, loss curves, decision boundaries."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..files import save_figure  # noqa: E402
from .activations import get_activation  # noqa: E402


def plot_activations(path, names=("step", "sigmoid", "tanh", "relu")):
    """Each activation f(z) and its derivative f'(z) on z in [-5, 5]."""
    z = np.linspace(-5, 5, 1001)
    figure, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.4), sharex=True)
    for axis, name in zip(np.atleast_1d(axes), names):
        activation = get_activation(name)
        a = activation.forward(z.copy())
        derivative = activation.derivative(a)
        axis.plot(z, a, label=f"{name}(z)", lw=2)
        axis.plot(z, derivative, "--", label=f"{name}'(z)", lw=1.5)
        if name == "step":
            axis.annotate("no useful gradient:\n0 everywhere but z=0", (0.3, 0.35), fontsize=8)
        axis.set_title(name)
        axis.axhline(0, color="0.8", lw=0.8)
        axis.axvline(0, color="0.8", lw=0.8)
        axis.set_xlabel("z")
        axis.legend(fontsize=8, loc="upper left")
    figure.suptitle("Activation functions and their derivatives", y=1.03)
    save_figure(figure, path)


def plot_loss(history, path, title="Training loss"):
    """The loss per epoch from a History (log scale: losses fall by orders of magnitude)."""
    figure, axis = plt.subplots(figsize=(6, 4))
    for key, values in history.history.items():
        if key.endswith("loss"):
            axis.plot(np.arange(1, len(values) + 1), values, label=key)
    axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.set_ylabel("loss")
    axis.set_title(title)
    axis.legend()
    save_figure(figure, path)


def plot_decision_boundary(model, X, y, path, title="Decision boundary"):
    """The model's output over the plane of two input features, with the data on top."""
    X, y = np.asarray(X, dtype=float), np.asarray(y).reshape(-1)
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 200)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 200)
    grid_x, grid_y = np.meshgrid(xs, ys)
    output = model.predict(np.c_[grid_x.ravel(), grid_y.ravel()])[:, 0].reshape(grid_x.shape)
    figure, axis = plt.subplots(figsize=(5, 4.4))
    shading = axis.contourf(grid_x, grid_y, output, levels=20, cmap="RdBu_r", vmin=0, vmax=1)
    axis.contour(grid_x, grid_y, output, levels=[0.5], colors="k", linewidths=1.5)
    for label, color in ((0, "white"), (1, "gold")):
        points = X[y == label]
        axis.scatter(points[:, 0], points[:, 1], c=color, edgecolors="k", s=140,
                     label=f"target {label}", zorder=3)
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8)
    figure.colorbar(shading, ax=axis, label="network output")
    axis.set_xlabel("x1")
    axis.set_ylabel("x2")
    axis.set_title(title)
    save_figure(figure, path)
