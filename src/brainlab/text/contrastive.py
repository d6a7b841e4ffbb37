"""Contrastive adaptation of an encoder to the user's labels (the first half of SetFit's
idea, without its pairs).

Each step draws a class-balanced batch of texts: with more than 16 classes (batches of
32), 2 texts of each of 16 classes in turn (26 fortune categories at 8 labels each, 3
seeds: +6.3 points over the frozen features, against +0.9 with one text of every class).
A text that is alone in its class in the batch is encoded twice (dropout makes the two
views differ, as in SimCSE), so every text has a positive even with one label per class;
the others are encoded once, which measured as accurate as two views of every text in
half the time. Two objectives, chosen by measurement (docs/results/english-sentiment.md):

- supervised contrastive loss (Khosla et al. 2020) with in-batch negatives: each view
  is pulled towards every other view of its class and pushed from the rest, through a
  softmax over cosine similarities / temperature;
- batch-hard triplets (Hermans et al. 2017): the farthest positive must be nearer than
  the nearest negative by a margin.

The work is `steps` batches of fixed size: linear in the number of labelled texts (the
step count grows with them, up to a cap), never quadratic as pair lists are. Each batch
is encoded in length-sorted chunks (less padding), under bf16 autocast where the CPU has
native bf16 (`bf16=True`): a step on 16 short texts took 360 ms as one fp32 batch and
189 ms so, at the same accuracy (docs/results/english-sentiment.md).
"""
from __future__ import annotations

import sys

import numpy as np
import torch
from tqdm.auto import tqdm

from .distributed import world
from .encoders import mean_over_windows, pad_batch, trains_in_bf16
from .fastbert import HuggingFaceForward

OBJECTIVES = ("supcon", "triplet")
CHUNK_TEXTS = 8   # texts per forward chunk of a batch (measured: 2-4 chunks as fast)
# P x K batches hold at least this many classes, else every class is in every batch
MIN_CLASSES_PER_BATCH = 8


def supervised_contrastive_loss(vectors, labels, temperature=0.2):
    """Mean over anchors of -mean over positives p of log softmax_j(cos(a, j) / T)[p],
    j running over every other vector of the batch."""
    z = torch.nn.functional.normalize(vectors, dim=1)
    similarity = z @ z.T / temperature
    self_mask = torch.eye(len(z), dtype=torch.bool, device=z.device)
    similarity = similarity.masked_fill(self_mask, float("-inf"))
    log_probability = similarity - torch.logsumexp(similarity, dim=1, keepdim=True)
    positives = (labels[:, None] == labels[None, :]) & ~self_mask
    counts = positives.sum(dim=1)
    anchored = counts > 0
    summed = log_probability.masked_fill(~positives, 0.0).sum(dim=1)
    return -(summed[anchored] / counts[anchored]).mean()


def batch_hard_triplet_loss(vectors, labels, margin=0.25):
    """Mean over anchors of relu(d(a, hardest positive) - d(a, hardest negative) + margin),
    with cosine distance d = 1 - cos."""
    z = torch.nn.functional.normalize(vectors, dim=1)
    distance = 1.0 - z @ z.T
    same = labels[:, None] == labels[None, :]
    self_mask = torch.eye(len(z), dtype=torch.bool, device=z.device)
    hardest_positive = distance.masked_fill(~same | self_mask, float("-inf")).max(dim=1).values
    hardest_negative = distance.masked_fill(same, float("inf")).min(dim=1).values
    return torch.relu(hardest_positive - hardest_negative + margin).mean()


def contrastive_steps(texts, batch_size, epochs, min_steps, max_steps):
    """Batches to train: `epochs` passes over the texts (each batch holds up to
    batch_size distinct texts), at least `min_steps` and at most `max_steps`."""
    passes = int(np.ceil(epochs * texts / max(1, min(batch_size, texts))))
    return int(min(max(passes, min_steps), max_steps))


def frozen_parameters(model, trained_layers=None):
    """The parameters left as pretrained: the word embeddings always, and with
    `trained_layers` = k everything below the top k transformer layers, so that the
    backward pass stops there. (BERT's pooler gets no gradient anyway: see
    HuggingFaceForward.)"""
    frozen = [model.get_input_embeddings().weight]
    layers = getattr(getattr(model, "encoder", None), "layer", None)
    if trained_layers is None or layers is None or trained_layers >= len(layers):
        return frozen
    top = {id(p) for layer in layers[len(layers) - trained_layers:] for p in layer.parameters()}
    return [p for p in model.parameters() if id(p) not in top]


def with_lone_views(rows, labels):
    """The batch, plus a second (dropout) view of each text that is alone in its class
    there, so that every text has a positive."""
    classes, counts = np.unique(labels[rows], return_counts=True)
    lone = np.isin(labels[rows], classes[counts == 1])
    return np.concatenate([rows, rows[lone]])


def windows_by_text(owner, texts):
    """For each of `texts` texts, the indices of its windows (owner[i]: window i's text)."""
    order = np.argsort(owner, kind="stable")
    return np.split(order, np.cumsum(np.bincount(owner, minlength=texts))[:-1])


class BalancedBatches:
    """Endless class-balanced batches of row indices (no pair lists). A batch holds
    `per_class` texts of each of `classes_per_batch` classes: every class while the batch
    has room for two texts of each (or too little room for 2 x MIN_CLASSES_PER_BATCH
    texts), else 2 texts of each of batch / 2 classes, the classes in turns (P x K
    sampling, Hermans et al. 2017), so that with many classes a text still meets others
    of its class rather than only its own dropout view. Each class walks through a fresh
    permutation of its rows."""

    def __init__(self, labels, texts_per_batch, seed=0):
        self.rng = np.random.default_rng(seed)
        self.members = [np.flatnonzero(labels == label) for label in np.unique(labels)]
        self.texts_per_batch = int(texts_per_batch)
        self.queues = [self.rng.permutation(m) for m in self.members]
        classes = len(self.members)
        if self.texts_per_batch >= 2 * classes or \
                self.texts_per_batch // 2 < MIN_CLASSES_PER_BATCH:   # every class, each time
            self.per_class, self.classes_per_batch = \
                max(1, self.texts_per_batch // classes), classes
        else:   # P x K: 2 texts of each of batch / 2 classes
            self.per_class, self.classes_per_batch = 2, self.texts_per_batch // 2
        self.turns = np.array([], dtype=int)   # the classes still to come this round

    def _take(self, c, k):
        taken = []
        while len(taken) < k:
            if len(self.queues[c]) == 0:
                self.queues[c] = self.rng.permutation(self.members[c])
            need = k - len(taken)
            taken.extend(self.queues[c][:need])
            self.queues[c] = self.queues[c][need:]
            if len(self.members[c]) < k and len(taken) >= len(self.members[c]):
                break   # a tiny class: each of its texts once per batch
        return taken

    def _classes(self):
        """The next classes_per_batch classes, in rounds that each visit every class once."""
        chosen = []
        while len(chosen) < self.classes_per_batch:
            if len(self.turns) == 0:
                fresh = self.rng.permutation(len(self.members))
                taken = np.isin(fresh, chosen)   # no class twice in a batch: those wait
                self.turns = np.concatenate([fresh[~taken], fresh[taken]])
            need = self.classes_per_batch - len(chosen)
            chosen.extend(self.turns[:need].tolist())
            self.turns = self.turns[need:]
        return chosen

    def next(self):
        rows = []
        for c in self._classes():
            rows.extend(self._take(c, self.per_class))
        return np.array(rows[:max(self.texts_per_batch, len(self.members))])


class ContrastiveTuner:
    """Adapts an encoder's weights in place by contrastive steps over labelled texts."""

    def __init__(self, steps=100, batch_size=32, learning_rate=6e-5, temperature=0.2,
                 objective="supcon", warmup_fraction=0.1, max_grad_norm=1.0, seed=0,
                 trained_layers=None, verbose=0, device="cpu", bf16=False):
        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
        if batch_size < 4:
            raise ValueError(f"contrastive batch_size must be at least 4, got {batch_size}")
        self.steps, self.batch_size, self.learning_rate = int(steps), int(batch_size), \
            learning_rate
        self.temperature, self.objective = temperature, objective
        self.warmup_fraction, self.max_grad_norm = warmup_fraction, max_grad_norm
        self.seed, self.verbose = seed, verbose
        self.trained_layers, self.device = trained_layers, torch.device(device)
        self.bf16 = trains_in_bf16(bf16, self.device)
        self.history = []
        self.windows_of = None   # per text, the indices of its windows (fit's owner)

    def loss(self, vectors, labels):
        if self.objective == "supcon":
            return supervised_contrastive_loss(vectors, labels, self.temperature)
        return batch_hard_triplet_loss(vectors, labels)

    def vectors(self, encoder, network, ids, rows, pad_id):
        """Sentence vectors of the batch `rows`, in its order. Under torchrun each rank
        encodes rows r, r + W, ... and the shares are gathered with their gradients: every
        rank then computes the same loss over the whole batch, and DDP's mean of the
        gradients is that loss's gradient."""
        rank, size = world()
        share = rows[rank::size]
        if size == 1:
            return self._encode(encoder, network, ids, share, pad_id)
        import torch.distributed.nn.functional as distributed

        idle = len(share) == 0   # fewer rows than ranks: a forward all the same, for DDP
        mine = self._encode(encoder, network, ids, rows[:1] if idle else share, pad_id)
        mine = mine[:0] if idle else mine
        most = -(-len(rows) // size)
        padded = torch.cat([mine, mine.new_zeros((most - len(mine), mine.shape[1]))])
        parts = distributed.all_gather(padded)
        counts = [len(range(r, len(rows), size)) for r in range(size)]
        gathered = torch.cat([part[:n] for part, n in zip(parts, counts)])
        positions = np.concatenate([np.arange(r, len(rows), size) for r in range(size)])
        return gathered[torch.from_numpy(np.argsort(positions)).to(gathered.device)]

    def _encode(self, encoder, network, ids, rows, pad_id):
        """Vectors of the texts `rows`, in their order. A text read in several windows
        (`fit`'s owner) gets the mean of its windows' vectors weighted by their token
        counts, as TransformerEncoder.encode gives it (the losses normalise)."""
        if self.windows_of is None:
            return self._encode_windows(encoder, network, ids, rows, pad_id)
        spans = [self.windows_of[r] for r in rows]
        windows = np.concatenate(spans)
        pooled = self._encode_windows(encoder, network, ids, windows, pad_id, normalize=False)
        owner = np.repeat(np.arange(len(rows)), [len(span) for span in spans])
        return mean_over_windows(pooled, [ids[w] for w in windows], owner, len(rows))

    def _encode_windows(self, encoder, network, ids, rows, pad_id, normalize=True):
        """Vectors of the token lists `rows`, in their order, encoded in length-sorted
        chunks of up to CHUNK_TEXTS: each chunk pads to its own longest (a batch of 16
        movie sentences holds 418 tokens, padded as one to 752)."""
        order = np.argsort([len(ids[i]) for i in rows], kind="stable")
        parts = []
        for chunk in np.array_split(order, -(-len(rows) // CHUNK_TEXTS)):
            input_ids, mask = pad_batch([ids[rows[i]] for i in chunk], pad_id)
            input_ids, mask = input_ids.to(self.device), mask.to(self.device)
            parts.append(encoder.pool(network(input_ids, mask), mask, normalize).float())
        vectors = torch.cat(parts)
        return vectors[torch.from_numpy(np.argsort(order)).to(vectors.device)]

    def fit(self, encoder, ids, labels, pad_id=0, owner=None):
        """Steps over the texts `labels` label. `ids` are their token ids, one list per
        text; with `owner`, one list per window and owner[i] the text of window i."""
        rank, size = world()
        torch.manual_seed(self.seed + rank)   # dropout differs across ranks; rank 0 = a plain run
        labels = np.asarray(labels)
        self.windows_of = None if owner is None else windows_by_text(owner, len(labels))
        batches = BalancedBatches(labels, self.batch_size, self.seed)
        network = HuggingFaceForward(encoder.model).to(self.device)
        network.train()   # dropout on: the two views of a text differ
        # the word embeddings stay as pretrained: a few labels say little about 30k words,
        # and their dense gradient is a third of the parameters to update each step
        frozen = frozen_parameters(encoder.model, self.trained_layers)
        for parameter in frozen:
            parameter.requires_grad_(False)
        trained = [p for p in network.parameters() if p.requires_grad]
        # fused: one kernel for all tensors (3.4 ms a step for MiniLM's 11M trained weights
        # on 2 cores, against 24-28 ms for the loop over them; the same update to 3e-8)
        optimizer = torch.optim.AdamW(trained, lr=self.learning_rate, weight_decay=0.01,
                                      fused=True)
        warmup = max(1, int(self.steps * self.warmup_fraction))
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min((step + 1) / warmup,
                                        max(0.0, (self.steps - step) / max(1, self.steps - warmup))))
        model = network if size == 1 else torch.nn.parallel.DistributedDataParallel(
            network, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        bar = tqdm(range(self.steps), desc="contrastive", unit="step", file=sys.stderr,
                   disable=True if not self.verbose or rank else None, leave=False)
        for _ in bar:
            rows = batches.next()
            rows = with_lone_views(rows, labels)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
                vectors = self.vectors(encoder, model, ids, rows, pad_id)
            loss = self.loss(vectors, torch.from_numpy(labels[rows]).to(self.device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, self.max_grad_norm)
            optimizer.step()
            scheduler.step()
            self.history.append(float(loss.detach()))
            bar.set_postfix(loss=f"{self.history[-1]:.3f}")
        bar.close()
        for parameter in frozen:
            parameter.requires_grad_(True)
        network.eval()   # dropout off, attention as loaded
        encoder.model.to("cpu")
        return self.history
