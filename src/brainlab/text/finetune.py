"""Fine-tuning: the whole encoder and the head trained together in PyTorch.

The head starts from the trained `features` head (a linear probe first, then
fine-tuning), so the first steps refine a working classifier instead of
pushing random gradients into the pretrained weights. AdamW with a linear
warm-up and linear decay and gradient clipping, as in a plain PyTorch loop.

Two things make it cheaper than that loop: batches are drawn from buckets of
similar length (each batch pads to its own longest text, so short texts are
not padded to long ones), and validation runs in length-sorted batches. With a
validation set, the epoch with the best validation accuracy is kept (the lower
loss breaks ties), the probe itself (epoch 0) included: fine-tuning never
returns a worse classifier on the validation texts than the probe it started
from. Validation loss alone is a poor judge here: it rises as the model grows
confident while accuracy still improves.
"""
from __future__ import annotations

import copy
import sys
import time

import numpy as np
import torch
from tqdm.auto import tqdm

from .encoders import pad_batch
from .fastbert import HuggingFaceForward

# brainlab.nn activation name -> the torch module that computes the same function
_TORCH_ACTIVATIONS = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
                      "linear": torch.nn.Identity, "leaky_relu": lambda: torch.nn.LeakyReLU(0.01)}


class ClassifierNetwork(torch.nn.Module):
    """encoder -> mean pooling -> standardisation -> head, as one torch module."""

    def __init__(self, encoder, head, mean, std):
        super().__init__()
        self.pool = encoder.pool
        self.encoder = HuggingFaceForward(encoder.model)   # trainable: not the lean forward
        self.register_buffer("mean", torch.tensor(mean))
        self.register_buffer("std", torch.tensor(std))
        self.head = torch.nn.Sequential(*head_to_torch(head))

    def forward(self, input_ids, mask):
        states = self.encoder(input_ids, mask)
        return self.head((self.pool(states, mask) - self.mean) / self.std)


def head_to_torch(head):
    """The layers of a brainlab.nn head as torch modules; the final softmax is left out
    (cross-entropy takes logits)."""
    from ..nn.layers import Activation, Dense, Dropout

    modules = []
    for i, layer in enumerate(head.layers):
        last = i == len(head.layers) - 1
        if isinstance(layer, Dense):
            linear = torch.nn.Linear(layer.input_dim, layer.units)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(layer.W.T.astype(np.float32)))
                linear.bias.copy_(torch.from_numpy(layer.b.astype(np.float32)))
            modules.append(linear)
        elif isinstance(layer, Dropout):
            modules.append(torch.nn.Dropout(layer.rate))
        elif not isinstance(layer, Activation):
            raise ValueError(f"cannot fine-tune a head with layer {layer!r}")
        name = layer.activation_name
        if name is None or (last and name == "softmax"):
            continue
        if name not in _TORCH_ACTIVATIONS:
            raise ValueError(f"cannot fine-tune a head with activation {name!r} inside")
        modules.append(_TORCH_ACTIVATIONS[name]())
    return modules


def copy_head_back(torch_head, head):
    """Write the trained torch Linear weights back into the brainlab.nn head."""
    linears = [m for m in torch_head if isinstance(m, torch.nn.Linear)]
    denses = [layer for layer in head.layers if layer.params]
    for linear, dense in zip(linears, denses):
        dense.W[...] = linear.weight.detach().numpy().T
        dense.b[...] = linear.bias.detach().numpy()


class FineTuner:
    """Trains a ClassifierNetwork end to end; the model/trainer split of SetFit."""

    def __init__(self, epochs=2, learning_rate=5e-5, head_learning_rate=1e-3, batch_size=32,
                 warmup_fraction=0.1, max_grad_norm=1.0, weight_decay=0.01, patience=1,
                 seed=0, verbose=1):
        if epochs < 1:
            raise ValueError(f"fine-tuning epochs must be at least 1, got {epochs}")
        self.epochs, self.learning_rate, self.head_learning_rate = epochs, learning_rate, \
            head_learning_rate
        self.batch_size, self.warmup_fraction, self.max_grad_norm = batch_size, \
            warmup_fraction, max_grad_norm
        self.weight_decay, self.patience, self.seed, self.verbose = weight_decay, patience, \
            seed, verbose
        self.history = {"loss": [], "val_loss": [], "val_accuracy": [], "epoch_seconds": []}
        self.pad_id = 0
        self.best_epoch = None

    def _batches(self, ids, rng=None, bucket_batches=50):
        """(rows, input_ids, mask) batches. Training (`rng` given): shuffle, sort each run
        of `bucket_batches` batches by length, cut, and shuffle the batches. Else: all
        rows sorted by length."""
        lengths = np.array([len(i) for i in ids])
        if rng is None:
            order = np.argsort(-lengths, kind="stable")
            batches = [order[i:i + self.batch_size] for i in range(0, len(ids), self.batch_size)]
        else:
            order, bucket, batches = rng.permutation(len(ids)), self.batch_size * bucket_batches, []
            for start in range(0, len(ids), bucket):
                chunk = order[start:start + bucket]
                chunk = chunk[np.argsort(-lengths[chunk], kind="stable")]
                batches += [chunk[i:i + self.batch_size]
                            for i in range(0, len(chunk), self.batch_size)]
            batches = [batches[i] for i in rng.permutation(len(batches))]
        for batch in batches:
            yield (batch, *pad_batch([ids[i] for i in batch], self.pad_id))

    @staticmethod
    def _score(loss, accuracy):
        """Higher is better: accuracy first, then lower loss."""
        return (round(accuracy, 6), -loss)

    def evaluate(self, network, ids, targets):
        network.eval()
        total, correct = 0.0, 0
        with torch.inference_mode():
            for batch, input_ids, mask in self._batches(ids):
                logits = network(input_ids, mask)
                y = torch.from_numpy(targets[batch])
                total += float(torch.nn.functional.cross_entropy(logits, y, reduction="sum"))
                correct += int((logits.argmax(1) == y).sum())
        return total / len(ids), correct / len(ids)

    def fit(self, network, train_ids, train_targets, val_ids, val_targets):
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        train_targets = np.asarray(train_targets)
        val_targets = None if val_targets is None else np.asarray(val_targets)
        head_params = list(network.head.parameters())
        head_ids = {id(p) for p in head_params}
        encoder_params = [p for p in network.parameters() if id(p) not in head_ids]
        optimizer = torch.optim.AdamW([
            {"params": encoder_params, "lr": self.learning_rate},
            {"params": head_params, "lr": self.head_learning_rate}],
            weight_decay=self.weight_decay)
        steps_per_epoch = -(-len(train_ids) // self.batch_size)
        total_steps = steps_per_epoch * self.epochs
        warmup = max(1, int(total_steps * self.warmup_fraction))
        decay_steps = max(1, total_steps - warmup)
        scheduler = torch.optim.lr_scheduler.LambdaLR(   # linear warm-up, then linear decay
            optimizer, lambda step: min((step + 1) / warmup,
                                        max(0.0, (total_steps - step) / decay_steps)))
        validate = val_ids is not None and len(val_ids) > 0
        # epoch 0 is the linear probe itself: fine-tuning must beat it to be kept
        best = self._score(*self.evaluate(network, val_ids, val_targets)) if validate else None
        # without validation the last epoch is kept: no copy of the weights is needed
        best_state = copy.deepcopy(network.state_dict()) if validate else None
        self.best_epoch, waited = 0, 0
        bar = tqdm(total=total_steps, desc="fine-tuning", unit="step", file=sys.stderr,
                   disable=True if not self.verbose else None, leave=False)
        for epoch in range(1, self.epochs + 1):
            started = time.perf_counter()
            network.train()
            running = 0.0
            for batch, input_ids, mask in self._batches(train_ids, rng):
                logits = network(input_ids, mask)
                loss = torch.nn.functional.cross_entropy(
                    logits, torch.from_numpy(train_targets[batch]))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(network.parameters(), self.max_grad_norm)
                optimizer.step()
                scheduler.step()
                running += float(loss.detach()) * len(batch)
                bar.update(1)
                bar.set_postfix(epoch=epoch, loss=f"{float(loss.detach()):.3f}")
            self.history["loss"].append(running / len(train_ids))
            self.history["epoch_seconds"].append(round(time.perf_counter() - started, 2))
            if not validate:   # too few labels to hold any out: keep the last epoch
                self.best_epoch = epoch
                continue
            val_loss, val_accuracy = self.evaluate(network, val_ids, val_targets)
            self.history["val_loss"].append(val_loss)
            self.history["val_accuracy"].append(val_accuracy)
            if self._score(val_loss, val_accuracy) > best:
                best, best_state, self.best_epoch, waited = self._score(val_loss, val_accuracy), \
                    copy.deepcopy(network.state_dict()), epoch, 0
            else:
                waited += 1
                if waited > self.patience:
                    break
        bar.close()
        if best_state is not None:
            network.load_state_dict(best_state)
        network.eval()
        return self.history
