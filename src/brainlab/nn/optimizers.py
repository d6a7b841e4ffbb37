"""Gradient descent and its refinements: SGD (momentum, Nesterov), Adam, and L-BFGS.

``step(params, grads)`` moves every parameter array in place, against its
gradient. Plain full-batch gradient descent is ``SGD`` trained with
``batch_size=None``. Optional clipping (``clipnorm`` on the global norm of all
gradients, ``clipvalue`` per element) tames exploding gradients. ``LBFGS`` is
full-batch: it re-evaluates the loss during its line search, so the model calls
``minimize_step(params, grads, loss_and_gradients)`` instead of ``step``.
"""
from __future__ import annotations

import numpy as np


class Optimizer:
    """Shared clipping and per-parameter state; subclasses write `update`."""

    name = "base"

    def __init__(self, learning_rate, clipnorm=None, clipvalue=None):
        if not np.isfinite(learning_rate) or learning_rate <= 0:
            raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue)):
            if value is not None and not value > 0:
                raise ValueError(f"{arg} must be positive or None, got {value!r}")
        self.learning_rate = float(learning_rate)
        self.clipnorm, self.clipvalue = clipnorm, clipvalue
        self.iterations = 0
        self.state = {}

    def step(self, params, grads):
        self.iterations += 1
        if self.clipvalue is not None:
            for g in grads:
                np.clip(g, -self.clipvalue, self.clipvalue, out=g)
        if self.clipnorm is not None:
            norm = np.sqrt(sum(float(np.vdot(g, g)) for g in grads))
            if norm > self.clipnorm:
                for g in grads:
                    g *= self.clipnorm / norm
        for i, (p, g) in enumerate(zip(params, grads)):
            self.update(i, p, g)

    def slot(self, i, name, like):
        """Per-parameter state (velocity, moments), created as zeros on first use."""
        key = (i, name)
        if key not in self.state:
            self.state[key] = np.zeros_like(like)
        return self.state[key]

    def update(self, i, param, grad):
        raise NotImplementedError

    def get_config(self):
        config = {"name": self.name, "learning_rate": self.learning_rate}
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        return config


class SGD(Optimizer):
    """v <- momentum v - lr g;  w <- w + v  (Nesterov: w <- w + momentum v - lr g)."""

    name = "sgd"

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **clipping):
        super().__init__(learning_rate, **clipping)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        if nesterov and momentum == 0:
            raise ValueError("nesterov=True needs a momentum > 0")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def update(self, i, param, grad):
        if self.momentum == 0:
            param -= self.learning_rate * grad
            return
        velocity = self.slot(i, "velocity", param)
        velocity *= self.momentum
        velocity -= self.learning_rate * grad
        if self.nesterov:
            param += self.momentum * velocity - self.learning_rate * grad
        else:
            param += velocity

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): step along m_hat / (sqrt(v_hat) + eps), where m and
    v are running means of g and g^2, bias-corrected for their zero start."""

    name = "adam"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8, **clipping):
        super().__init__(learning_rate, **clipping)
        for arg, value in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= value < 1:
                raise ValueError(f"{arg} must be in [0, 1), got {value!r}")
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def update(self, i, param, grad):
        m, v = self.slot(i, "m", param), self.slot(i, "v", param)
        scratch = self.slot(i, "scratch", param)
        t = self.iterations
        # m <- m + (1 - b1)(g - m) ;  v <- v + (1 - b2)(g^2 - v): running means, no temporaries
        np.subtract(grad, m, out=scratch)
        scratch *= 1.0 - self.beta_1
        m += scratch
        np.multiply(grad, grad, out=scratch)
        scratch -= v
        scratch *= 1.0 - self.beta_2
        v += scratch
        # w <- w - lr/(1 - b1^t) * m / (sqrt(v/(1 - b2^t)) + eps), multiplied through by
        # sqrt(1 - b2^t) so that the bias corrections become two scalars
        root_correction = np.sqrt(1.0 - self.beta_2 ** t)
        np.sqrt(v, out=scratch)
        scratch += self.epsilon * root_correction
        np.divide(m, scratch, out=scratch)
        scratch *= self.learning_rate * root_correction / (1.0 - self.beta_1 ** t)
        param -= scratch

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class LBFGS(Optimizer):
    """Limited-memory BFGS (Nocedal & Wright 2006, algorithm 7.4/7.5) for full-batch
    training of small, smooth problems such as a regularised softmax head.

    The step is d = -H g, where H approximates the inverse Hessian from the last
    `memory` pairs s = w_new - w_old, y = g_new - g_old (two-loop recursion), and
    the step length t is backtracked from `learning_rate` until the loss falls by at
    least c1 t g.d (Armijo). Training stops (``converged``) once the largest gradient
    entry is below `tolerance` or the loss no longer moves.
    """

    name = "lbfgs"
    full_batch = True

    def __init__(self, learning_rate=1.0, memory=10, tolerance=1e-5, max_backtracks=30):
        super().__init__(learning_rate)
        if int(memory) < 1:
            raise ValueError(f"memory must be a positive integer, got {memory!r}")
        self.memory, self.tolerance = int(memory), float(tolerance)
        self.max_backtracks = int(max_backtracks)
        self.reset()

    def reset(self):
        """Forget the curvature pairs (a new problem, or new data)."""
        self.pairs, self.loss, self.gradient, self.converged = [], None, None, False

    def step(self, params, grads):
        raise ValueError("L-BFGS is a full-batch optimizer; train with Sequential.fit, "
                         "which calls minimize_step")

    def _direction(self, gradient):
        """-H g by the two-loop recursion; scaled steepest descent before any pair."""
        if not self.pairs:
            return -gradient / max(1.0, float(np.abs(gradient).sum()))
        q, alphas = gradient.copy(), []
        for s, y, rho in reversed(self.pairs):
            alpha = rho * float(s @ q)
            q -= alpha * y
            alphas.append(alpha)
        s, y, _ = self.pairs[-1]
        q *= float(s @ y) / float(y @ y)   # H0 = (s.y / y.y) I
        for (s, y, rho), alpha in zip(self.pairs, reversed(alphas)):
            q += (alpha - rho * float(y @ q)) * s
        return -q

    def minimize_step(self, params, grads, loss_and_gradients, c1=1e-4):
        """One L-BFGS iteration. `loss_and_gradients()` returns the loss at the current
        params and fills `grads`; it is last called at the accepted point."""
        if self.loss is None:
            self.loss, self.gradient = loss_and_gradients(), _flatten(grads)
        self.iterations += 1
        start, gradient = _flatten(params), self.gradient
        direction = self._direction(gradient)
        slope = float(gradient @ direction)
        if slope >= 0:   # not a descent direction: restart from steepest descent
            self.pairs = []
            direction = self._direction(gradient)
            slope = float(gradient @ direction)
        t = self.learning_rate
        for _ in range(self.max_backtracks):
            _unflatten(start + t * direction, params)
            loss = loss_and_gradients()
            if np.isfinite(loss) and loss <= self.loss + c1 * t * slope:
                break
            t *= 0.5
        else:   # no decrease along d: we are at a minimum to working precision
            _unflatten(start, params)
            self.loss = loss_and_gradients()
            self.converged = True
            return self.loss
        new_gradient = _flatten(grads)
        s, y = t * direction, new_gradient - gradient
        if float(s @ y) > 1e-10 * float(y @ y):   # keeps H positive definite
            self.pairs = (self.pairs + [(s, y, 1.0 / float(s @ y))])[-self.memory:]
        change = abs(self.loss - loss)
        self.loss, self.gradient = loss, new_gradient
        self.converged = float(np.abs(new_gradient).max()) <= self.tolerance or \
            change <= 1e-12 * max(1.0, abs(loss))
        return loss

    def get_config(self):
        return {"name": self.name, "learning_rate": self.learning_rate, "memory": self.memory,
                "tolerance": self.tolerance, "max_backtracks": self.max_backtracks}


def _flatten(arrays):
    return np.concatenate([a.reshape(-1) for a in arrays]).astype(np.float64)


def _unflatten(vector, arrays):
    start = 0
    for array in arrays:
        array[...] = vector[start:start + array.size].reshape(array.shape)
        start += array.size


OPTIMIZERS = {cls.name: cls for cls in (SGD, Adam, LBFGS)}


def get_optimizer(optimizer, learning_rate=None):
    """An Optimizer from a name (with an optional learning rate), a config dict or an instance."""
    if isinstance(optimizer, Optimizer):
        if learning_rate is not None:
            optimizer.learning_rate = float(learning_rate)
        return optimizer
    if isinstance(optimizer, dict):
        return _from_config(optimizer)
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        cls = OPTIMIZERS[optimizer.lower()]
        return cls() if learning_rate is None else cls(learning_rate=learning_rate)
    raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {sorted(OPTIMIZERS)} "
                     f"or an Optimizer instance")


def _from_config(config):
    config = dict(config)
    name = config.pop("name", None)
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {sorted(OPTIMIZERS)}")
    return OPTIMIZERS[name](**config)
