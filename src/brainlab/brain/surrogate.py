"""Spiking neurons trained by backpropagation through time, with a surrogate derivative.

A spike S = H(U - theta) has derivative zero everywhere except at the threshold, where
it is infinite, so gradient descent gets nothing from it. The surrogate-gradient trick
(Neftci, Mostafa & Zenke 2019; snnTorch's tutorial 5) keeps the step in the forward pass
and uses a smooth stand-in for dS/dU in the backward pass. Here the stand-in is the
derivative of an arctan (Fang et al. 2021, snnTorch's default for `Leaky`):

    dS/dU ~ (alpha / 2) / (1 + (pi / 2 * alpha * (U - theta))^2),   alpha = 2.

Chosen over the fast sigmoid 1 / (1 + k |U - theta|)^2 because its tails are heavier, so
neurons far from threshold still learn, and because it is snnTorch's default, which makes
the comparison in bench/snn_speed.py like for like. ``surrogate="fast_sigmoid"`` is there
too. Each layer of leaky integrate-and-fire neurons follows, at every step t,

    U[t] = beta U[t-1] + I[t] - theta S[t-1],   S[t] = H(U[t] - theta),

(reset by subtraction, the reset term not differentiated, as in snnTorch), with
I[t] = x W + b for the first layer (the image is a constant current) and
I[t] = S_prev[t] W + b after it. The loss is brainlab.nn's cross-entropy on the output
layer's membrane potential, summed over steps; brainlab.nn's Adam updates the weights.
The class is the output neuron that fires most (ties broken by membrane potential).
"""
import numpy as np

from ..nn.activations import get_activation
from ..nn.losses import get_loss
from ..nn.optimizers import Adam


def arctan_derivative(u, alpha=2.0):
    return (alpha / 2) / (1 + (np.pi / 2 * alpha * u) ** 2)


def fast_sigmoid_derivative(u, slope=25.0):
    return 1.0 / (1.0 + slope * np.abs(u)) ** 2


SURROGATES = {"arctan": arctan_derivative, "fast_sigmoid": fast_sigmoid_derivative}


def readout(potentials, spikes, summed=False):
    """Classes from the output layer's (steps, n, classes) potentials and spikes (or their
    sums over steps): the most spikes, ties broken by the summed potential. Measured on
    Fashion-MNIST, spike counts alone tie on up to 47 % of images once training makes the
    output neurons quiet (mostly all silent): 0.58 after 4 epochs, against 0.88 this way."""
    if not summed:
        potentials, spikes = potentials.sum(axis=0), spikes.sum(axis=0)
    tie_break = 0.4999 * (1 + np.tanh(potentials / (np.abs(potentials).max() + 1e-12)))
    return (spikes + tie_break).argmax(axis=1)


class SpikingClassifier:
    """Layers of leaky integrate-and-fire neurons (sizes[0] inputs, then one layer per
    entry) run for `steps` time steps per image, trained by backpropagation through time.

    Units: time in steps; potentials and threshold are dimensionless (threshold 1).
    """

    def __init__(self, sizes=(784, 1000, 10), beta=0.95, threshold=1.0, steps=25,
                 surrogate="arctan", seed=0, dtype="float32"):
        if len(sizes) < 2 or any(int(n) < 1 for n in sizes):
            raise ValueError(f"sizes must be at least (inputs, outputs), all positive; "
                             f"got {sizes!r}")
        if not 0 <= beta <= 1:
            raise ValueError(f"beta must be in [0, 1], got {beta!r}")
        if surrogate not in SURROGATES:
            raise ValueError(f"surrogate must be one of {tuple(SURROGATES)}, got {surrogate!r}")
        if not isinstance(steps, (int, np.integer)) or steps < 1:
            raise ValueError(f"steps must be a positive integer, got {steps!r}")
        self.sizes, self.beta, self.threshold = [int(n) for n in sizes], float(beta), \
            float(threshold)
        self.steps, self.surrogate, self.dtype = int(steps), surrogate, np.dtype(dtype)
        rng = np.random.default_rng(seed)
        self.weights, self.biases = [], []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            bound = 1.0 / np.sqrt(fan_in)   # PyTorch's nn.Linear default, as in snnTorch
            self.weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
            self.biases.append(rng.uniform(-bound, bound, fan_out).astype(dtype))
        self.loss = get_loss("categorical_crossentropy")
        self.history = {"loss": [], "accuracy": []}

    def __repr__(self):
        return (f"SpikingClassifier({'-'.join(map(str, self.sizes))} leaky integrate-and-fire, "
                f"beta={self.beta:g}, {self.steps} steps, {self.surrogate} surrogate)")

    def parameters(self):
        return [p for pair in zip(self.weights, self.biases) for p in pair]

    # ---- the dynamics ---------------------------------------------------------------
    def _layer(self, current):
        """Potentials U and spikes S, each (steps, n, units), of one layer driven by
        `current`, (n, units) constant or (steps, n, units)."""
        constant = current.ndim == 2
        shape = (self.steps,) + current.shape[-2:]
        U, S = np.empty(shape, self.dtype), np.empty(shape, self.dtype)
        u = np.zeros(shape[1:], self.dtype)
        s = np.zeros(shape[1:], self.dtype)
        for t in range(self.steps):
            u *= self.beta
            u += current if constant else current[t]
            u -= self.threshold * s
            s = (u >= self.threshold).astype(self.dtype)
            U[t], S[t] = u, s
        return U, S

    def forward(self, X):
        """[(U, S)] per layer, each (steps, n, units)."""
        X = np.asarray(X, self.dtype)
        states = [self._layer(X @ self.weights[0] + self.biases[0])]
        for W, b in zip(self.weights[1:], self.biases[1:]):
            spikes = states[-1][1]
            current = (spikes.reshape(-1, spikes.shape[-1]) @ W + b).reshape(
                spikes.shape[:2] + (W.shape[1],))
            states.append(self._layer(current))
        return states

    # ---- the loss and its gradient, through time -----------------------------------
    def loss_and_gradients(self, X, y):
        """Sum over steps of the cross-entropy of the output potentials, and its gradient
        for every parameter (aligned with parameters())."""
        X = np.asarray(X, self.dtype)
        y = self.loss.check_targets(y, self.sizes[-1])
        states = self.forward(X)
        softmax, derivative = get_activation("softmax"), SURROGATES[self.surrogate]
        U_out = states[-1][0]
        loss = sum(self.loss.value_from_logits(U_out[t], y) for t in range(self.steps))
        direct = np.stack([self.loss.gradient_from_logits(softmax(U_out[t]), y)
                           for t in range(self.steps)])
        grads = [None] * (2 * len(self.weights))
        g_current = self._through_time(direct)          # dL/dI of the output layer
        for layer in range(len(self.weights) - 1, -1, -1):
            W = self.weights[layer]
            if layer == 0:
                grads[0] = X.T @ g_current.sum(axis=0)
                grads[1] = g_current.sum(axis=(0, 1))
                break
            spikes, potential = states[layer - 1][1], states[layer - 1][0]
            flat = g_current.reshape(-1, W.shape[1])
            grads[2 * layer] = spikes.reshape(-1, W.shape[0]).T @ flat
            grads[2 * layer + 1] = flat.sum(axis=0)
            g_spikes = (flat @ W.T).reshape(spikes.shape)
            g_current = self._through_time(g_spikes * derivative(potential - self.threshold))
        return float(loss), [g.astype(self.dtype) for g in grads]

    def _through_time(self, local):
        """dL/dU[t] = local[t] + beta dL/dU[t+1], from the last step back; since
        U[t] = beta U[t-1] + I[t] - ..., dL/dI[t] = dL/dU[t]."""
        total = np.empty_like(local)
        carried = np.zeros_like(local[0])
        for t in range(self.steps - 1, -1, -1):
            carried = local[t] + self.beta * carried
            total[t] = carried
        return total

    # ---- training and prediction ----------------------------------------------------
    def fit(self, X, y, epochs=1, batch_size=128, learning_rate=5e-4, seed=0, order=None,
            verbose=0):
        """Adam on minibatches; `order` (a permutation per epoch, or one for all) fixes the
        order of the examples, e.g. to match another library's run."""
        from tqdm.auto import tqdm

        X, y = np.asarray(X, self.dtype), np.asarray(y)
        optimizer = Adam(learning_rate=learning_rate)
        rng = np.random.default_rng(seed)
        for epoch in range(epochs):
            indices = rng.permutation(len(X)) if order is None else np.asarray(
                order[epoch] if np.ndim(order) == 2 else order)
            losses = []
            batches = range(0, len(indices), batch_size)
            for start in tqdm(batches, desc=f"epoch {epoch + 1}/{epochs}", unit="batch",
                              disable=True if not verbose else None, leave=False):
                rows = indices[start:start + batch_size]
                loss, grads = self.loss_and_gradients(X[rows], y[rows])
                optimizer.step(self.parameters(), grads)
                losses.append(loss)
            self.history["loss"].append(float(np.mean(losses)))
        return self

    def predict(self, X, batch_size=1000):
        """The output neuron with the most spikes over the steps; ties (silence included)
        go to the highest summed membrane potential, the quantity the loss trains."""
        X = np.asarray(X, self.dtype)
        return np.concatenate([readout(*self.forward(X[i:i + batch_size])[-1])
                               for i in range(0, len(X), batch_size)])

    def evaluate(self, X, y):
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def accuracy_by_steps(self, X, y, batch_size=1000):
        """Accuracy when the answer is read after 1, 2, ..., steps time steps (the most
        spikes so far), and the spikes per image over all steps."""
        X, y = np.asarray(X, self.dtype), np.asarray(y)
        correct, spikes = np.zeros(self.steps), 0.0
        for i in range(0, len(X), batch_size):
            states = self.forward(X[i:i + batch_size])
            U, S = states[-1]
            counts, potentials = np.cumsum(S, axis=0), np.cumsum(U, axis=0)
            correct += [np.sum(readout(potentials[t], counts[t], summed=True) ==
                               y[i:i + batch_size]) for t in range(self.steps)]
            spikes += sum(float(S.sum()) for _, S in states)
        return correct / len(X), spikes / len(X)
