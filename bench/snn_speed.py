"""brainlab's surrogate-gradient spiking network against snnTorch on the same task: the
784-1000-10 network of snnTorch's tutorial 5 (Leaky neurons, beta 0.95, 25 steps, the
image as a constant input current, cross-entropy on the output potentials summed over
steps, Adam 5e-4, batch 128), on Fashion-MNIST, with the same initial weights and the
same order of examples. Prints the epoch time and test accuracy after each epoch for
both (the same readout for both: most output spikes, ties broken by the summed
potential), and the time ratio. Targets (issue 12): within 1 point of snnTorch's accuracy
after one epoch, epoch time <= 1.0x snnTorch's, and >= 85 % accuracy.

snnTorch is a bench-only peer (`make bench` installs it in .venv-bench).

    python bench/snn_speed.py [--epochs 1] [--train 60000]
"""
import argparse
import time

import numpy as np


def snntorch_run(model, X, y, X_test, y_test, orders, batch_size=128):
    """Train snnTorch's tutorial-5 network from brainlab's initial weights; (seconds per
    epoch, accuracy after each epoch)."""
    import snntorch as snn
    import torch

    from brainlab.brain.surrogate import readout

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = torch.nn.Linear(784, 1000), torch.nn.Linear(1000, 10)
            self.lif1, self.lif2 = snn.Leaky(beta=0.95), snn.Leaky(beta=0.95)

        def forward(self, x):
            mem1, mem2 = self.lif1.init_leaky(), self.lif2.init_leaky()
            spikes, potentials = [], []
            for _ in range(25):
                spk1, mem1 = self.lif1(self.fc1(x), mem1)
                spk2, mem2 = self.lif2(self.fc2(spk1), mem2)
                spikes.append(spk2)
                potentials.append(mem2)
            return torch.stack(spikes), torch.stack(potentials)

    net = Net()
    with torch.no_grad():
        for layer, W, b in ((net.fc1, model.weights[0], model.biases[0]),
                            (net.fc2, model.weights[1], model.biases[1])):
            layer.weight.copy_(torch.from_numpy(W.T.copy()))
            layer.bias.copy_(torch.from_numpy(b.copy()))
    optimizer = torch.optim.Adam(net.parameters(), lr=5e-4, betas=(0.9, 0.999))
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    seconds, accuracy = [], []
    for order in orders:
        started = time.perf_counter()
        for start in range(0, len(order), batch_size):
            rows = torch.from_numpy(order[start:start + batch_size])
            _, potentials = net(X[rows])
            loss = sum(torch.nn.functional.cross_entropy(potentials[t], y[rows])
                       for t in range(25))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - started)
        with torch.no_grad():
            predicted = np.concatenate([
                readout(*(r.numpy() for r in reversed(net(torch.from_numpy(X_test[i:i + 1000])))))
                for i in range(0, len(X_test), 1000)])
        accuracy.append(float((predicted == y_test).mean()))
    return seconds, accuracy


def main():
    from brainlab.brain.surrogate import SpikingClassifier
    from brainlab.nn.datasets import load_fashion_mnist

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--train", type=int, default=60000, help="training images used")
    args = parser.parse_args()
    (X, y), (X_test, y_test) = load_fashion_mnist()
    X, y = X[:args.train], y[:args.train]
    rng = np.random.default_rng(0)
    orders = [rng.permutation(len(X)) for _ in range(args.epochs)]
    model = SpikingClassifier((784, 1000, 10), beta=0.95, steps=25, seed=0)
    initial = [p.copy() for p in model.parameters()]
    reference = SpikingClassifier((784, 1000, 10), beta=0.95, steps=25, seed=0)
    for p, q in zip(reference.parameters(), initial):
        p[...] = q
    ours_seconds, ours_accuracy = [], []
    for epoch, order in enumerate(orders):
        started = time.perf_counter()
        model.fit(X, y, epochs=1, batch_size=128, learning_rate=5e-4, order=order)
        ours_seconds.append(time.perf_counter() - started)
        ours_accuracy.append(model.evaluate(X_test, y_test))
        print(f"brainlab epoch {epoch + 1}: {ours_seconds[-1]:.1f} s, test accuracy "
              f"{ours_accuracy[-1]:.4f}", flush=True)
    theirs_seconds, theirs_accuracy = snntorch_run(reference, X, y, X_test, y_test, orders)
    for epoch in range(args.epochs):
        print(f"snnTorch epoch {epoch + 1}: {theirs_seconds[epoch]:.1f} s, test accuracy "
              f"{theirs_accuracy[epoch]:.4f}")
    print(f"\n| epoch | brainlab s | snnTorch s | ratio | brainlab accuracy | snnTorch accuracy |")
    print("|---:|---:|---:|---:|---:|---:|")
    for epoch in range(args.epochs):
        print(f"| {epoch + 1} | {ours_seconds[epoch]:.1f} | {theirs_seconds[epoch]:.1f} | "
              f"{ours_seconds[epoch] / theirs_seconds[epoch]:.2f}x | {ours_accuracy[epoch]:.4f} | "
              f"{theirs_accuracy[epoch]:.4f} |")


if __name__ == "__main__":
    main()
