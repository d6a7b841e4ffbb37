"""Layers: Dense (weights, biases and an activation), Activation and Dropout.

A layer's ``forward`` keeps what its ``backward`` needs (its input and output);
``backward`` takes dL/d(output), stores dL/d(parameters) in ``grads`` and returns
dL/d(input). Work arrays are kept per batch size and reused, so a training
epoch allocates almost nothing.
"""
from __future__ import annotations

import numpy as np

from .activations import Linear, get_activation
from .initializers import get_initializer


def is_sparse(x):
    """True for a SciPy sparse matrix or array (TF-IDF rows), which a Dense layer takes
    as it is; checked by module so that NumPy-only code never imports SciPy."""
    return type(x).__module__.startswith("scipy.sparse")


class Layer:
    """Base layer: lazy build from the input width, cached work arrays."""

    def __init__(self):
        self.built = False
        self.params = []
        self.grads = []
        self.input_dim = None
        self.output_dim = None
        self._buffers = {}

    def build(self, input_dim, rng, dtype):
        self.input_dim = self.output_dim = int(input_dim)
        self.built = True

    def buffer(self, name, shape, dtype):
        """A reusable array of this shape; contents are garbage until written."""
        key = (name, shape)
        array = self._buffers.get(key)
        if array is None or array.dtype != dtype:
            if len(self._buffers) > 16:  # many batch sizes seen (e.g. predict): forget old ones
                self._buffers.clear()
            array = self._buffers[key] = np.empty(shape, dtype=dtype)
        return array

    def forward(self, x, training=False):
        raise NotImplementedError

    def backward(self, grad_output, need_input_grad=True):
        raise NotImplementedError

    def get_config(self):
        return {}

    def penalty(self):
        """This layer's regularisation term, added to the loss (0 for most layers)."""
        return 0.0

    @property
    def activation_name(self):
        return None

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Dense(Layer):
    """Fully connected neurons: a = f(x W + b), W of shape (inputs, units).

    Each of the `units` neurons weighs every input, adds its bias and passes the
    sum through the activation f. ``kernel_l2 = lambda`` adds lambda * sum(W^2) to the
    loss (L2 regularisation, weight decay; the biases are not penalised), which keeps
    the weights small when there are few examples to fit. As a first layer it also takes
    SciPy sparse rows (TF-IDF), multiplying only their nonzeros.
    """

    def __init__(self, units, activation=None, input_dim=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_l2=0.0):
        super().__init__()
        if not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"Dense units must be a positive integer, got {units!r}")
        if not np.isfinite(kernel_l2) or kernel_l2 < 0:
            raise ValueError(f"kernel_l2 must be a non-negative number, got {kernel_l2!r}")
        self.units = int(units)
        self.kernel_l2 = float(kernel_l2)
        self.activation = get_activation(activation)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        get_initializer(kernel_initializer), get_initializer(bias_initializer)  # fail early
        self.requested_input_dim = input_dim
        self.W = self.b = self.dW = self.db = None

    def build(self, input_dim, rng, dtype):
        if self.requested_input_dim is not None and int(self.requested_input_dim) != input_dim:
            raise ValueError(f"Dense layer declared input_dim={self.requested_input_dim} but "
                             f"receives {input_dim} features")
        self.input_dim, self.output_dim = int(input_dim), self.units
        self.W = get_initializer(self.kernel_initializer)(input_dim, self.units, rng, dtype)
        self.b = get_initializer(self.bias_initializer)(1, self.units, rng, dtype).reshape(-1)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self.params, self.grads = [self.W, self.b], [self.dW, self.db]
        self.built = True

    def forward(self, x, training=False):
        self.x = x
        shape = (x.shape[0], self.units)
        self.z = self.buffer("z", shape, x.dtype)
        if is_sparse(x):   # only the nonzero inputs are multiplied
            self.z[...] = x @ self.W
        else:
            np.dot(x, self.W, out=self.z)
        self.z += self.b
        if isinstance(self.activation, Linear):
            self.a = self.z
        else:
            self.a = self.activation.forward(self.z, out=self.buffer("a", shape, x.dtype))
        return self.a

    def backward(self, grad_output, need_input_grad=True, from_logits=False):
        """dL/dx from dL/da (or from dL/dz when `from_logits`, for fused losses)."""
        grad_z = grad_output if from_logits else \
            self.activation.backward(grad_output, self.a, out=grad_output)
        if is_sparse(self.x):
            self.dW[...] = self.x.T @ grad_z
        else:
            np.dot(self.x.T, grad_z, out=self.dW)
        if self.kernel_l2:
            self.dW += (2.0 * self.kernel_l2) * self.W   # d(lambda sum W^2)/dW
        np.sum(grad_z, axis=0, out=self.db)
        if not need_input_grad:
            return None
        return np.dot(grad_z, self.W.T, out=self.buffer("dx", self.x.shape, grad_z.dtype))

    @property
    def activation_name(self):
        return self.activation.name

    @property
    def logits(self):
        """The last pre-activations z = x W + b."""
        return self.z

    def penalty(self):
        if not self.kernel_l2:
            return 0.0
        return self.kernel_l2 * float(np.vdot(self.W, self.W))

    def get_config(self):
        config = {"units": self.units, "activation": self.activation.name}
        if getattr(self.activation, "alpha", None) is not None:
            config["alpha"] = self.activation.alpha
        if self.input_dim is not None or self.requested_input_dim is not None:
            config["input_dim"] = self.input_dim or self.requested_input_dim
        if self.kernel_initializer != "glorot_uniform":
            config["kernel_initializer"] = self.kernel_initializer
        if self.bias_initializer != "zeros":
            config["bias_initializer"] = self.bias_initializer
        if self.kernel_l2:
            config["kernel_l2"] = self.kernel_l2
        return config


class Activation(Layer):
    """An activation function as a layer of its own: a = f(x)."""

    def __init__(self, activation):
        super().__init__()
        self.activation = get_activation(activation)

    def forward(self, x, training=False):
        self.x = x
        self.a = self.activation.forward(x, out=self.buffer("a", x.shape, x.dtype))
        return self.a

    @property
    def logits(self):
        """The last input, which this layer turned into probabilities."""
        return self.x

    def backward(self, grad_output, need_input_grad=True, from_logits=False):
        if from_logits:
            return grad_output
        return self.activation.backward(grad_output, self.a, out=grad_output)

    @property
    def activation_name(self):
        return self.activation.name

    def get_config(self):
        return {"activation": self.activation.name}


class Dropout(Layer):
    """Inverted dropout: while training, zero each input with probability `rate`
    and scale the rest by 1/(1 - rate), so inference needs no change."""

    def __init__(self, rate):
        super().__init__()
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.rng = np.random.default_rng()

    def build(self, input_dim, rng, dtype):
        super().build(input_dim, rng, dtype)
        self.rng = rng

    def forward(self, x, training=False):
        self.mask = None
        if not training or self.rate == 0:
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.rate
        self.mask = self.buffer("mask", x.shape, x.dtype)
        np.multiply(keep, 1.0 / (1.0 - self.rate), out=self.mask)
        return np.multiply(x, self.mask, out=self.buffer("a", x.shape, x.dtype))

    def backward(self, grad_output, need_input_grad=True, from_logits=False):
        if self.mask is None:
            return grad_output
        return np.multiply(grad_output, self.mask, out=grad_output)

    def get_config(self):
        return {"rate": self.rate}


LAYERS = {cls.__name__: cls for cls in (Dense, Activation, Dropout)}
