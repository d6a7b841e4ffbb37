"""Loss functions with Keras' conventions, and their gradients.

``mse``                       mean over all elements of (p - y)^2
``binary_crossentropy``       mean over all elements of -(y log p + (1 - y) log(1 - p))
``categorical_crossentropy``  batch mean of -sum_k y_k log p_k; integer labels accepted

When the network ends in the activation that matches its cross-entropy
(sigmoid with binary, softmax with categorical), the model computes the loss
fused from the logits ``z``: ``value_from_logits`` never takes log(0), and the
gradient with respect to the logits is simply (p - y) / N.
"""
from __future__ import annotations

import numpy as np

_EPSILON = 1e-7  # clip probabilities that did not come from logits, as Keras does


class Loss:
    """A loss L(p, y) averaged over the batch, and dL/dp."""

    name = "base"
    fused_activation = None  # the output activation whose logits this loss can consume directly

    def check_targets(self, y, outputs):
        """y as the array the loss expects for a network with `outputs` output units."""
        y = np.asarray(y)
        if y.ndim == 1 and outputs == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != outputs:
            raise ValueError(
                f"labels of shape {y.shape} do not fit loss {self.name!r} on a network with "
                f"{outputs} output unit(s); expected shape (n_samples, {outputs})")
        return y

    def value(self, p, y):
        raise NotImplementedError

    def gradient(self, p, y):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    name = "mse"

    def value(self, p, y):
        return float(np.mean((p - y) ** 2))

    def gradient(self, p, y):
        return (2.0 / p.size) * (p - y)


class BinaryCrossentropy(Loss):
    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def check_targets(self, y, outputs):
        y = super().check_targets(y, outputs)
        if not np.all((y >= 0) & (y <= 1)):
            raise ValueError(f"loss {self.name!r} expects labels in [0, 1]")
        return y

    def value(self, p, y):
        p = np.clip(p, _EPSILON, 1 - _EPSILON)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))

    def gradient(self, p, y):
        p = np.clip(p, _EPSILON, 1 - _EPSILON)
        return (p - y) / (p * (1 - p)) / p.size

    def value_from_logits(self, z, y):
        # -(y log s(z) + (1-y) log(1-s(z))) = max(z,0) - z y + log(1 + e^-|z|)
        return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))

    def gradient_from_logits(self, p, y, out=None):
        """dL/dz given p = sigmoid(z); written into `out` (may be p itself) when given."""
        grad = _copy_into(p, out)
        grad -= y
        grad /= grad.size
        return grad


class CategoricalCrossentropy(Loss):
    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def check_targets(self, y, outputs):
        """One-hot (n, K) targets, or integer class labels (n,) kept as integers."""
        y = np.asarray(y)
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1 and outputs > 1):
            y = y.reshape(-1)
            if not np.issubdtype(y.dtype, np.integer):
                if not np.all(np.mod(y, 1) == 0):
                    raise ValueError(f"loss {self.name!r} expects integer class labels or "
                                     f"one-hot rows; got non-integer values")
                y = y.astype(np.int64)
            if y.size and (y.min() < 0 or y.max() >= outputs):
                raise ValueError(f"class labels must lie in 0..{outputs - 1} for a network with "
                                 f"{outputs} outputs; got {y.min()}..{y.max()}")
            return y
        return super().check_targets(y, outputs)

    @staticmethod
    def _one_hot(y, like):
        if y.ndim == 2:
            return y
        one_hot = np.zeros_like(like)
        one_hot[np.arange(len(y)), y] = 1
        return one_hot

    def value(self, p, y):
        p = np.clip(p, _EPSILON, 1.0)
        if y.ndim == 1:
            return float(-np.mean(np.log(p[np.arange(len(y)), y])))
        return float(-np.mean(np.sum(y * np.log(p), axis=-1)))

    def gradient(self, p, y):
        p = np.clip(p, _EPSILON, 1.0)
        return -self._one_hot(y, p) / p / len(p)

    def value_from_logits(self, z, y):
        # -log softmax(z)_k = logsumexp(z) - z_k, with max(z) subtracted first.
        shifted = z - z.max(axis=-1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        if y.ndim == 1:
            return float(-np.mean(log_p[np.arange(len(y)), y]))
        return float(-np.mean(np.sum(y * log_p, axis=-1)))

    def gradient_from_logits(self, p, y, out=None):
        """dL/dz given p = softmax(z); written into `out` (may be p itself) when given."""
        grad = _copy_into(p, out)
        if y.ndim == 1:
            grad[np.arange(len(y)), y] -= 1
        else:
            grad -= y
        grad /= len(grad)
        return grad


def _copy_into(source, out):
    if out is None:
        return source.copy()
    if out is not source:
        np.copyto(out, source)
    return out


LOSSES = {cls.name: cls for cls in (MeanSquaredError, BinaryCrossentropy, CategoricalCrossentropy)}


def get_loss(loss):
    """A Loss from a name or an instance."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss.lower() in LOSSES:
        return LOSSES[loss.lower()]()
    raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)}")
