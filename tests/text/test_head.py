"""The head's search over strengths (text/head.py): the walk from strong to weak stops once
the held-out loss has risen twice in a row, without changing what it chooses."""
import numpy as np

from brainlab.text.head import STRENGTHS, choose_strength, held_out_losses


def overlapping_classes(n=600, dims=40, separation=0.3, classes=3, seed=0):
    """Unit-length vectors of `classes` overlapping Gaussian clouds: weak penalties overfit
    (here the held-out loss is lowest at C = 3.16 and rises from C = 10)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    X = rng.normal(size=(n, dims)) + separation * rng.normal(size=(classes, dims))[y]
    return X / np.linalg.norm(X, axis=1, keepdims=True), y


def test_the_walk_stops_once_the_loss_has_risen_twice_and_keeps_the_full_walks_losses():
    X, y = overlapping_classes()
    full, full_correct = held_out_losses(X, y, 3, default=float("inf"))   # never stops
    walked, correct = held_out_losses(X, y, 3)
    assert len(full) == len(STRENGTHS) and 3 <= len(walked) < len(STRENGTHS)
    np.testing.assert_allclose(walked, full[:len(walked)])
    assert (correct == full_correct[:len(walked)]).all()
    means = full.mean(axis=1)
    assert means[len(walked) - 1] > means[len(walked) - 2] > means[len(walked) - 3]
    assert means.argmin() == walked.mean(axis=1).argmin()   # the same choice


def test_the_walk_reaches_the_default_even_when_the_loss_rises_from_the_start():
    X, y = overlapping_classes(n=100, dims=300, separation=0.0)   # labels that are noise
    full, _ = held_out_losses(X, y, 3, default=float("inf"))
    assert (np.diff(full.mean(axis=1)) > 0).all()   # C = 0.01 is best, and each step worse
    losses, _ = held_out_losses(X, y, 3)
    assert len(losses) == STRENGTHS.index(1.0) + 1
    C, facts = choose_strength(X, y, 3)
    assert list(facts["head_held_out_loss"]) == [f"{c:g}" for c in STRENGTHS[:len(losses)]]
