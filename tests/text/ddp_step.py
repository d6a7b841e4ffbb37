"""One fine-tuning step under torchrun: rank 0 writes the gradients that DDP left on the
network (run by test_distributed_finetune.py, which compares them with one process)."""
import sys

import numpy as np

BATCHES = {"odd": np.array([0, 5, 17, 30, 44, 51, 70]),   # shares of 4 and 3 rows
           "one": np.array([3])}                          # fewer rows than ranks


def network_and_data():
    """A MiniLM ClassifierNetwork started from a features probe on the small rows, with
    dropout off (the gradients are then deterministic), its token ids and targets."""
    from brainlab.text import TextClassifier
    from brainlab.text.finetune import ClassifierNetwork

    from tests.text.conftest import small_rows

    rows = small_rows()
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    strategy = TextClassifier(strategy="features", seed=0).fit(texts, labels).strategy_
    network = ClassifierNetwork(strategy.encoder, strategy.head, strategy.mean, strategy.std)
    classes = sorted(set(labels))
    return network.eval(), strategy.encoder.tokenize(texts), \
        np.array([classes.index(label) for label in labels])


def gradients(network, name):
    from brainlab.text.finetune import FineTuner

    ids_targets = network_and_data.cache
    network.zero_grad(set_to_none=True)
    FineTuner().train_step(network, *ids_targets, BATCHES[name])
    module = getattr(network, "module", network)
    return {f"{name}/{key}": p.grad.detach().clone() for key, p in module.named_parameters()
            if p.grad is not None}


def main(out):
    import torch
    from safetensors.torch import save_file

    from brainlab.text.distributed import process_group

    with process_group() as (rank, _):
        network, ids, targets = network_and_data()
        network_and_data.cache = (ids, targets)
        ddp = torch.nn.parallel.DistributedDataParallel(network)
        grads = {**gradients(ddp, "odd"), **gradients(ddp, "one")}
        if rank == 0:
            save_file(grads, out)


if __name__ == "__main__":
    main(sys.argv[1])
