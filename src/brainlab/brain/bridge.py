"""The same task, two ways: a ReLU network trained by backpropagation (brainlab.nn) and
the spiking network converted from it (convert.py), on digits or Fashion-MNIST, with
accuracy after every step count, spikes and synaptic operations per image."""
import numpy as np

from ..nn import Dense, Sequential
from ..nn.datasets import load_digits, load_fashion_mnist
from .convert import convert_to_spiking

TASKS = {   # data -> hidden layers and training epochs of the ANN
    "digits": {"hidden": (128,), "epochs": 60},
    "fashion-mnist": {"hidden": (256, 128), "epochs": 8},
}


def load_task(data):
    """((X_train, y_train), (X_test, y_test)), pixels in [0, 1]."""
    if data not in TASKS:
        raise ValueError(f"data must be one of {tuple(TASKS)}, got {data!r}")
    return load_digits() if data == "digits" else load_fashion_mnist()


def train_ann(data, X, y, epochs=None, seed=0, verbose=0):
    """The ReLU network of `data`'s task, trained by Adam on cross-entropy."""
    task = TASKS[data]
    layers = [Dense(task["hidden"][0], "relu", input_dim=X.shape[1])]
    layers += [Dense(units, "relu") for units in task["hidden"][1:]]
    model = Sequential(layers + [Dense(int(y.max()) + 1, "softmax")], seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer="adam", learning_rate=1e-3,
                  metrics=["accuracy"])
    model.fit(X, y, epochs=epochs or task["epochs"], batch_size=128, verbose=verbose)
    return model


def step_counts(steps):
    """1, 2, 4, ... up to `steps` (and `steps` itself)."""
    counts = [2 ** k for k in range(int(np.log2(steps)) + 1)]
    return sorted(set(counts + [steps]))


def conversion_experiment(model, X_calibration, X_test, y_test, steps=256, percentile=99.9,
                          reset="subtract", coding="constant", seed=0):
    """ANN accuracy, and the converted network's accuracy and synaptic operations after
    each step count in 1, 2, 4, ... steps; spikes per image at `steps`."""
    ann = float(np.mean(model.predict(X_test).argmax(axis=1) == y_test))
    network = convert_to_spiking(model, X_calibration, percentile, reset)
    record = step_counts(steps)
    run = network.simulate(X_test, steps, coding, seed, record=record)
    accuracy = [float(np.mean(p == y_test)) for p in run["predicted_at"]]
    within = [t for t, a in zip(record, accuracy) if a >= ann - 0.01]
    return {"network": repr(network), "ann_accuracy": ann, "snn_accuracy": accuracy[-1],
            "steps": steps, "reset": reset, "coding": coding, "percentile": percentile,
            "scales": network.scales, "accuracy_by_steps": dict(zip(record, accuracy)),
            "first_steps_within_1_point": within[0] if within else None,
            "spikes_per_image": float(run["spikes"].mean()),
            "synaptic_operations_per_image": dict(zip(
                record, (float(v) for v in run["synaptic_operations_at"].mean(axis=1)))),
            "ann_multiply_adds_per_image": network.ann_operations}
