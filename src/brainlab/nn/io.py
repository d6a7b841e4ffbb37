"""Saving and loading models: a directory with config.json and weights.npz.

No pickle anywhere: the config is JSON and the weights are read with
``allow_pickle=False``. Everything is written under a temporary name and
renamed into place, so an interrupted save never leaves a half-written model.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from ..files import atomic_directory, json_format, write_json

FORMAT = "brainlab.nn.Sequential"
FORMAT_VERSION = 1


def load_npz(path):
    """Arrays from an .npz file, refusing pickled objects with a clear error."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except ValueError as error:
        if "pickle" in str(error):
            raise ValueError(f"{path}: holds pickled Python objects, which brainlab refuses to "
                             f"load (they can run code); expected plain numeric arrays") from None
        raise ValueError(f"{path}: not a valid weights file ({error})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise ValueError(f"{path}: not a readable .npz weights file ({error})") from None


def save_model(model, path):
    if not model.built:
        raise ValueError("cannot save a model that has no weights yet; fit or build it first")
    config = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "dtype": model.dtype.name, "seed": model.seed,
        "layers": [{"class": type(layer).__name__, "config": layer.get_config()}
                   for layer in model.layers],
        "compile": None if model.loss is None else {
            "loss": model.loss.name, "optimizer": model.optimizer.get_config(),
            "metrics": model.metrics},
    }
    weights = {f"param_{i}": p for i, p in enumerate(model.parameters())}

    def write(directory):
        write_json(directory / "config.json", config)
        np.savez(directory / "weights.npz", **weights)

    atomic_directory(path, write,
                     replaceable=lambda old: json_format(old / "config.json") == FORMAT)


def load_model(cls, path):
    from .layers import LAYERS

    path = Path(path)
    config_path = path / "config.json"
    if not config_path.is_file():
        raise ValueError(f"{path}: not a saved brainlab.nn model (no config.json)")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{config_path}: not valid JSON ({error})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"{config_path}: expected format {FORMAT!r}")
    layers = []
    for i, spec in enumerate(config["layers"]):
        if spec.get("class") not in LAYERS:
            raise ValueError(f"{config_path}: layer {i} has unknown class {spec.get('class')!r}; "
                             f"expected one of {sorted(LAYERS)}")
        layer_config = dict(spec.get("config", {}))
        if "alpha" in layer_config:
            from .activations import LeakyReLU
            layer_config["activation"] = LeakyReLU(layer_config.pop("alpha"))
        layers.append(LAYERS[spec["class"]](**layer_config))
    model = cls(layers, seed=config.get("seed"), dtype=config.get("dtype", "float32"))
    if not model.built:
        raise ValueError(f"{config_path}: the first layer has no input_dim")
    weights = load_npz(path / "weights.npz")
    params = model.parameters()
    if len(weights) != len(params):
        raise ValueError(f"{path / 'weights.npz'}: has {len(weights)} arrays, the config "
                         f"needs {len(params)}")
    model.set_parameters([weights[f"param_{i}"] for i in range(len(params))])
    if config.get("compile"):
        compiled = config["compile"]
        model.compile(loss=compiled["loss"], optimizer=compiled["optimizer"],
                      metrics=compiled.get("metrics"))
    return model
