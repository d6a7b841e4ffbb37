"""Pictures of spiking activity: rasters, voltage traces, rates, f-I curves, and the bridge
to brainlab.nn's activation functions."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..files import save_figure  # noqa: E402


def plot_activity(monitors, path, title, max_neurons=500, smooth_ms=5.0):
    """Raster (top), population rate (middle) and voltage traces (bottom) in one figure."""
    spikes, rate, voltage = monitors["spikes"], monitors["rate"], monitors["v"]
    figure, axes = plt.subplots(3, 1, figsize=(9, 7.5), sharex=True,
                                gridspec_kw={"height_ratios": [3, 1.2, 1.8]})
    shown = spikes.i < max_neurons
    axes[0].plot(spikes.t[shown], spikes.i[shown], "|", color="k", markersize=2)
    axes[0].set_ylabel(f"neuron (first {min(max_neurons, spikes.group.n)})")
    axes[0].set_title(title)
    if len(rate.t) > 1:
        dt = rate.t[1] - rate.t[0]
        width = min(len(rate.rate), max(1, int(round(smooth_ms / dt))))
        smooth = np.convolve(rate.rate, np.ones(width) / width, mode="same")
        axes[1].plot(rate.t, smooth, color="tab:blue", lw=1)
    axes[1].set_ylabel("rate (Hz)")
    for column in range(voltage.values.shape[1]):
        axes[2].plot(voltage.t, voltage.values[:, column], lw=0.8,
                     label=f"neuron {voltage.indices[column]}")
    axes[2].set_ylabel("v (mV)")
    axes[2].set_xlabel("time (ms)")
    axes[2].legend(fontsize=7, loc="upper right")
    save_figure(figure, path)


def plot_fi(currents, rates, path, title="LIF firing rate vs. input, beside sigmoid and ReLU"):
    """A LIF neuron's f-I curve next to brainlab.nn's sigmoid and ReLU units."""
    from ..nn.activations import get_activation

    currents, rates = np.asarray(currents), np.asarray(rates)
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].plot(currents, rates, "o-", color="tab:red", ms=3, label="LIF (simulated)")
    axes[0].set_xlabel("input drive R*I (mV)")
    axes[0].set_ylabel("firing rate (Hz)")
    axes[0].set_title("LIF neuron: f-I curve")
    axes[0].legend()
    z = np.linspace(-6, 6, 400)
    axes[1].plot(z, get_activation("sigmoid")(z), label="sigmoid(z)", color="tab:blue")
    axes[1].plot(z, get_activation("relu")(z) / 6, label="ReLU(z) / 6", color="tab:green")
    normal = (currents - currents.mean()) / (currents.std() or 1) * 2
    axes[1].plot(normal, rates / max(rates.max(), 1e-9), "o", ms=3, color="tab:red",
                 label="LIF rate / max (input rescaled)")
    axes[1].set_xlabel("z (input, rescaled)")
    axes[1].set_ylabel("output")
    axes[1].set_title("the same shape: threshold, then rising output")
    axes[1].legend(fontsize=8)
    figure.suptitle(title)
    save_figure(figure, path)


def plot_unit_comparison(time, drive, responses, path):
    """Responses of a step unit, a sigmoid unit and a LIF neuron to the same input."""
    figure, axes = plt.subplots(4, 1, figsize=(9, 8), sharex=True)
    axes[0].plot(time, drive, color="k")
    axes[0].set_ylabel("input")
    axes[0].set_title("One input, three neurons")
    colors = ["tab:purple", "tab:blue", "tab:red"]
    for axis, (name, values), color in zip(axes[1:], responses.items(), colors):
        axis.plot(time, values, color=color, lw=1)
        axis.set_ylabel(name, fontsize=8)
    axes[-1].set_xlabel("time (ms)")
    save_figure(figure, path)


def plot_hidden_pattern(pattern, run, path, threshold=500.0, window=500.0):
    """The STDP pattern experiment at a glance: the output's latency in each presentation
    and its false alarms over time; the potential at the start and at the end, with the
    pattern's presentations shaded; the final weights of pattern and distractor afferents."""
    from .pattern import in_pattern, latencies

    total = len(pattern.raster) * pattern.dt
    figure = plt.figure(figsize=(10, 9), layout="constrained")
    grid = figure.add_gridspec(3, 2, height_ratios=[1.2, 1, 1])
    learning = figure.add_subplot(grid[0, :])
    onsets, latency = latencies(pattern, run.spike_times)
    learning.plot(onsets / 1000.0, latency, ".", color="tab:blue", markersize=4,
                  label="latency of the first spike after the pattern's start")
    learning.set_ylim(0, pattern.length)
    learning.set_ylabel("latency (ms)")
    learning.set_xlabel("time (s)")
    alarms = learning.twinx()
    inside = in_pattern(pattern, run.spike_times)
    edges = np.arange(0.0, total + 1000.0, 1000.0)
    counts, _ = np.histogram(run.spike_times[~inside], edges)
    alarms.step(edges[:-1] / 1000.0, counts, where="post", color="tab:red", lw=1)
    alarms.set_ylabel("spikes outside the pattern (per s)", color="tab:red")
    learning.set_title("STDP finds the repeating pattern: it answers earlier and earlier, "
                       "and stops firing outside it")
    learning.legend(loc="upper right", fontsize=8)
    steps = int(round(window / pattern.dt))
    time_axis = (np.arange(len(run.potential)) + 1) * pattern.dt
    for column, (start, label) in enumerate(((0, "beginning"), (len(run.potential) - steps,
                                                                 "end"))):
        axis = figure.add_subplot(grid[1, column])
        part = slice(start, start + steps)
        axis.plot(time_axis[part], run.potential[part], color="k", lw=0.6)
        for onset in pattern.onsets:
            if time_axis[part][0] - pattern.length <= onset <= time_axis[part][-1]:
                axis.axvspan(onset, onset + pattern.length, color="tab:green", alpha=0.25)
        axis.axhline(threshold, color="tab:red", lw=0.8, ls="--")
        axis.set_title(f"potential at the {label} (pattern shaded)", fontsize=9)
        axis.set_xlabel("time (ms)")
        axis.set_ylabel(f"u (threshold {threshold:g})")
    weights = figure.add_subplot(grid[2, :])
    carries = pattern.carriers
    bins = np.linspace(0, 1, 21)
    weights.hist([run.weights[carries], run.weights[~carries]], bins=bins,
                 label=["afferents in the pattern", "distractor afferents"],
                 color=["tab:green", "tab:gray"])
    weights.set_yscale("log")
    weights.set_xlabel("final weight")
    weights.set_ylabel("afferents")
    weights.legend(fontsize=8)
    save_figure(figure, path)


def plot_firing_patterns(results, path):
    """One voltage trace per named firing pattern ({name: (t, v, spike times)}), in a grid."""
    names = list(results)
    columns = 2
    rows = (len(names) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(10, 1.8 * rows), sharex=True,
                                layout="constrained", squeeze=False)
    for axis, name in zip(axes.flat, names):
        t, v, _ = results[name]
        axis.plot(t, v, color="k", lw=0.7)
        axis.set_title(name.replace("_", " "), fontsize=9)
        axis.set_ylabel("V (mV)", fontsize=8)
    for axis in axes.flat[len(names):]:
        axis.set_visible(False)
    for axis in axes[-1]:
        axis.set_xlabel("time (ms)")
    figure.suptitle("AdEx firing patterns (Naud et al. 2008), each under its step current")
    save_figure(figure, path)


def plot_accuracy_by_steps(result, path, title):
    """A converted network's test accuracy against simulated time steps, beside its ANN's,
    with the synaptic operations it spent on the second axis."""
    steps = [int(t) for t in result["accuracy_by_steps"]]
    accuracy = [100 * a for a in result["accuracy_by_steps"].values()]
    operations = list(result["synaptic_operations_per_image"].values())
    figure, axes = plt.subplots(figsize=(7, 4.2))
    axes.plot(steps, accuracy, "o-", color="tab:red", label=f"spiking ({result['reset']} "
              f"reset, {result['coding']} input)")
    axes.axhline(100 * result["ann_accuracy"], color="tab:blue", ls="--",
                 label=f"ANN {100 * result['ann_accuracy']:.2f} %")
    axes.axhspan(100 * result["ann_accuracy"] - 1, 100 * result["ann_accuracy"],
                 color="tab:blue", alpha=0.08, label="within 1 point of the ANN")
    axes.set_xscale("log", base=2)
    axes.set_xlabel("time steps")
    axes.set_ylabel("test accuracy (%)")
    axes.set_ylim(max(0, min(accuracy) - 5), 100)
    cost = axes.twinx()
    cost.plot(steps, np.array(operations) / result["ann_multiply_adds_per_image"], ":",
              color="gray", label="synaptic operations / ANN multiply-adds")
    cost.set_ylabel("synaptic operations / ANN multiply-adds", color="gray")
    lines = axes.get_legend_handles_labels()
    more = cost.get_legend_handles_labels()
    axes.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="lower right")
    axes.set_title(title)
    save_figure(figure, path)


def plot_snn_accuracy_by_steps(accuracy, path, title):
    """A surrogate-gradient network's test accuracy when its answer is read after each
    number of time steps."""
    steps = np.arange(1, len(accuracy) + 1)
    figure, axes = plt.subplots(figsize=(7, 4.2))
    axes.plot(steps, 100 * np.asarray(accuracy), "o-", color="tab:red", ms=3,
              label="leaky integrate-and-fire, trained through time")
    axes.set_xlabel("time steps read")
    axes.set_ylabel("test accuracy (%)")
    axes.set_ylim(0, 100)
    axes.legend(loc="lower right")
    axes.set_title(title)
    save_figure(figure, path)
