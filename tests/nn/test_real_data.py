"""The engine on real data sets: scikit-learn's digits and Fashion-MNIST."""
import numpy as np
import pytest

from brainlab.nn import Dense, Dropout, LearningRateScheduler, Sequential
from brainlab.nn.datasets import FASHION_MNIST_DIR, load_digits, load_fashion_mnist, read_idx


def test_digits_reach_97_percent():
    (X_train, y_train), (X_test, y_test) = load_digits()
    model = Sequential([Dense(128, activation="relu"), Dense(10, activation="softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", learning_rate=1e-3,
                  metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=60, batch_size=32, verbose=0)
    accuracy = model.evaluate(X_test, y_test)["accuracy"]
    print(f"digits test accuracy: {accuracy:.4f}")
    assert accuracy >= 0.97


def test_idx_reader_checks_the_header(tmp_path):
    path = tmp_path / "tiny-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]))
    np.testing.assert_array_equal(read_idx(path), [7, 8, 9])
    path.write_bytes(bytes([0, 0, 0x08, 1, 0, 0, 0, 4, 7, 8, 9]))
    with pytest.raises(ValueError, match="header promises"):
        read_idx(path)
    path.write_bytes(b"PK\x03\x04not idx")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(path)


@pytest.mark.slow
@pytest.mark.skipif(not FASHION_MNIST_DIR.is_dir(),
                    reason="apt-get install dataset-fashion-mnist (make test does)")
def test_fashion_mnist_mlp_beats_sklearn_benchmark():
    """scikit-learn's MLPClassifier is listed at 87.7% in the Fashion-MNIST benchmark; we need 89%."""
    (X_train, y_train), (X_test, y_test) = load_fashion_mnist()
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert np.bincount(y_test).tolist() == [1000] * 10
    model = Sequential([Dense(512, activation="relu"), Dropout(0.3),
                        Dense(256, activation="relu"), Dropout(0.3),
                        Dense(10, activation="softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", learning_rate=1e-3,
                  metrics=["accuracy"])
    # a fixed recipe (no model selection on the test set): 25 epochs, learning rate x0.9 each
    model.fit(X_train, y_train, epochs=25, batch_size=128, verbose=0,
              callbacks=[LearningRateScheduler(lambda epoch, rate: 1e-3 * 0.9 ** epoch)])
    accuracy = model.evaluate(X_test, y_test)["accuracy"]
    print(f"Fashion-MNIST test accuracy: {accuracy:.4f}")
    assert accuracy >= 0.89
