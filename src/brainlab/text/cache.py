"""An on-disk cache of sentence vectors, keyed by encoder and by text hash.

A frozen encoder gives the same vector for the same text every time, so the
`features` strategy encodes each text once: a second run, another label budget
or another seed reads the vectors back. Each encoder key has its own folder of
shards (``.npz``: digests and vectors), each written atomically.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import numpy as np

from ..files import atomic_path


def default_cache_dir():
    """$BRAINLAB_CACHE, else ~/.cache/brainlab."""
    return Path(os.environ.get("BRAINLAB_CACHE") or Path.home() / ".cache" / "brainlab")


def text_digest(text):
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class EmbeddingCache:
    """Vectors of one encoder (by its key), looked up by the digest of each text."""

    def __init__(self, encoder_key, directory=None):
        self.directory = Path(directory or default_cache_dir()) / "embeddings" / encoder_key
        self._index = None

    def _load(self):
        if self._index is not None:
            return
        self._index = {}
        if not self.directory.is_dir():
            return
        for shard in sorted(self.directory.glob("*.npz")):
            try:
                with np.load(shard, allow_pickle=False) as data:
                    digests, vectors = data["digests"], data["vectors"]
            except (OSError, ValueError, KeyError):
                continue   # a damaged shard only costs re-encoding
            for digest, vector in zip(digests, vectors):
                self._index[digest.tobytes()] = vector

    def encode(self, encoder, texts, progress=False):
        """Vectors for `texts`, encoding (and storing) only those not cached yet."""
        self._load()
        digests = [text_digest(t) for t in texts]
        missing = [i for i, d in enumerate(digests) if d not in self._index]
        if missing:
            unique = list(dict.fromkeys(digests[i] for i in missing))
            first = {d: i for i, d in reversed(list(enumerate(digests)))}
            vectors = encoder.encode([texts[first[d]] for d in unique], progress=progress)
            self._store(unique, vectors)
        return np.stack([self._index[d] for d in digests]) if texts else \
            np.zeros((0, 0), dtype=np.float32)

    def _store(self, digests, vectors):
        for digest, vector in zip(digests, vectors):
            self._index[digest] = vector
        with atomic_path(self.directory / f"{uuid.uuid4().hex}.npz") as tmp:
            with open(tmp, "wb") as handle:
                np.savez(handle, digests=np.frombuffer(b"".join(digests), dtype=np.uint8)
                         .reshape(len(digests), -1), vectors=vectors.astype(np.float32))
