"""From an artificial network to spiking neurons: a trained ``brainlab.nn`` ReLU network
becomes layers of integrate-and-fire neurons (Diehl et al. 2015; Rueckauer et al. 2017).

A ReLU unit's output is a rate: an integrate-and-fire neuron driven by a constant
current I fires at a rate proportional to max(0, I) as long as I stays below its
threshold per step. So each Dense+ReLU layer keeps its weights, and each layer's
weights and biases are divided by a high percentile lambda_l of that layer's ReLU
activations on calibration data (data-based normalisation), so that the neurons'
rates (spikes per step, at most 1) stay in the range where the match holds:

    W_l <- W_l * lambda_(l-1) / lambda_l,   b_l <- b_l / lambda_l,   threshold 1.

Each step every neuron integrates its input, v <- v + s_(l-1) W_l + b_l, and fires
where v >= 1; the spike resets v by subtracting the threshold (which keeps the
surplus, so rates stay proportional) or to zero. The output layer's answer is the
class whose neurons received the most charge (spikes + what is left in v), which
tends to argmax of the ANN's pre-softmax z as the steps grow.
"""
import numpy as np

from ..nn.layers import Activation, Dense, Dropout

RESETS = ("subtract", "zero")
CODINGS = ("constant", "poisson")


def _dense_stack(model):
    """[(W, b)] of a Sequential of Dense layers with ReLU between them and a softmax or
    linear output (an activation may be its own layer; Dropout is the identity at
    inference). Anything else is refused, naming the layer."""
    stack = []   # [Dense, its activation's name, its index]
    for index, layer in enumerate(model.layers):
        if isinstance(layer, Dropout):
            continue
        if isinstance(layer, Dense):
            stack.append([layer, layer.activation.name, index])
        elif isinstance(layer, Activation) and stack and stack[-1][1] == "linear":
            stack[-1][1] = layer.activation.name
        else:
            raise ValueError(f"layer {index} ({layer!r}): only Dense layers, ReLU, Dropout and "
                             f"a softmax output can be converted to spiking neurons")
    if not stack:
        raise ValueError("the model has no Dense layer to convert")
    for position, (dense, activation, index) in enumerate(stack):
        output = position == len(stack) - 1
        if activation not in (("softmax", "linear") if output else ("relu",)):
            raise ValueError(f"layer {index} ({dense!r}): activation {activation!r} has no "
                             f"integrate-and-fire counterpart; expected "
                             f"{'softmax or linear (output)' if output else 'relu (hidden)'}")
    return [(np.asarray(d.W, np.float64), np.asarray(d.b, np.float64)) for d, _, _ in stack]


class SpikingNetwork:
    """Layers of integrate-and-fire neurons converted from a ReLU network.

    ``predict(X, steps)`` gives the classes; ``simulate(X, steps)`` also gives the
    accuracy-ready scores after every step, spikes and synaptic operations.
    """

    def __init__(self, weights, biases, thresholds, reset="subtract", scales=None):
        if reset not in RESETS:
            raise ValueError(f"reset must be one of {RESETS}, got {reset!r}")
        self.weights = [np.asarray(W, np.float32) for W in weights]
        self.biases = [np.asarray(b, np.float32) for b in biases]
        self.thresholds = [float(t) for t in thresholds]
        self.reset, self.scales = reset, scales

    def __repr__(self):
        sizes = [self.weights[0].shape[0]] + [W.shape[1] for W in self.weights]
        return (f"SpikingNetwork({'-'.join(map(str, sizes))} integrate-and-fire, "
                f"reset={self.reset!r})")

    @property
    def ann_operations(self):
        """Multiply-adds of one forward pass of the ANN."""
        return int(sum(W.shape[0] * W.shape[1] for W in self.weights))

    def simulate(self, X, steps=256, coding="constant", seed=0, record=None, chunk=1000):
        """Run `steps` time steps for every row of X at once (in chunks of rows).

        Returns a dict: ``scores`` (n, classes) charge of the output neurons after the last
        step, ``predicted_at`` (len(record), n) classes after each recorded step count,
        ``spikes`` total spikes per image (all layers, input spikes included for Poisson
        coding), ``synaptic_operations`` per image (one addition per spike per outgoing
        synapse; constant-current input adds the first layer's multiply-adds, done once).
        """
        if coding not in CODINGS:
            raise ValueError(f"coding must be one of {CODINGS}, got {coding!r}")
        if not isinstance(steps, (int, np.integer)) or steps < 1:
            raise ValueError(f"steps must be a positive integer, got {steps!r}")
        X = np.asarray(X, np.float32)
        if X.ndim != 2 or X.shape[1] != self.weights[0].shape[0]:
            raise ValueError(f"X must have shape (n, {self.weights[0].shape[0]}), got "
                             f"{X.shape}")
        if coding == "poisson" and (X.min() < 0 or X.max() > 1):
            raise ValueError("Poisson coding needs inputs in [0, 1] (a spike probability "
                             "per step)")
        record = sorted(set(record or [steps]))
        rng = np.random.default_rng(seed)
        parts = [self._simulate(X[i:i + chunk], steps, coding, rng, record)
                 for i in range(0, len(X), chunk)]
        return {"scores": np.concatenate([p["scores"] for p in parts]),
                "predicted_at": np.concatenate([p["predicted_at"] for p in parts], axis=1),
                "record": record, "steps": steps,
                "spikes": np.concatenate([p["spikes"] for p in parts]),
                "synaptic_operations": np.concatenate([p["synops"] for p in parts]),
                "synaptic_operations_at": np.concatenate([p["synops_at"] for p in parts],
                                                         axis=1)}

    def _simulate(self, X, steps, coding, rng, record):
        n = len(X)
        fan_out = [W.shape[1] for W in self.weights]
        v = [np.zeros((n, W.shape[1]), np.float32) for W in self.weights]
        charge = np.zeros((n, self.weights[-1].shape[1]), np.float32)
        spikes = np.zeros(n, np.float64)
        synops = np.zeros(n, np.float64)
        constant = None
        if coding == "constant":
            constant = X @ self.weights[0] + self.biases[0]
            synops += X.shape[1] * fan_out[0]
        predicted = np.zeros((len(record), n), np.int64)
        synops_at = np.zeros((len(record), n), np.float64)
        wanted = {t: i for i, t in enumerate(record)}
        last = len(self.weights) - 1
        for t in range(1, steps + 1):
            if coding == "constant":
                current = constant   # X W + b, computed once: the ANN's first layer's MACs
            else:
                inputs = (rng.random(X.shape, dtype=np.float32) < X).astype(np.float32)
                count = inputs.sum(axis=1)
                spikes += count
                synops += count * fan_out[0]
                current = inputs @ self.weights[0] + self.biases[0]
            for layer in range(len(self.weights)):
                if layer > 0:
                    current = fired @ self.weights[layer] + self.biases[layer]
                if layer == last:
                    charge += current        # the output neurons integrate without firing
                    break
                v[layer] += current
                fired = (v[layer] >= self.thresholds[layer]).astype(np.float32)
                if self.reset == "subtract":
                    v[layer] -= fired * self.thresholds[layer]
                else:
                    v[layer] *= 1.0 - fired
                count = fired.sum(axis=1)
                spikes += count
                synops += count * fan_out[layer + 1]
            if t in wanted:
                predicted[wanted[t]] = charge.argmax(axis=1)
                synops_at[wanted[t]] = synops
        return {"scores": charge / steps, "predicted_at": predicted, "spikes": spikes,
                "synops": synops, "synops_at": synops_at}

    def predict(self, X, steps=256, coding="constant", seed=0):
        """The class of each row of X after `steps` time steps."""
        return self.simulate(X, steps, coding, seed)["predicted_at"][-1]


def convert_to_spiking(model, calibration_inputs, percentile=99.9, reset="subtract"):
    """A SpikingNetwork from a trained ``brainlab.nn`` Sequential of Dense+ReLU layers with a
    softmax (or linear) output, its weights normalised layer by layer by the `percentile`
    of the ReLU activations on `calibration_inputs` (Rueckauer et al. 2017)."""
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile!r}")
    layers = _dense_stack(model)
    X = np.asarray(calibration_inputs, np.float64)
    if X.ndim != 2 or X.shape[1] != layers[0][0].shape[0] or len(X) == 0:
        raise ValueError(f"calibration_inputs must have shape (n, {layers[0][0].shape[0]}) "
                         f"with n >= 1, got {X.shape}")
    weights, biases, scales = [], [], []
    previous, activity = 1.0, X
    for index, (W, b) in enumerate(layers):
        z = activity @ W + b
        if index < len(layers) - 1:
            activity = np.maximum(z, 0.0)
            positive = activity[activity > 0]
            scale = float(np.percentile(positive, percentile)) if positive.size else 1.0
        else:
            scale = 1.0      # the output layer only integrates; its scale changes no argmax
        weights.append(W * previous / scale)
        biases.append(b / scale)
        scales.append(scale)
        previous = scale
    return SpikingNetwork(weights, biases, [1.0] * len(layers), reset, scales)
