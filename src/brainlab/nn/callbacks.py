"""Training callbacks: History (what happened each epoch) and EarlyStopping."""
from __future__ import annotations

import numpy as np


class Callback:
    """Hooks called by ``Sequential.fit``; override the ones you need."""

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch):
        pass

    def on_epoch_end(self, epoch, logs):
        pass

    def on_train_end(self, logs=None):
        pass


class History(Callback):
    """Per-epoch metrics: ``history.history["loss"]``, ``["val_loss"]``, ``["accuracy"]``…"""

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by `min_delta` for `patience` epochs.

    With ``restore_best_weights`` the best epoch's weights are put back at the
    end of training, also when training ran every epoch without stopping.
    """

    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, mode="auto",
                 restore_best_weights=False):
        if patience < 0:
            raise ValueError(f"patience must be >= 0, got {patience!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if "acc" in monitor or "f1" in monitor else "min"
        self.monitor, self.patience, self.min_delta = monitor, int(patience), abs(min_delta)
        self.mode, self.restore_best_weights = mode, restore_best_weights

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = None
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_epoch = None
        self.best_weights = None

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs):
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which fit does not "
                             f"report; available: {sorted(logs)} (validation metrics need "
                             f"validation_split or validation_data)")
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = [p.copy() for p in self.model.parameters()]
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_parameters(self.best_weights)


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at each epoch's start to schedule(epoch, lr).

    A decaying rate takes big steps early and settles into a minimum late.
    """

    def __init__(self, schedule):
        if not callable(schedule):
            raise ValueError("LearningRateScheduler needs a function schedule(epoch, lr)")
        self.schedule = schedule

    def on_epoch_begin(self, epoch):
        rate = float(self.schedule(epoch, self.model.optimizer.learning_rate))
        if not np.isfinite(rate) or rate <= 0:
            raise ValueError(f"the schedule gave learning rate {rate!r} at epoch {epoch}; "
                             f"expected a positive number")
        self.model.optimizer.learning_rate = rate

    def on_epoch_end(self, epoch, logs):
        logs["learning_rate"] = self.model.optimizer.learning_rate
