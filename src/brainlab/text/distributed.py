"""Running under torchrun: which process this is, and the process group that joins them.

torchrun starts one process per rank and tells each its place through the environment
(RANK, WORLD_SIZE, MASTER_ADDR, ...). A plain run is rank 0 of a world of 1, and then
nothing here starts a process group. The backend is gloo on CPU and nccl on GPU; each
rank takes its own GPU (LOCAL_RANK) before the first collective.
"""
import os
from contextlib import contextmanager


def world():
    """(rank, world size) of this process; (0, 1) outside torchrun."""
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


@contextmanager
def process_group(backend=None):
    """Join the other ranks for the duration of the block (a no-op in a world of 1)."""
    rank, size = world()
    if size == 1:
        yield rank, size
        return
    import torch
    import torch.distributed as dist

    backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)) % torch.cuda.device_count())
    dist.init_process_group(backend)
    try:
        yield rank, size
    finally:
        dist.destroy_process_group()


def barrier():
    """Wait for every rank (a no-op in a world of 1)."""
    if world()[1] > 1:
        import torch.distributed as dist

        dist.barrier()


def training_device(name="auto"):
    """The torch device to train on: "auto" is this rank's GPU when one is visible, else
    the CPU; "cuda" without a GPU is an error rather than a silent CPU run."""
    import torch

    if name not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, got {name!r}")
    if name == "cpu" or (name == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for, but PyTorch sees no GPU here; use "
                         "--device cpu or auto")
    index = int(os.environ.get("LOCAL_RANK", 0)) % torch.cuda.device_count()
    torch.cuda.set_device(index)
    return torch.device("cuda", index)


def gather_rows(mine, total):
    """Every rank's rows back in one array, on every rank: rank r holds rows r, r + W,
    r + 2W, ... of `total` (a 2-d NumPy array), as `texts[rank::size]` gives them."""
    import numpy as np
    import torch
    import torch.distributed as dist

    rank, size = world()
    device = "cuda" if dist.get_backend() == "nccl" else "cpu"
    padded = torch.zeros((-(-total // size), mine.shape[1]), dtype=torch.float32, device=device)
    padded[:len(mine)] = torch.from_numpy(np.asarray(mine, dtype=np.float32))
    parts = [torch.empty_like(padded) for _ in range(size)]
    dist.all_gather(parts, padded)
    rows = np.empty((total, mine.shape[1]), dtype=np.float32)
    for r, part in enumerate(parts):
        rows[r::size] = part[:len(range(r, total, size))].cpu().numpy()
    return rows
