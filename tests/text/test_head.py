"""The head's search over strengths (text/head.py): the walk from strong to weak stops once
the held-out loss has risen twice in a row, without changing what it chooses."""
import numpy as np

from brainlab.text.head import STRENGTHS, choose_strength, held_out_losses, more_right


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


def test_another_strength_must_label_more_texts_right_by_two_standard_errors():
    """McNemar's test on the texts only one of the two labels right: 5 gained, none lost
    clears 2 * sqrt(5); 4 gained clears nothing (4 > 2 * sqrt(4) fails), nor do 12 gained
    against 4 lost (8 > 2 * sqrt(16) fails), while 30 gained against 10 lost do."""
    def pair(gained, lost, both=50):
        chosen = np.array([True] * gained + [False] * lost + [True] * both)
        default = np.array([False] * gained + [True] * lost + [True] * both)
        return chosen, default

    assert more_right(*pair(5, 0))
    assert not more_right(*pair(4, 0))
    assert not more_right(*pair(12, 4))
    assert more_right(*pair(30, 10))
    assert not more_right(*pair(0, 0))   # the same texts right: nothing to choose by


def test_a_lower_held_out_loss_alone_does_not_move_the_strength():
    """Overlapping classes where a weaker penalty lowers the held-out loss (more confident
    answers) by far more than two standard errors but labels no more texts right: C = 1
    stays."""
    X, y = overlapping_classes(n=120, dims=40, separation=0.3)
    losses, correct = held_out_losses(X, y, 3, default=float("inf"))
    best, default = losses.mean(axis=1).argmin(), STRENGTHS.index(1.0)
    difference = losses[best] - losses[default]
    assert STRENGTHS[best] == 10.0
    assert difference.mean() + 2 * difference.std(ddof=1) / np.sqrt(len(y)) < 0
    assert correct[best].sum() == 92 > correct[default].sum() == 87   # 5 more, not enough
    assert not more_right(correct[best], correct[default])
    C, facts = choose_strength(X, y, 3)
    assert C == 1.0 and facts["head_C_chosen_by"] == "cross-validation"


def test_extra_rows_train_in_every_split_and_are_never_held_out():
    X, y = overlapping_classes(n=90, dims=10)
    extra = (np.eye(3, 10) * 3.0, np.array([0, 1, 2]))
    plain, _ = held_out_losses(X, y, 3, default=float("inf"))
    more, _ = held_out_losses(X, y, 3, default=float("inf"), extra=extra)
    assert more.shape == plain.shape == (len(STRENGTHS), len(y))   # the same held-out texts
    assert not np.allclose(more, plain)   # fitted with the extra rows
