"""L-BFGS: a full-batch optimizer that reaches the optimum of smooth problems."""
import numpy as np
import pytest

from brainlab.nn import LBFGS, Dense, Dropout, Sequential


def test_lbfgs_finds_the_minimum_of_a_quadratic():
    """Least squares with a linear output is a quadratic: the normal equations solve it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)) * [1, 3, 0.3, 10]   # badly scaled: hard for plain descent
    w_true = np.array([[1.0], [-2.0], [0.5], [0.1]])
    y = X @ w_true + 0.7 + 0.01 * rng.normal(size=(50, 1))
    model = Sequential([Dense(1, input_dim=4)], seed=0, dtype="float64")
    model.compile(loss="mse", optimizer=LBFGS(tolerance=1e-10))
    history = model.fit(X, y, epochs=200, verbose=0)
    design = np.hstack([X, np.ones((50, 1))])
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(model.layers[0].W, solution[:4], rtol=1e-5, atol=1e-7)
    assert len(history.history["loss"]) < 60   # converged early, well before 200 epochs
    assert all(b <= a for a, b in zip(history.history["loss"], history.history["loss"][1:]))


@pytest.mark.parametrize("classes", [2, 3])
def test_regularised_softmax_equals_scikit_learn_logistic_regression(classes):
    """mean cross-entropy + lambda ||W||^2 is LogisticRegression(C)'s objective when
    lambda = 1/(2 C n) (1/(C n) for two classes, which scikit-learn fits with one column)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(classes)
    X = rng.normal(size=(120, 6))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=120) > 0).astype(int) + \
        (classes == 3) * (X[:, 2] > 0.8)
    C, n = 0.5, len(X)
    strength = 1 / (C * n) if classes == 2 else 1 / (2 * C * n)
    model = Sequential([Dense(classes, activation="softmax", input_dim=6, kernel_l2=strength)],
                       seed=0, dtype="float64")
    model.compile(loss="categorical_crossentropy", optimizer=LBFGS(tolerance=1e-10))
    model.fit(X, y, epochs=500, verbose=0)
    reference = LogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(model.predict(X), reference.predict_proba(X), atol=1e-6)


def test_lbfgs_refuses_dropout_and_minibatch_steps():
    model = Sequential([Dense(4, activation="relu", input_dim=3), Dropout(0.5), Dense(2)])
    model.compile(loss="mse", optimizer="lbfgs")
    with pytest.raises(ValueError, match="deterministic"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
    with pytest.raises(ValueError, match="full-batch"):
        LBFGS().step([np.zeros(2)], [np.zeros(2)])


def test_a_saved_model_keeps_its_l2_penalty(tmp_path):
    model = Sequential([Dense(2, activation="softmax", input_dim=3, kernel_l2=0.25)], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="lbfgs")
    model.save(tmp_path / "m")
    loaded = Sequential.load(tmp_path / "m")
    assert loaded.layers[0].kernel_l2 == 0.25
    assert loaded.optimizer.name == "lbfgs"
