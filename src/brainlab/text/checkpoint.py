"""A training run's state on disk, so that an interrupted run continues where it stopped.

A checkpoint is a folder ``epoch-N`` inside the checkpoint directory:

    weights.safetensors     the network (and `best.safetensors`: the best epoch's, when
                            that is not the last one)
    optimizer.safetensors   the optimizer's per-parameter tensors (AdamW's moments)
    rng.safetensors         torch's random states (CPU and each GPU)
    state.json              epoch, history, best epoch, scheduler, NumPy's random state,
                            the optimizer's scalars and a fingerprint of the run

No pickle. Each folder is written under a temporary name and renamed into place; the
file ``latest`` (written atomically too) names the newest whole one, and older ones are
then deleted. A run killed at any moment leaves the last complete checkpoint intact.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import torch

from ..files import make_folder, write_text

FORMAT = "brainlab-checkpoint-1"


def _tensors(state):
    """A flat {name: tensor} of an optimizer state_dict's tensors, and the rest as JSON."""
    tensors, scalars = {}, {}
    for index, values in state["state"].items():
        for name, value in values.items():
            if torch.is_tensor(value):
                tensors[f"{index}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{index}.{name}"] = value
    return tensors, {"scalars": scalars, "param_groups": state["param_groups"]}


def _optimizer_state(tensors, rest):
    """The inverse of `_tensors`: an optimizer state_dict."""
    state = {}
    for key, value in [*tensors.items(), *rest["scalars"].items()]:
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    return {"state": state, "param_groups": rest["param_groups"]}


def _state_dict_tensors(state_dict):
    return {name: value.detach().cpu().contiguous().clone() for name, value in state_dict.items()}


def save(directory, epoch, network_state, optimizer, scheduler, trainer_state, best_state=None):
    """Write checkpoint `epoch` into `directory` atomically, then drop the older ones."""
    from safetensors.torch import save_file

    directory = Path(directory)
    make_folder(directory)
    name = f"epoch-{epoch}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=directory))
    try:
        save_file(_state_dict_tensors(network_state), str(tmp / "weights.safetensors"))
        if best_state is not None:
            save_file(_state_dict_tensors(best_state), str(tmp / "best.safetensors"))
        tensors, rest = _tensors(optimizer.state_dict())
        save_file(tensors, str(tmp / "optimizer.safetensors"))
        rng = {"torch": torch.get_rng_state()}
        if torch.cuda.is_available():
            rng.update({f"cuda{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())})
        save_file(rng, str(tmp / "rng.safetensors"))
        (tmp / "state.json").write_text(json.dumps(
            {"format": FORMAT, "epoch": epoch, "optimizer": rest,
             "scheduler": scheduler.state_dict(), "trainer": trainer_state}, indent=1),
            encoding="utf-8")
        shutil.rmtree(directory / name, ignore_errors=True)
        os.replace(tmp, directory / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    write_text(directory / "latest", name + "\n")
    for old in directory.glob("epoch-*"):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)


def newest(directory):
    """The folder of the newest checkpoint in `directory`, or a ValueError."""
    latest = Path(directory) / "latest"
    if not latest.is_file():
        raise ValueError(f"{directory} holds no checkpoint (no 'latest' file); expected the "
                         f"checkpoint folder of an interrupted fine-tuning run")
    folder = Path(directory) / latest.read_text(encoding="utf-8").strip()
    if not (folder / "state.json").is_file():
        raise ValueError(f"the checkpoint {folder} named by {latest} is missing; expected a "
                         f"folder written by brainlab fine-tuning")
    return folder


def load(directory):
    """The newest checkpoint in `directory` as a dict (weights, best, optimizer, rng,
    epoch, scheduler, trainer), or a ValueError that says what is wrong."""
    from safetensors.torch import load_file

    folder = newest(directory)
    try:
        meta = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT!r}")
        best = folder / "best.safetensors"
        return {"epoch": meta["epoch"], "scheduler": meta["scheduler"],
                "trainer": meta["trainer"],
                "weights": load_file(str(folder / "weights.safetensors")),
                "best": load_file(str(best)) if best.exists() else None,
                "optimizer": _optimizer_state(load_file(str(folder / "optimizer.safetensors")),
                                              meta["optimizer"]),
                "rng": load_file(str(folder / "rng.safetensors"))}
    except (OSError, KeyError, ValueError, json.JSONDecodeError) as error:
        raise ValueError(f"the checkpoint {folder} cannot be read ({error}); expected a "
                         f"folder written by brainlab fine-tuning") from None


def restore_rng(rng):
    """Put torch's random states back as the checkpoint saved them."""
    torch.set_rng_state(rng["torch"])
    cuda = [rng[key] for key in sorted(k for k in rng if k.startswith("cuda"))]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda[:torch.cuda.device_count()])


def check_fresh(directory):
    """A ValueError if `directory` holds an earlier run's checkpoint: a new run would
    overwrite it, and the user more likely meant to resume it."""
    if directory is not None and (Path(directory) / "latest").exists():
        raise ValueError(f"{directory} holds the checkpoint of an earlier run; continue it "
                         f"with --resume {directory}, or remove that folder to start afresh")


def remove(directory):
    """Delete what `save` wrote in `directory` (and the folder, if nothing else is left)."""
    directory = Path(directory)
    if not directory.is_dir():
        return
    for path in [*directory.glob("epoch-*"), *directory.glob(".epoch-*"),
                 *directory.glob(".latest.*"), directory / "latest"]:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    try:
        directory.rmdir()
    except OSError:
        pass   # the user's own files are there too: leave them
