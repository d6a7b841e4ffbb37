"""Sequential: training, determinism, validation, callbacks, saving and bad input."""
import json

import numpy as np
import pytest

from brainlab.nn import (SGD, Activation, Adam, Dense, Dropout, EarlyStopping, Perceptron,
                         Sequential)

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


def blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 2)) + np.array([[0, 0], [4, 0], [0, 4]])[y]
    return X, y


def classifier(seed=0, dtype="float32"):
    model = Sequential([Dense(8, activation="relu"), Dense(3, activation="softmax")],
                       seed=seed, dtype=dtype)
    model.compile(loss="categorical_crossentropy", optimizer="adam", learning_rate=0.05,
                  metrics=["accuracy"])
    return model


def test_xor_theory_network_separates_for_100_of_100_seeds():
    """The theory's 2-3-1 sigmoid MSE network, full-batch gradient descent, learning rate 2.0."""
    failures = []
    for seed in range(100):
        model = Sequential([Dense(3, activation="sigmoid", input_dim=2),
                            Dense(1, activation="sigmoid")], seed=seed)
        model.compile(loss="mse", optimizer="sgd", learning_rate=2.0)
        model.fit(XOR_X, XOR_Y, epochs=5000, batch_size=None, verbose=0)
        if not np.array_equal(model.predict(XOR_X).ravel() >= 0.5, XOR_Y == 1):
            failures.append(seed)
    assert failures == []


def test_lazy_shapes_and_parameter_layout():
    model = classifier()
    assert not model.built
    model.fit(*blobs(), epochs=1, verbose=0)
    W1, b1, W2, b2 = model.parameters()
    assert (W1.shape, b1.shape, W2.shape, b2.shape) == ((2, 8), (8,), (8, 3), (3,))
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_learns_blobs_and_history_records_every_epoch():
    X, y = blobs()
    model = classifier()
    history = model.fit(X, y, epochs=30, batch_size=16, verbose=0, validation_split=0.25)
    assert len(history.history["loss"]) == 30
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert model.evaluate(X, y)["accuracy"] > 0.95


def test_same_seed_same_numbers_and_float64_on_request():
    X, y = blobs()
    runs = []
    for _ in range(2):
        model = Sequential([Dense(8, activation="tanh"), Dropout(0.2),
                            Dense(3, activation="softmax")], seed=5, dtype="float64")
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        model.fit(X, y, epochs=3, batch_size=32, verbose=0)
        runs.append(model.predict(X))
    assert runs[0].dtype == np.float64
    np.testing.assert_array_equal(runs[0], runs[1])


def test_fused_cross_entropy_is_finite_on_extreme_logits():
    model = Sequential([Dense(2, activation="softmax", input_dim=1)], dtype="float64")
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model.set_parameters([np.array([[1e4, -1e4]]), np.zeros(2)])
    X, y = np.array([[1.0], [-1.0]]), np.array([1, 0])   # confidently wrong: loss ~ 2e4
    assert model.evaluate(X, y)["loss"] == pytest.approx(2e4)
    assert all(np.isfinite(g).all() for g in model.gradients(X, y))
    binary = Sequential([Dense(1, activation="sigmoid", input_dim=1)], dtype="float64")
    binary.compile(loss="binary_crossentropy", optimizer="sgd")
    binary.set_parameters([np.array([[1e4]]), np.zeros(1)])
    assert binary.evaluate(X, np.array([0, 1]))["loss"] == pytest.approx(1e4)


def test_momentum_nesterov_and_clipping_all_train():
    X, y = blobs()
    for optimizer in (SGD(0.05, momentum=0.9), SGD(0.05, momentum=0.9, nesterov=True),
                      Adam(0.01, clipnorm=1.0), SGD(0.1, clipvalue=0.5)):
        model = Sequential([Dense(8, activation="relu"), Dense(3, activation="softmax")], seed=0)
        model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
        model.fit(X, y, epochs=20, verbose=0)
        assert model.evaluate(X, y)["accuracy"] > 0.9, optimizer


def test_clipnorm_bounds_the_step():
    param, grad = np.zeros(4), np.full(4, 10.0)   # ||g|| = 20
    SGD(1.0, clipnorm=1.0).step([param], [grad])
    assert np.linalg.norm(param) == pytest.approx(1.0)


def test_early_stopping_restores_best_weights_even_without_stopping():
    X, y = blobs()

    class Spy(EarlyStopping):
        def on_epoch_end(self, epoch, logs):
            logs["val_loss"] = [3.0, 1.0, 2.0, 2.5][epoch]   # best at epoch 1
            super().on_epoch_end(epoch, logs)
            if epoch == 1:
                self.snapshot = [p.copy() for p in self.model.parameters()]

    spy = Spy(patience=10, restore_best_weights=True)
    model = classifier()
    model.fit(X, y, epochs=4, verbose=0, validation_split=0.2, callbacks=[spy])
    assert spy.stopped_epoch is None
    for restored, best in zip(model.parameters(), spy.snapshot):
        np.testing.assert_array_equal(restored, best)


def test_early_stopping_stops_after_patience():
    X, y = blobs()
    stop = EarlyStopping(monitor="loss", patience=2, min_delta=10.0)   # nothing improves by 10
    history = classifier().fit(X, y, epochs=50, verbose=0, callbacks=[stop])
    assert len(history.history["loss"]) == 3


def test_save_load_round_trip_gives_identical_predictions(tmp_path):
    X, y = blobs()
    model = Sequential([Dense(8, activation="leaky_relu"), Dropout(0.1), Dense(3),
                        Activation("softmax")], seed=2)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(X, y, epochs=3, verbose=0)
    model.save(tmp_path / "model")
    loaded = Sequential.load(tmp_path / "model")
    np.testing.assert_array_equal(model.predict(X), loaded.predict(X))
    assert loaded.evaluate(X, y) == model.evaluate(X, y)
    assert json.loads((tmp_path / "model" / "config.json").read_text())["dtype"] == "float32"
    model.save(tmp_path / "model")   # overwriting leaves exactly one model, no temporaries
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("not a model")
    with pytest.raises(ValueError, match="already exists and is not a saved model"):
        model.save(tmp_path / "notes")   # a folder of the user's files is never replaced
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["mine.txt"]


def test_load_refuses_pickled_weights(tmp_path):
    model = classifier()
    model.fit(*blobs(), epochs=1, verbose=0)
    model.save(tmp_path / "m")
    np.savez(tmp_path / "m" / "weights.npz", param_0=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled"):
        Sequential.load(tmp_path / "m")
    with pytest.raises(ValueError, match="not a saved brainlab.nn model"):
        Sequential.load(tmp_path)


@pytest.mark.parametrize("X,y,message", [
    (np.zeros((4, 2)), np.zeros(3), "4 samples but its labels have 3"),
    (np.array([[0.0, np.nan]] * 3), np.zeros(3), r"NaN or inf \(first at row 0, column 1\)"),
    (np.zeros((3, 2)), np.zeros((3, 5)), r"labels of shape \(3, 5\) do not fit"),
    (np.zeros(3), np.zeros(3), "must be 2-D"),
])
def test_bad_training_input_is_named(X, y, message):
    model = Sequential([Dense(1, activation="sigmoid", input_dim=2)])
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    with pytest.raises(ValueError, match=message):
        model.fit(X, y, verbose=0)


def test_class_labels_outside_the_outputs_are_refused():
    model = classifier()
    with pytest.raises(ValueError, match="class labels must lie in 0..2"):
        model.fit(np.zeros((3, 2)), np.array([0, 1, 7]), verbose=0)


def test_predict_before_build_and_unknown_names():
    with pytest.raises(ValueError, match="no weights yet"):
        Sequential([Dense(2)]).predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"unknown activation 'swish'.*'relu'"):
        Dense(2, activation="swish")
    model = Sequential([Dense(2, input_dim=2)])
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'.*'mse'"):
        model.compile(loss="hinge")
    with pytest.raises(ValueError, match=r"unknown optimizer 'rmsprop'.*'adam'"):
        model.compile(optimizer="rmsprop")
    with pytest.raises(ValueError, match="not compiled"):
        model.fit(np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="expects 2"):
        model.predict(np.zeros((1, 3)))


def test_step_activation_points_to_the_perceptron():
    model = Sequential([Dense(1, activation="step", input_dim=2)])
    with pytest.raises(ValueError, match="Perceptron"):
        model.compile(loss="mse", optimizer="sgd")


@pytest.mark.parametrize("gate,labels", [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1])])
def test_perceptron_learns_linearly_separable_gates(gate, labels):
    unit = Perceptron(seed=0).fit(XOR_X, labels)
    assert unit.converged_
    np.testing.assert_array_equal(unit.predict(XOR_X), labels)


def test_perceptron_never_converges_on_xor():
    unit = Perceptron(max_epochs=1000, seed=0).fit(XOR_X, XOR_Y)
    assert not unit.converged_
    assert min(unit.errors_) >= 1           # every single epoch made a mistake
    assert np.sum(unit.predict(XOR_X) == XOR_Y) <= 3
