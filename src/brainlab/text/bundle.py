"""Saving and loading a TextClassifier: a directory a person can read, with no pickle.

    brainlab.json   what it is: strategy, labels, encoder reference, scores, training facts
                    (format_version 1, from before strategies were classes, loads too)
    head/           the brainlab.nn head (config.json + weights.npz)
    features.npz    standardisation (mean, std) or the TF-IDF idf weights
    vocabulary.json the TF-IDF terms (scratch)
    encoder/        the adapted encoder in Hugging Face format (finetune, contrastive)
    int8_calibration.npz  the encoder's fp32 activation ranges per linear layer, by which
                    its int8 form is smoothed (written for every encoder model)
    README.md       a short model card

Written to a temporary directory and renamed, so an interrupted save or train
never leaves a directory that looks like a finished model.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..files import atomic_directory, check_replaceable, json_format, write_json, write_text
from .metrics import accuracy_text
from .strategies import STRATEGY_CLASSES

FORMAT = "brainlab.text.TextClassifier"


def save_classifier(classifier, directory, scores=None, data=None, summary=None):
    """Everything `load_classifier` needs, plus a model card and (given) summary.json."""
    strategy = classifier.strategy_

    def write(tmp):
        meta = {
            "format": FORMAT, "format_version": 2,
            "strategy": classifier.strategy, "classes": classifier.classes_,
            "seed": classifier.seed, "hidden_units": classifier.hidden_units,
            "info": classifier.info, "scores": scores or classifier.info.get("scores"),
            "data": data or classifier.info.get("data"),
            **strategy.save(tmp),
        }
        meta["features"] = strategy.describe()
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


def load_classifier(cls, directory, precision=None):
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
    strategy = meta.get("strategy")
    if strategy not in STRATEGY_CLASSES:
        raise ValueError(f"{meta_path}: unknown strategy {strategy!r}; expected one of "
                         f"{tuple(STRATEGY_CLASSES)}")
    state = STRATEGY_CLASSES[strategy].load(directory, meta, precision)
    spec = meta.get("encoder") or {}
    named = spec.get("model") not in (None, "default", "encoder")   # a pretrained encoder
    classifier = cls(strategy=strategy, encoder=spec["model"] if named else None,
                     seed=meta.get("seed", 0), hidden_units=meta.get("hidden_units", 0),
                     precision=getattr(state, "precision", "fp32"),
                     max_length=spec.get("max_length"), windows=spec.get("windows", 1))
    classifier.classes_ = meta["classes"]
    classifier.info = meta.get("info", {})
    classifier.strategy_ = state
    if state.head.output_dim != len(classifier.classes_):
        raise ValueError(f"{directory}: the head has {state.head.output_dim} outputs but "
                         f"{len(classifier.classes_)} classes are listed")
    return classifier


def model_card(meta):
    """A short markdown description of a saved model."""
    lines = [f"# brainlab text classifier ({meta['strategy']})", "",
             f"- classes: {', '.join(map(str, meta['classes']))}"]
    if meta.get("encoder"):
        lines.append(f"- encoder: {meta['features']}")
    else:
        lines.append(f"- features: {meta['features']}")
    info = meta.get("info") or {}
    if info:
        lines.append(f"- trained on {info.get('train_size')} texts "
                     f"({info.get('validation_size')} held out for early stopping) "
                     f"in {info.get('fit_seconds')} s")
        if info.get("label_texts"):
            from .label_texts import readable

            lines.append(f"- and {info['label_texts']} sentences made of the class names "
                         f"(\"This is "
                         f"{readable(info.get('label_names', meta['classes'])[0])}.\"; "
                         f"TrainingArguments.label_texts)")
        from .strategies.features import UNKNOWN_TOKENS_NOTE

        if info.get("unknown_tokens", 0) > UNKNOWN_TOKENS_NOTE:
            lines.append(f"- **{info['unknown_tokens']:.0%} of the training texts' tokens "
                         "were unknown to the encoder**: its vocabulary does not cover their "
                         "language (for Chinese: multilingual-e5-small)")
    if meta.get("data"):
        lines.append(f"- data: {meta['data']}")
    scores = meta.get("scores")
    if scores:
        lines += ["", "## Held-out scores", "",
                  f"{accuracy_text(scores)}, macro-F1 {scores['macro_f1']:.4f} "
                  f"on {scores['n']} texts"]
    lines += ["", "Load with `TextClassifier.load(path)`; weights are JSON, npz and safetensors "
              "(no pickle).", ""]
    return "\n".join(lines)
