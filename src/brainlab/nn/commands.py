"""`brainlab nn ...`: the theory's XOR network and the activation functions, as pictures."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..arguments import non_negative_int, positive_float, positive_int

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


def register(subparsers):
    parser = subparsers.add_parser("nn", help="the NumPy neural-network engine")
    commands = parser.add_subparsers(dest="nn_command", required=True)
    xor = commands.add_parser("xor", help="train the theory's 2-3-1 sigmoid network on XOR")
    xor.add_argument("--out", type=Path, default=Path("out/xor"), help="folder for the PNGs")
    xor.add_argument("--epochs", type=positive_int, default=5000)
    xor.add_argument("--learning-rate", type=positive_float, default=2.0)
    xor.add_argument("--seed", type=non_negative_int, default=0)
    xor.set_defaults(handler=run_xor)
    activations = commands.add_parser("activations", help="plot step/sigmoid/tanh/ReLU and "
                                      "their derivatives")
    activations.add_argument("--out", type=Path, default=Path("out/activations"))
    activations.set_defaults(handler=run_activations)


def run_xor(args):
    from ..files import write_json
    from . import Dense, Sequential
    from .plots import plot_decision_boundary, plot_loss

    if args.epochs < 1:
        raise ValueError(f"--epochs must be at least 1, got {args.epochs}")
    model = Sequential([Dense(3, activation="sigmoid", input_dim=2),
                        Dense(1, activation="sigmoid")], seed=args.seed)
    model.compile(loss="mse", optimizer="sgd", learning_rate=args.learning_rate)
    history = model.fit(XOR_X, XOR_Y, epochs=args.epochs, batch_size=None, verbose=1)
    predictions = model.predict(XOR_X).ravel()
    print("x1 x2 | target | output")
    for (x1, x2), target, output in zip(XOR_X, XOR_Y, predictions):
        print(f" {x1:.0f}  {x2:.0f} |   {target}    | {output:.4f}")
    correct = int(np.sum((predictions >= 0.5) == (XOR_Y == 1)))
    print(f"{correct}/4 on the correct side of 0.5; final MSE {history.history['loss'][-1]:.5f}")
    plot_loss(history, args.out / "xor_loss.png", "XOR: 2-3-1 sigmoid network, MSE")
    plot_decision_boundary(model, XOR_X, XOR_Y, args.out / "xor_boundary.png",
                           "XOR: what the hidden layer makes possible")
    write_json(args.out / "summary.json", {
        "predictions": predictions.tolist(), "correct": correct,
        "final_loss": history.history["loss"][-1], "epochs": len(history.history["loss"])})
    print(f"plots: {args.out / 'xor_loss.png'}, {args.out / 'xor_boundary.png'}")


def run_activations(args):
    from .plots import plot_activations

    plot_activations(args.out / "activations.png")
    print(f"plot: {args.out / 'activations.png'}")
