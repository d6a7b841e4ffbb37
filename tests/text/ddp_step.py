"""One training step under torchrun: rank 0 writes the gradients that DDP left on the
network (run by test_distributed_finetune.py, which compares them with one process)."""
import sys

import numpy as np

BATCHES = {"odd": np.array([0, 5, 17, 30, 44, 51, 70]),   # shares of 4 and 3 rows
           "one": np.array([3])}                          # fewer rows than ranks
CONTRASTIVE_ROWS = np.array([0, 5, 30, 44, 51, 70, 70])   # a text twice, as a lone view


def network_and_data():
    """A MiniLM ClassifierNetwork started from a features probe on the small rows, with
    dropout off (the gradients are then deterministic), its token ids, targets, encoder."""
    from brainlab.text import TextClassifier
    from brainlab.text.finetune import ClassifierNetwork

    from tests.text.conftest import small_rows

    rows = small_rows()
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    strategy = TextClassifier(strategy="features", seed=0).fit(texts, labels).strategy_
    network = ClassifierNetwork(strategy.encoder, strategy.head, strategy.mean, strategy.std)
    classes = sorted(set(labels))
    return network.eval(), strategy.encoder.tokenize(texts), \
        np.array([classes.index(label) for label in labels]), strategy.encoder


def _grads(network, prefix):
    module = getattr(network, "module", network)
    return {f"{prefix}/{key}": p.grad.detach().clone() for key, p in module.named_parameters()
            if p.grad is not None}


def finetune_gradients(network, ids, targets, name):
    """finetune: FineTuner.train_step on the global batch BATCHES[name]."""
    from brainlab.text.finetune import FineTuner

    network.zero_grad(set_to_none=True)
    FineTuner().train_step(network, ids, targets, BATCHES[name])
    return _grads(network, name)


def contrastive_forward(encoder):
    """The encoder as the contrastive tuner trains it (embeddings and pooler frozen)."""
    from brainlab.text.contrastive import frozen_parameters
    from brainlab.text.fastbert import HuggingFaceForward

    for parameter in frozen_parameters(encoder.model):
        parameter.requires_grad_(False)
    return HuggingFaceForward(encoder.model).eval()


def contrastive_gradients(forward, encoder, ids, targets):
    """contrastive: the supervised contrastive loss of CONTRASTIVE_ROWS, backwards."""
    import torch

    from brainlab.text.contrastive import ContrastiveTuner

    tuner = ContrastiveTuner()
    forward.zero_grad(set_to_none=True)
    vectors = tuner.vectors(encoder, forward, ids, CONTRASTIVE_ROWS, 0)
    tuner.loss(vectors, torch.from_numpy(targets[CONTRASTIVE_ROWS])).backward()
    return _grads(forward, "contrastive")


def main(out):
    import torch
    from safetensors.torch import save_file

    from brainlab.text.distributed import process_group

    with process_group() as (rank, _):
        network, ids, targets, _ = network_and_data()
        ddp = torch.nn.parallel.DistributedDataParallel(network)
        grads = {**finetune_gradients(ddp, ids, targets, "odd"),
                 **finetune_gradients(ddp, ids, targets, "one")}
        _, _, _, encoder = network_and_data()    # a fresh copy of the encoder
        forward = torch.nn.parallel.DistributedDataParallel(contrastive_forward(encoder))
        grads.update(contrastive_gradients(forward, encoder, ids, targets))
        if rank == 0:
            save_file(grads, out)


if __name__ == "__main__":
    main(sys.argv[1])
