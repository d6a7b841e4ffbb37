"""The classifier head: a brainlab.nn softmax layer on sentence vectors (or TF-IDF rows).

The default head is multinomial logistic regression with an L2 penalty, trained to
convergence by full-batch L-BFGS, the same model scikit-learn's
``LogisticRegression(C=1)`` fits: mean cross-entropy + lambda ||W||^2 with
lambda = 1 / (2 C n) (1 / (C n) for two classes, whose softmax has two columns to
penalise where scikit-learn has one). On unit-length vectors (MiniLM's) C = 1 is a
good prior; the head moves away from it only when the user's own labels show, by
cross-validation (few labels) or a held-out split (many), that another strength is
better by more than two standard errors of the paired difference in held-out loss, and
labels more held-out texts right by more than two standard errors (McNemar's test).
Measured on three English sets, a free choice by cross-validation lost up to a point
to C = 1 on 8-64 labels per class (the noise of choosing). The loss alone was not enough:
where C = 1 answers timidly, a weaker penalty lowers every held-out loss at once, and with
"at least as many right" on 64 Chinese reviews it took C = 100 for two more right out of
64 and lost 5.6 points on the test reviews (docs/results/benches/head_vs_logreg.md).

``hidden_units > 0`` gives one hidden ReLU layer with dropout, trained by Adam with
early stopping on held-out labels (or a fixed number of epochs when labels are few).
"""
from __future__ import annotations

import numpy as np

from ..nn import LBFGS, Dense, Dropout, EarlyStopping, Sequential
from ..nn.layers import is_sparse

DEFAULT_C = 1.0
STRENGTHS = tuple(float(c) for c in np.logspace(-2, 2, 9))   # includes DEFAULT_C
# Below this many labels in some class, the held-out estimates are too noisy to choose by.
MIN_PER_CLASS_TO_CHOOSE = 20
CROSS_VALIDATION_LIMIT = 3000   # up to this many texts, k-fold; above, one held-out split
MAX_ITERATIONS = 500


def more_right(chosen, default):
    """Whether `chosen` labels more held-out texts right than `default` by more than two
    standard errors of the paired difference (McNemar's): of the texts only one of them
    labels right, chosen's share must stand out."""
    gained, lost = int(np.sum(chosen & ~default)), int(np.sum(~chosen & default))
    return gained - lost > 2.0 * np.sqrt(gained + lost)


def as_many_right(chosen, default):
    """Whether `chosen` labels at least as many held-out texts right as `default`."""
    return int(chosen.sum()) >= int(default.sum())


# Where the search starts and how far it looks, by kind of input. Sentence vectors: C = 1
# (LogisticRegression's default). TF-IDF rows: 20,000 sparse dimensions, where the
# held-out loss on BBC News fell from 0.48 at C = 1 to 0.10 at C = 100, and each fit
# costs 50 times more, so a short grid and one held-out split above 600 texts. "right":
# how many more held-out texts the chosen strength must label right; McNemar's margin
# was measured on sentence vectors only (scratch's choices were left as they were).
SENTENCE_VECTORS = {"strengths": STRENGTHS, "default": DEFAULT_C,
                    "cross_validation_limit": CROSS_VALIDATION_LIMIT, "right": more_right}
TFIDF_ROWS = {"strengths": (1.0, 10.0, 100.0), "default": 10.0, "cross_validation_limit": 600,
              "right": as_many_right}


def l2_strength(C, n, classes):
    """The kernel_l2 of a softmax Dense that makes its loss scikit-learn's at C."""
    return 1.0 / (C * n) if classes == 2 else 1.0 / (2.0 * C * n)


def train_logistic(X, y, classes, C=DEFAULT_C, start=None, seed=0, max_iterations=MAX_ITERATIONS):
    """A softmax layer fitted to (X, y) at strength C by L-BFGS, optionally warm-started
    from `start` (a list of parameter arrays); the problem is convex, so the start
    changes only the time to the optimum."""
    head = Sequential([Dense(classes, activation="softmax", input_dim=X.shape[1],
                             kernel_initializer="zeros",
                             kernel_l2=l2_strength(C, X.shape[0], classes))],
                      seed=seed, dtype="float64" if X.dtype == np.float64 else "float32")
    head.compile(loss="categorical_crossentropy", optimizer=LBFGS(tolerance=1e-6),
                 metrics=["accuracy"])
    if start is not None:
        head.set_parameters(start)
    head.fit(X, y, epochs=max_iterations, verbose=0)
    return head


def _splits(y, seed, limit=CROSS_VALIDATION_LIMIT):
    """(train rows, held-out rows) pairs: stratified 5-fold up to `limit` texts, else one
    split of about 15%."""
    rng = np.random.default_rng(seed)
    folds = np.empty(len(y), dtype=int)
    k = 5 if len(y) <= limit else 7   # 1 of 7 folds ~ a 15% split
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        folds[members] = np.arange(len(members)) % k
    rounds = range(k) if len(y) <= limit else [0]
    return [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in rounds]


def held_out_losses(X, y, classes, strengths=STRENGTHS, seed=0, validation=None,
                    limit=CROSS_VALIDATION_LIMIT, default=DEFAULT_C, extra=None):
    """(losses, correct): the cross-entropy of each held-out text at each C walked, and
    whether it was labelled right; both (strengths walked, n_held_out). `extra` (X, y)
    rows join every training part, never a held-out one.

    The strengths are walked from strong to weak, each split warm-started from its fit at
    the last C. The walk stops past `default` once the mean held-out loss has risen at
    two strengths in a row: weaker ones only overfit more, and they are the slowest to
    fit (all tweets, a 22k-text split: C = 3.16 to 31.6 took 17 of the 26 s of the 8
    strengths walked; the walk stops before C = 100)."""
    if validation is None:
        parts = [(X[train], y[train], X[held], y[held])
                 for train, held in _splits(y, seed, limit)]
    else:
        parts = [(X, y, *validation)]
    parts = [(*_with_extra(X_train, y_train, extra), *held)
             for X_train, y_train, *held in parts]
    starts = [None] * len(parts)
    losses, correct = [], []
    for C in strengths:
        C_losses, C_correct = [], []
        for i, (X_train, y_train, X_held, y_held) in enumerate(parts):
            head = train_logistic(X_train, y_train, classes, C, starts[i])
            starts[i] = [p.copy() for p in head.parameters()]
            probabilities = head.predict(X_held)
            p = probabilities[np.arange(len(y_held)), y_held]
            C_losses.append(-np.log(np.clip(p, 1e-12, 1.0)))
            C_correct.append(probabilities.argmax(axis=1) == y_held)
        losses.append(np.concatenate(C_losses))
        correct.append(np.concatenate(C_correct))
        means = [float(loss.mean()) for loss in losses]
        if C >= default and len(means) >= 3 and means[-1] > means[-2] > means[-3]:
            break
    return np.array(losses), np.array(correct)


def choose_strength(X, y, classes, seed=0, validation=None, prior=None, extra=None):
    """(C, facts): the prior's default C unless another C has a held-out loss lower by
    more than two standard errors and labels more held-out texts right (the prior's
    "right": `more_right` on sentence vectors, `as_many_right` on TF-IDF rows).
    `extra` rows (the class names' sentences) train in every split, as in the final fit."""
    prior = prior or SENTENCE_VECTORS
    strengths, default_C = prior["strengths"], prior["default"]
    counts = np.bincount(y, minlength=classes)
    if validation is None and counts.min() < MIN_PER_CLASS_TO_CHOOSE:
        return default_C, {"head_C": default_C, "head_C_chosen_by": "default (few labels)"}
    limit = prior["cross_validation_limit"]
    losses, correct = held_out_losses(X, y, classes, strengths, seed, validation, limit,
                                      default_C, extra)
    strengths = strengths[:len(losses)]
    means = losses.mean(axis=1)
    best, default = int(means.argmin()), strengths.index(default_C)
    difference = losses[best] - losses[default]
    margin = 2.0 * difference.std(ddof=1) / np.sqrt(len(difference))
    better = difference.mean() + margin < 0 and prior["right"](correct[best], correct[default])
    how = "held-out split" if validation is not None or len(y) > limit else "cross-validation"
    C = strengths[best] if better else default_C
    return C, {"head_C": C, "head_C_chosen_by": how,
               "head_held_out_loss": {f"{c:g}": round(float(m), 4)
                                      for c, m in zip(strengths, means)}}


def fit_head(X, y, classes, hidden_units=0, seed=0, validation=None, args=None, prior=None,
             extra=None):
    """(trained head, facts about its training). `validation` is (X, y) or None; `prior`
    is SENTENCE_VECTORS (default) or TFIDF_ROWS. `extra` (X, y) rows join the training
    rows of the final fit and of every split that chooses the strength; the held-out loss
    is measured on the user's labels alone."""
    C, facts = (None, {}) if hidden_units else \
        choose_strength(X, y, classes, seed, validation, prior, extra)
    X, y = _with_extra(X, y, extra)
    if hidden_units:
        return _fit_hidden(X, y, classes, hidden_units, seed, validation, args)
    head = train_logistic(X, y, classes, C, seed=seed)
    facts["head_iterations"] = int(head.optimizer.iterations)
    return head, facts


def _with_extra(X, y, extra):
    """(X, y) followed by the `extra` (X, y) rows; X and y as they are without any."""
    if extra is None or not len(extra[1]):
        return X, y
    return _stack(X, extra[0]), np.concatenate([y, extra[1]])


def _stack(X, more):
    """The rows of X, then those of `more` (both dense, or both SciPy sparse)."""
    if is_sparse(X):
        from scipy import sparse

        return sparse.vstack([X, more], format="csr")
    return np.concatenate([X, more])


def _fit_hidden(X, y, classes, hidden_units, seed, validation, args):
    """One hidden ReLU layer: Adam, early stopping on `validation` when given."""
    head = Sequential([Dense(hidden_units, activation="relu", input_dim=X.shape[1]),
                       Dropout(0.2), Dense(classes, activation="softmax")], seed=seed)
    rate = args.learning_rate or (1e-3 if validation is not None else 1e-2)
    head.compile(loss="categorical_crossentropy", optimizer="adam", learning_rate=rate,
                 metrics=["accuracy"])
    if validation is None:
        history = head.fit(X, y, epochs=args.small_data_epochs, batch_size=args.batch_size,
                           verbose=0)
        return head, {"head_epochs": len(history.history["loss"])}
    stop = EarlyStopping(monitor="val_loss", patience=20, restore_best_weights=True)
    history = head.fit(X, y, epochs=args.epochs, batch_size=args.batch_size, callbacks=[stop],
                       validation_data=validation, verbose=0)
    return head, {"head_epochs": len(history.history["loss"]),
                  "head_best_epoch": None if stop.best_epoch is None else stop.best_epoch + 1}
