"""Types for command-line values: argparse reports a bad one with the flag's name,
e.g. "argument --seed: expected a non-negative integer, got '-5'"."""
from __future__ import annotations

import argparse
import math


def _number(kind, text):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected {'an integer' if kind is int else 'a number'}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _within(kind, text, accept, expected):
    """`text` as a `kind` for which `accept(value)` holds, else "expected <expected>"."""
    value = _number(kind, text)
    if not accept(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def non_negative_int(text):
    return _within(int, text, lambda v: v >= 0, "a non-negative integer")


def positive_int(text):
    return _within(int, text, lambda v: v >= 1, "a positive integer")


def positive_float(text):
    return _within(float, text, lambda v: v > 0, "a positive number")


def non_negative_float(text):
    return _within(float, text, lambda v: v >= 0, "a non-negative number")


def port(text):
    return _within(int, text, lambda v: 0 < v < 65536, "a port number from 1 to 65535")


def percentile(text):
    return _within(float, text, lambda v: 0 < v <= 100, "a percentile in (0, 100]")


def fraction(text):
    return _within(float, text, lambda v: 0 < v < 1, "a fraction between 0 and 1")


def held_out_fraction(text):
    """A fraction to hold out for scoring; 0 holds nothing out (every label trains)."""
    return _within(float, text, lambda v: 0 <= v < 1,
                   "a fraction from 0 to below 1 (0: hold nothing out)")


def text_encoding(text):
    """A codec name Python knows (utf-8, gb18030, big5, latin-1, ...)."""
    import codecs

    try:
        codecs.lookup(text)
    except LookupError:
        raise argparse.ArgumentTypeError(f"expected a text encoding such as utf-8, gb18030 "
                                         f"or big5, got {text!r}") from None
    return text


def label_names(text):
    """"0=negative,1=positive" as {"0": "negative", "1": "positive"}."""
    pairs = [part.split("=", 1) for part in text.split(",") if part.strip()]
    if not pairs or any(len(pair) != 2 or not pair[0].strip() or not pair[1].strip()
                        for pair in pairs):
        raise argparse.ArgumentTypeError(
            f"expected LABEL=NAME pairs separated by commas, like 0=negative,1=positive, "
            f"got {text!r}")
    return {label.strip(): name.strip() for label, name in pairs}
