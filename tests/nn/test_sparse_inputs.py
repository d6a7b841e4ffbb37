"""Sparse rows (TF-IDF) into a Dense first layer: the same network as dense rows."""
import numpy as np
import pytest
from scipy import sparse

from brainlab.nn import LBFGS, Dense, Dropout, Sequential
from brainlab.nn.gradcheck import check_gradients


def _rows(seed=0, n=60, width=40, density=0.1):
    rng = np.random.default_rng(seed)
    X = sparse.random(n, width, density=density, format="csr", random_state=seed,
                      dtype=np.float64)
    y = rng.integers(0, 3, size=n)
    return X, y


def _network(dtype="float64", hidden=0, l2=0.01):
    layers = [Dense(hidden, activation="relu", input_dim=40), Dense(3, activation="softmax")] \
        if hidden else [Dense(3, activation="softmax", input_dim=40, kernel_l2=l2)]
    return Sequential(layers, seed=0, dtype=dtype)


@pytest.mark.parametrize("hidden", [0, 8])
def test_sparse_gradients_match_finite_differences_and_dense_rows(hidden):
    X, y = _rows()
    model = _network(hidden=hidden)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    assert check_gradients(model, X, y) < 1e-7
    dense = [g.copy() for g in model.gradients(X.toarray(), y)]
    for a, b in zip(model.gradients(X, y), dense):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_lbfgs_on_sparse_rows_reaches_the_dense_optimum():
    X, y = _rows(1, n=200)
    fitted = []
    for rows in (X, X.toarray()):
        model = _network()
        model.compile(loss="categorical_crossentropy", optimizer=LBFGS(tolerance=1e-10),
                      metrics=["accuracy"])
        model.fit(rows, y, epochs=500, verbose=0)
        fitted.append(model)
    np.testing.assert_allclose(fitted[0].layers[0].W, fitted[1].layers[0].W, atol=1e-7)
    np.testing.assert_allclose(fitted[0].predict(X), fitted[1].predict(X.toarray()), atol=1e-7)
    assert fitted[0].evaluate(X, y) == pytest.approx(fitted[1].evaluate(X.toarray(), y))


def test_shuffled_minibatches_of_sparse_rows_train_like_dense_ones():
    X, y = _rows(2, n=100)
    weights = []
    for rows in (X, X.toarray()):
        model = _network("float32", hidden=8)
        model.compile(loss="categorical_crossentropy", optimizer="adam", learning_rate=1e-2)
        model.fit(rows, y, epochs=5, batch_size=16, validation_split=0.2, verbose=0)
        weights.append(model.parameters())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_bad_sparse_rows_are_named():
    X, y = _rows()
    X = X.tolil()
    X[7, 3] = np.nan
    model = _network()
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    with pytest.raises(ValueError, match="row 7"):
        model.fit(X.tocsr(), y, verbose=0)
    with pytest.raises(ValueError, match="41 features but the model expects 40"):
        model.predict(sparse.csr_matrix((2, 41)))
    first_dropout = Sequential([Dropout(0.1), Dense(3, activation="softmax")], seed=0)
    first_dropout.compile(loss="categorical_crossentropy", optimizer="adam")
    with pytest.raises(ValueError, match="only a Dense first layer takes; the first layer "
                                         "is Dropout"):
        first_dropout.fit(_rows()[0], y, verbose=0)
