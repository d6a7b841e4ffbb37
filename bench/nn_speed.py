"""One training epoch of a 784-256-128-10 ReLU/softmax MLP: brainlab vs PyTorch vs scikit-learn.

All three see the same 60,000 float32 samples (Fashion-MNIST's training set
when installed, else random data of the same shape), batch 128, Adam, the
same number of threads, in the same run. Prints seconds per epoch (median of
`--repeats`) and the ratios. Target: brainlab <= 1.3x PyTorch, < scikit-learn.

    python bench/nn_speed.py [--repeats 3]
"""
import argparse
import statistics
import time
import warnings

import numpy as np
import threadpoolctl
import torch

from brainlab.nn import Dense, Sequential

BATCH, HIDDEN = 128, (256, 128)


def data():
    try:
        from brainlab.nn.datasets import load_fashion_mnist
        (X, y), _ = load_fashion_mnist()
        return X, y, "Fashion-MNIST train"
    except ValueError:
        rng = np.random.default_rng(0)
        return rng.random((60000, 784), dtype=np.float32), rng.integers(0, 10, 60000), "random"


def brainlab_epoch(X, y, seed):
    model = Sequential([Dense(HIDDEN[0], activation="relu"), Dense(HIDDEN[1], activation="relu"),
                        Dense(10, activation="softmax")], seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer="adam", learning_rate=1e-3)
    start = time.perf_counter()
    model.fit(X, y, epochs=1, batch_size=BATCH, verbose=0)
    return time.perf_counter() - start


def torch_epoch(X, y, seed):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, HIDDEN[0]), torch.nn.ReLU(),
                                torch.nn.Linear(HIDDEN[0], HIDDEN[1]), torch.nn.ReLU(),
                                torch.nn.Linear(HIDDEN[1], 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    start = time.perf_counter()
    order = torch.randperm(len(X_t))
    X_epoch, y_epoch = X_t[order], y_t[order]
    for i in range(0, len(X_t), BATCH):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X_epoch[i:i + BATCH]), y_epoch[i:i + BATCH])
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def sklearn_epoch(X, y, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=HIDDEN, activation="relu", solver="adam",
                          batch_size=BATCH, max_iter=1, learning_rate_init=1e-3,
                          random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    X, y, source = data()
    threads = threadpoolctl.threadpool_info()[0]["num_threads"]
    torch.set_num_threads(threads)
    print(f"data: {source}, {X.shape[0]} x {X.shape[1]} float32; batch {BATCH}; Adam; "
          f"{threads} threads (BLAS and torch)")
    runners = {"brainlab": brainlab_epoch, "pytorch": torch_epoch, "scikit-learn": sklearn_epoch}
    times = {name: [] for name in runners}
    for name, run in runners.items():
        run(X[:2048], y[:2048], 0)   # warm-up: BLAS threads, allocators, imports
    for repeat in range(args.repeats):   # interleaved, so machine noise hits all alike
        for name, run in runners.items():
            times[name].append(run(X, y, repeat))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, seconds in median.items():
        print(f"{name:>13}: {seconds:6.2f} s/epoch  (runs: "
              + ", ".join(f"{t:.2f}" for t in times[name]) + ")")
    print(f"ratio brainlab / pytorch      = {median['brainlab'] / median['pytorch']:.2f}  "
          f"(target <= 1.30)")
    print(f"ratio brainlab / scikit-learn = {median['brainlab'] / median['scikit-learn']:.2f}  "
          f"(target < 1.00)")


if __name__ == "__main__":
    main()
