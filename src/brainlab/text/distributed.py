"""Running under torchrun: which process this is, and the process group that joins them.

torchrun starts one process per rank and tells each its place through the environment
(RANK, WORLD_SIZE, MASTER_ADDR, ...). A plain run is rank 0 of a world of 1, and then
nothing here starts a process group. The backend is gloo on CPU and nccl on GPU.
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
