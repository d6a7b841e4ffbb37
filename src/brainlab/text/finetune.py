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
import hashlib
import sys
import time

import numpy as np
import torch
from tqdm.auto import tqdm

from . import checkpoint
from .distributed import world
from .encoders import pad_batch, trains_in_bf16
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
    """Trains a ClassifierNetwork end to end; the model/trainer split of SetFit.

    Under torchrun the network is wrapped in DistributedDataParallel: every rank draws
    the same global batches (one NumPy generator, seeded alike) and trains on its own
    share of each (rows r, r + W, ...), with the loss scaled so that the averaged
    gradient is the gradient of the whole batch. Validation is split the same way and
    its sums are added across ranks, so every rank takes the same best-epoch and
    early-stopping decisions. With `checkpoint_dir`, rank 0 writes a checkpoint after
    every epoch; `resume` continues from the newest one there.
    """

    def __init__(self, epochs=2, learning_rate=1e-4, head_learning_rate=1e-3, batch_size=32,
                 warmup_fraction=0.1, max_grad_norm=1.0, weight_decay=0.01, patience=1,
                 seed=0, verbose=1, device="cpu", checkpoint_dir=None, resume=False,
                 bf16=False, train_word_embeddings=None, start="probe"):
        if epochs < 1:
            raise ValueError(f"fine-tuning epochs must be at least 1, got {epochs}")
        self.epochs, self.learning_rate, self.head_learning_rate = epochs, learning_rate, \
            head_learning_rate
        self.batch_size, self.warmup_fraction, self.max_grad_norm = batch_size, \
            warmup_fraction, max_grad_norm
        self.weight_decay, self.patience, self.seed, self.verbose = weight_decay, patience, \
            seed, verbose
        self.device, self.checkpoint_dir, self.resume = torch.device(device), checkpoint_dir, \
            resume
        self.history = {"loss": [], "val_loss": [], "val_accuracy": [], "epoch_seconds": []}
        # bf16 autocast for the products; the weights, AdamW and the loss stay fp32
        self.bf16 = trains_in_bf16(bf16, self.device)
        # None: chosen by the model's shape (word_embeddings_trained)
        self.train_word_embeddings = train_word_embeddings
        # what the network was before epoch 1 ("probe", or "contrastive" where the encoder
        # was adapted first): part of the fingerprint, as a checkpoint holds weights from it
        self.start = start
        # facts about where the run started (the probe's strength, contrastive's steps):
        # kept in each checkpoint, and read back from it by a resumed run
        self.start_facts = {}
        self.pad_id = 0
        self.best_epoch = None
        self.resumed_from = None

    def _batch_rows(self, ids, rng=None, bucket_batches=50):
        """Row-index batches. Training (`rng` given): shuffle, sort each run of
        `bucket_batches` batches by length, cut, and shuffle the batches. Else: all rows
        sorted by length."""
        lengths = np.array([len(i) for i in ids])
        if rng is None:
            order = np.argsort(-lengths, kind="stable")
            return [order[i:i + self.batch_size] for i in range(0, len(ids), self.batch_size)]
        order, bucket, batches = rng.permutation(len(ids)), self.batch_size * bucket_batches, []
        for start in range(0, len(ids), bucket):
            chunk = order[start:start + bucket]
            chunk = chunk[np.argsort(-lengths[chunk], kind="stable")]
            batches += [chunk[i:i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        return [batches[i] for i in rng.permutation(len(batches))]

    def _autocast(self):
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16)

    def _tensors(self, ids, rows):
        input_ids, mask = pad_batch([ids[i] for i in rows], self.pad_id)
        return input_ids.to(self.device), mask.to(self.device)

    @staticmethod
    def _score(loss, accuracy):
        """Higher is better: accuracy first, then lower loss."""
        return (round(accuracy, 6), -loss)

    def evaluate(self, network, ids, targets):
        """(mean loss, accuracy) over all ranks; each rank scores every W-th batch."""
        rank, size = world()
        network.eval()
        sums = torch.zeros(2, dtype=torch.float64, device=self.device)   # loss, correct
        with torch.inference_mode():
            for rows in self._batch_rows(ids)[rank::size]:
                with self._autocast():
                    logits = network(*self._tensors(ids, rows)).float()
                y = torch.from_numpy(targets[rows]).to(self.device)
                sums[0] += float(torch.nn.functional.cross_entropy(logits, y, reduction="sum"))
                sums[1] += int((logits.argmax(1) == y).sum())
        sums = all_reduce_sum(sums)
        return float(sums[0]) / len(ids), int(sums[1]) / len(ids)

    def train_step(self, network, ids, targets, batch):
        """Forward and backward on this rank's share of a global batch; returns the share's
        summed loss. The share's loss is scaled by W / len(batch), so that DDP's mean over
        ranks is the gradient of the mean loss over the whole batch."""
        rank, size = world()
        share = batch[rank::size]
        weight = size / len(batch)
        if len(share) == 0:        # fewer rows than ranks: join the all-reduce with zero loss
            share, weight = batch[:1], 0.0
        with self._autocast():
            logits = network(*self._tensors(ids, share)).float()
        losses = torch.nn.functional.cross_entropy(
            logits, torch.from_numpy(targets[share]).to(self.device), reduction="none")
        (losses.sum() * weight).backward()
        return float(losses.detach().sum()) if weight else 0.0

    def _restore(self, network, optimizer, scheduler, rng, fingerprint, validate):
        """Load the newest checkpoint into the network, optimizer, scheduler and random
        generators; (first epoch to run, best score, best weights, epochs waited, stopped)."""
        saved = checkpoint.load(self.checkpoint_dir)
        trainer = saved["trainer"]
        if trainer["fingerprint"] != fingerprint:
            raise ValueError(f"the checkpoint in {self.checkpoint_dir} was written by a run on "
                             f"other training texts or settings; resume with the same data "
                             f"and options, or start afresh without --resume")
        network.load_state_dict(saved["weights"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        rng.bit_generator.state = trainer["numpy_rng"]
        checkpoint.restore_rng(saved["rng"])
        self.history, self.best_epoch = trainer["history"], trainer["best_epoch"]
        self.start_facts = trainer.get("start_facts", {})   # {} from checkpoints before them
        self.resumed_from = saved["epoch"] + 1
        best = None if trainer["best"] is None else tuple(trainer["best"])
        best_state = saved["best"]   # None when the newest epoch is the best one
        if best_state is None and validate:
            best_state = copy.deepcopy(network.state_dict())
        return self.resumed_from, best, best_state, trainer["waited"], trainer["stopped"]

    def fit(self, network, train_ids, train_targets, val_ids, val_targets):
        rank, size = world()
        torch.manual_seed(self.seed + rank)   # dropout differs across ranks; rank 0 = a plain run
        rng = np.random.default_rng(self.seed)
        train_targets = np.asarray(train_targets)
        val_targets = None if val_targets is None else np.asarray(val_targets)
        network.to(self.device)
        words = network.encoder.model.get_input_embeddings().weight
        words_trainable = words.requires_grad
        words.requires_grad_(word_embeddings_trained(network.encoder.model,
                                                     self.train_word_embeddings))
        head_params = list(network.head.parameters())
        head_ids = {id(p) for p in head_params}
        encoder_params = [p for p in network.parameters() if id(p) not in head_ids
                          and p.requires_grad]
        optimizer = torch.optim.AdamW([
            {"params": encoder_params, "lr": self.learning_rate},
            {"params": head_params, "lr": self.head_learning_rate}],
            weight_decay=self.weight_decay, fused=True)   # one kernel: see contrastive.py
        steps_per_epoch = -(-len(train_ids) // self.batch_size)
        total_steps = steps_per_epoch * self.epochs
        warmup = max(1, int(total_steps * self.warmup_fraction))
        decay_steps = max(1, total_steps - warmup)
        scheduler = torch.optim.lr_scheduler.LambdaLR(   # linear warm-up, then linear decay
            optimizer, lambda step: min((step + 1) / warmup,
                                        max(0.0, (total_steps - step) / decay_steps)))
        validate = val_ids is not None and len(val_ids) > 0
        fingerprint = run_fingerprint(train_ids, train_targets, val_ids, val_targets, self)
        if self.resume:
            start, best, best_state, waited, stopped = self._restore(
                network, optimizer, scheduler, rng, fingerprint, validate)
        else:
            if self.checkpoint_dir is not None and rank == 0:
                checkpoint.check_fresh(self.checkpoint_dir)
            start, best, best_state, waited, stopped, self.best_epoch = 1, None, None, 0, False, 0
            if validate:
                # epoch 0 is the linear probe itself: fine-tuning must beat it to be kept
                best = self._score(*self.evaluate(network, val_ids, val_targets))
                # without validation the last epoch is kept: no copy of the weights is needed
                best_state = copy.deepcopy(network.state_dict())
        model = network
        if size > 1:
            model = torch.nn.parallel.DistributedDataParallel(
                network, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        bar = tqdm(total=total_steps, initial=steps_per_epoch * (start - 1), desc="fine-tuning",
                   unit="step", file=sys.stderr, leave=False,
                   disable=True if not self.verbose or rank else None)
        for epoch in range(start, self.epochs + 1):
            if stopped:
                break
            started = time.perf_counter()
            model.train()
            running = 0.0
            for batch in self._batch_rows(train_ids, rng):
                optimizer.zero_grad(set_to_none=True)
                loss_sum = self.train_step(model, train_ids, train_targets, batch)
                torch.nn.utils.clip_grad_norm_(network.parameters(), self.max_grad_norm)
                optimizer.step()
                scheduler.step()
                running += loss_sum
                bar.update(1)
                bar.set_postfix(epoch=epoch, loss=f"{loss_sum / len(batch) * size:.3f}")
            running = float(all_reduce_sum(torch.tensor([running], dtype=torch.float64,
                                                        device=self.device))[0])
            self.history["loss"].append(running / len(train_ids))
            self.history["epoch_seconds"].append(round(time.perf_counter() - started, 2))
            if not validate:   # too few labels to hold any out: keep the last epoch
                self.best_epoch = epoch
            else:
                val_loss, val_accuracy = self.evaluate(network, val_ids, val_targets)
                self.history["val_loss"].append(val_loss)
                self.history["val_accuracy"].append(val_accuracy)
                if self._score(val_loss, val_accuracy) > best:
                    best, best_state, self.best_epoch, waited = \
                        self._score(val_loss, val_accuracy), \
                        copy.deepcopy(network.state_dict()), epoch, 0
                else:
                    waited += 1
                    stopped = waited > self.patience
            if self.checkpoint_dir is not None and rank == 0:
                checkpoint.save(
                    self.checkpoint_dir, epoch, network.state_dict(), optimizer, scheduler,
                    {"fingerprint": fingerprint, "numpy_rng": rng.bit_generator.state,
                     "history": self.history, "best_epoch": self.best_epoch, "waited": waited,
                     "best": best, "stopped": stopped, "start_facts": self.start_facts},
                    best_state if validate and self.best_epoch != epoch else None)
        bar.close()
        words.requires_grad_(words_trainable)
        if best_state is not None:
            network.load_state_dict(best_state)
        network.to("cpu")
        network.eval()
        return self.history


def all_reduce_sum(tensor):
    """The sum of `tensor` over all ranks (itself in a world of 1)."""
    if world()[1] > 1:
        import torch.distributed as dist

        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def word_embeddings_trained(model, asked=None):
    """Whether fine-tuning updates the word-embedding table: as `asked`, else unless the
    table holds over two thirds of the encoder's parameters (a multilingual vocabulary).

    AdamW updates every row each step, seen in the batch or not. For multilingual-e5-small
    (250k pieces, 81 % of its parameters) that took 1.2 s of a 4.3 s step, and freezing
    the table scored the same (Chinese reviews, 32 per class, 3 seeds: 0.815 either way)
    in half the time. MiniLM's 30k pieces are 52 % of it, and training them scored
    0.5 points more (movie-sentences, all labels: 0.858 against 0.852) for 19 % more time.
    (Both times were measured with AdamW's loop over the tensors. Fused, its update of all
    of e5-small's 118M weights takes 48-71 ms against 351-457 ms, and training the table
    cost 22 % more time instead of twice as much: 25.7 s a run against 21.0 s, 0.820
    either way, at 32 per class, 3 seeds; so it still stays frozen.)"""
    if asked is not None:
        return bool(asked)
    words = model.get_input_embeddings().weight.numel()
    return words <= 2 / 3 * sum(p.numel() for p in model.parameters())


def run_fingerprint(train_ids, train_targets, val_ids, val_targets, tuner):
    """A hash of what a run trains on and how: a checkpoint resumes only the same run."""
    digest = hashlib.sha256()
    for ids, targets in ((train_ids, train_targets), (val_ids or [], val_targets)):
        for row in ids:
            digest.update(np.asarray(row, dtype=np.int64).tobytes() + b"|")
        if targets is not None:
            digest.update(np.asarray(targets, dtype=np.int64).tobytes())
    digest.update(repr((tuner.epochs, tuner.learning_rate, tuner.head_learning_rate,
                        tuner.batch_size, tuner.warmup_fraction, tuner.max_grad_norm,
                        tuner.weight_decay, tuner.patience, tuner.seed, tuner.bf16,
                        tuner.train_word_embeddings, tuner.start)).encode())
    return digest.hexdigest()
