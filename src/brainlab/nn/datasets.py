"""Real data sets for the engine: Fashion-MNIST from its IDX files, and sklearn's digits.

IDX is the MNIST file format: a magic number whose third byte names the element
type and whose fourth the number of dimensions, then one big-endian uint32 per
dimension, then the raw data. Files may be gzip-compressed.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist
FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot"]
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """The array stored in an IDX file (optionally .gz), with its declared shape."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such IDX file")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path}: not an IDX file (bad magic number {raw[:4].hex()})")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], dtype=">u4"))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{path}: header promises {shape} ({expected} bytes of data) but the "
                         f"file holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def load_fashion_mnist(directory=FASHION_MNIST_DIR, flatten=True):
    """((X_train, y_train), (X_test, y_test)) with pixels scaled to [0, 1] as float32."""
    directory = Path(directory)

    def part(kind):
        images = read_idx(_find(directory, f"{kind}-images-idx3-ubyte"))
        labels = read_idx(_find(directory, f"{kind}-labels-idx1-ubyte"))
        X = images.astype(np.float32) / 255.0
        return (X.reshape(len(X), -1) if flatten else X), labels.astype(np.int64)

    return part("train"), part("t10k")


def _find(directory, stem):
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    raise ValueError(f"{directory}: no {stem}[.gz]; install Fashion-MNIST with "
                     f"'apt-get install dataset-fashion-mnist'")


def load_digits(test_size=0.25, seed=0):
    """scikit-learn's 8x8 digits, scaled to [0, 1], split stratified into train and test."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    X = (digits.data / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, digits.target, test_size=test_size, random_state=seed, stratify=digits.target)
    return (X_train, y_train), (X_test, y_test)
