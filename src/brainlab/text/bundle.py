"""Saving and loading a TextClassifier: a directory a person can read, with no pickle.

    brainlab.json   what it is: strategy, labels, encoder reference, scores, training facts
    head/           the brainlab.nn head (config.json + weights.npz)
    features.npz    standardisation (mean, std) or the TF-IDF idf weights
    vocabulary.json the TF-IDF terms (scratch)
    encoder/        the fine-tuned encoder in Hugging Face format (finetune)
    README.md       a short model card

Written to a temporary directory and renamed, so an interrupted save or train
never leaves a directory that looks like a finished model.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..files import atomic_directory, check_replaceable, json_format, write_json, write_text
from ..nn import Sequential
from ..nn.io import load_npz

FORMAT = "brainlab.text.TextClassifier"


def save_classifier(classifier, directory, scores=None, data=None, summary=None):
    """Everything `load_classifier` needs, plus a model card and (given) summary.json."""
    meta = {
        "format": FORMAT, "format_version": 1,
        "strategy": classifier.strategy, "classes": classifier.classes_,
        "seed": classifier.seed, "hidden_units": classifier.hidden_units,
        "info": classifier.info, "scores": scores or classifier.info.get("scores"),
        "data": data or classifier.info.get("data"),
    }
    if classifier.encoder is not None:
        encoder = classifier.encoder.describe()
        if classifier.strategy == "finetune":
            encoder["model"] = "encoder"   # relative: the fine-tuned weights travel inside
        meta["encoder"] = encoder

    def write(tmp):
        classifier.head.save(tmp / "head")
        if classifier.strategy == "scratch":
            config, arrays = classifier.featurizer.get_state()
            write_json(tmp / "vocabulary.json", config)
            np.savez(tmp / "features.npz", **arrays)
        else:
            np.savez(tmp / "features.npz", mean=classifier.mean, std=classifier.std)
        if classifier.strategy == "finetune":
            _save_encoder(classifier.encoder, tmp / "encoder")
        if summary is not None:
            write_json(tmp / "summary.json", summary)
        write_json(tmp / "brainlab.json", meta)
        write_text(tmp / "README.md", model_card(meta))

    atomic_directory(directory, write, replaceable=is_saved_classifier)


def is_saved_classifier(directory):
    """Whether `directory` holds a saved TextClassifier (which a new save may replace)."""
    return json_format(Path(directory) / "brainlab.json") == FORMAT


def check_destination(directory):
    """Fail early, before any training, if saving to `directory` would be refused."""
    check_replaceable(directory, is_saved_classifier)


def _save_encoder(encoder, directory):
    import torch

    model = encoder.model   # always the fp32 weights; int8 is made again at load time
    if any(p.dtype != torch.float32 for p in model.parameters()):
        raise ValueError("the fine-tuned encoder is not float32")
    model.save_pretrained(directory, safe_serialization=True)
    encoder.tokenizer.save_pretrained(directory)


def load_classifier(cls, directory, precision=None):
    from .encoders import make_encoder
    from .tfidf import TfidfFeaturizer

    directory = Path(directory)
    meta_path = directory / "brainlab.json"
    if not directory.is_dir() or not meta_path.is_file():
        raise ValueError(f"{directory}: not a saved brainlab text model (no brainlab.json); "
                         f"train one with 'brainlab text train'")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{meta_path}: not valid JSON ({error})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{meta_path}: not a brainlab text model (format {FORMAT!r} expected)")
    strategy = meta["strategy"]
    saved_precision = meta.get("encoder", {}).get("precision", "fp32")
    classifier = cls(strategy=strategy, seed=meta.get("seed", 0),
                     hidden_units=meta.get("hidden_units", 0),
                     precision=precision or (saved_precision if saved_precision in
                                             ("fp32", "int8") else "fp32"))
    classifier.classes_ = meta["classes"]
    classifier.info = meta.get("info", {})
    classifier.head = Sequential.load(directory / "head")
    arrays = load_npz(directory / "features.npz")
    if strategy == "scratch":
        vocabulary = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        classifier.featurizer = TfidfFeaturizer.from_state(vocabulary, arrays)
    else:
        classifier.mean, classifier.std = arrays["mean"], arrays["std"]
        spec = meta["encoder"]
        model = directory / "encoder" if strategy == "finetune" else spec["model"]
        classifier.encoder_reference = str(model) if model != "default" else None
        classifier.max_length = spec["max_length"]
        classifier.encoder = make_encoder(
            classifier.encoder_reference, precision=classifier.precision,
            max_length=spec["max_length"], normalize=spec["normalize"])
    if classifier.head.output_dim != len(classifier.classes_):
        raise ValueError(f"{directory}: the head has {classifier.head.output_dim} outputs but "
                         f"{len(classifier.classes_)} classes are listed")
    return classifier


def model_card(meta):
    """A short markdown description of a saved model."""
    lines = [f"# brainlab text classifier ({meta['strategy']})", "",
             f"- classes: {', '.join(map(str, meta['classes']))}"]
    encoder = meta.get("encoder")
    if encoder:
        source = encoder["source"] if meta["strategy"] != "finetune" else \
            f"fine-tuned copy in encoder/ (from {encoder['source']})"
        lines.append(f"- encoder: {source}, mean pooling, max {encoder['max_length']} tokens, "
                     f"{encoder['precision']}")
    else:
        lines.append("- features: TF-IDF of words and word bigrams, learned from scratch")
    info = meta.get("info") or {}
    if info:
        lines.append(f"- trained on {info.get('train_size')} texts "
                     f"({info.get('validation_size')} held out for early stopping) "
                     f"in {info.get('fit_seconds')} s")
    if meta.get("data"):
        lines.append(f"- data: {meta['data']}")
    scores = meta.get("scores")
    if scores:
        lines += ["", "## Held-out scores", "",
                  f"accuracy {scores['accuracy']:.4f}, macro-F1 {scores['macro_f1']:.4f} "
                  f"on {scores['n']} texts"]
    lines += ["", "Load with `TextClassifier.load(path)`; weights are JSON, npz and safetensors "
              "(no pickle).", ""]
    return "\n".join(lines)
