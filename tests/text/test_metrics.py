"""Held-out scores, and how sure an accuracy on n texts is (the Wilson score interval)."""
import math

import pytest

from brainlab.text.metrics import accuracy_interval, accuracy_text, classification_scores


def wilson(correct, n, z=1.959964):
    """The interval by its textbook formula (Wilson 1927)."""
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize("correct, n", [(7, 12), (2700, 3000), (0, 5), (40, 40)])
def test_the_interval_is_wilsons(correct, n):
    assert accuracy_interval(correct, n) == pytest.approx(wilson(correct, n), abs=1e-4)


def test_few_texts_give_a_wide_interval_and_it_is_reported():
    scores = classification_scores(["a"] * 7 + ["b"] * 5, ["a"] * 7 + ["a"] * 5, ["a", "b"])
    assert scores["accuracy"] == pytest.approx(7 / 12)
    low, high = scores["accuracy_interval"]
    assert low < 0.33 and high > 0.80   # 12 texts: 0.58 could be anything from 0.32 to 0.81
    assert accuracy_text(scores) == "accuracy 0.5833 (95 % interval 0.320–0.807)"
    del scores["accuracy_interval"]   # a model saved before the interval was recorded
    assert accuracy_text(scores) == "accuracy 0.5833"
