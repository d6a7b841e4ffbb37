"""A random sample of a saved model's mistakes on the test split it was scored on, as a
markdown table for a person to read: is the label wrong, unclear, or the model? On data
whose labels are noisy, that says how far accuracy can still rise.

    python bench/error_sample.py MODEL_DIR DATA [--test-size 0.2] [--seed 0]
                                 [--sample 120] [--out errors.md]

DATA is a data set name (see `brainlab text datasets`) or a CSV; the split is the one
`brainlab text train DATA --test-size T --seed S` scores on. The last column is left
empty for the reader; its tally goes in the report that quotes the table.
"""
import argparse
import sys

import numpy as np


def main():
    from brainlab.text.classifier import TextClassifier
    from brainlab.text.data import load_data, stratified_split

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("data")
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=120)
    parser.add_argument("--out", help="markdown file (default: standard output)")
    args = parser.parse_args()
    try:   # a model or data set that cannot be read: one line, exit 2
        classifier = TextClassifier.load(args.model)
        _, test = stratified_split(load_data(args.data), args.test_size, seed=args.seed)
    except ValueError as problem:
        parser.exit(2, f"{parser.prog}: {problem}\n")
    proba = classifier.predict_proba(test.texts)
    predicted = np.asarray(classifier.classes_)[proba.argmax(axis=1)]
    truth = np.asarray(test.labels, dtype=predicted.dtype)
    wrong = np.flatnonzero(predicted != truth)
    picked = np.random.default_rng(args.seed).choice(wrong, min(args.sample, len(wrong)),
                                                      replace=False)
    lines = [f"{args.model} on {args.data} (test size {args.test_size}, seed {args.seed}): "
             f"accuracy {1 - len(wrong) / len(truth):.4f}, {len(wrong)} of {len(truth)} test "
             f"texts wrong; a random {len(picked)} of them:", "",
             "| # | label | predicted | confidence | text (first 60 characters) | whose error |",
             "|---:|---|---|---:|---|---|"]
    for number, i in enumerate(picked):
        text = " ".join(str(test.texts[i]).split()).replace("|", "｜")
        text = text[:60] + ("…" if len(text) > 60 else "")
        lines.append(f"| {number} | {truth[i]} | {predicted[i]} | {proba[i].max():.2f} | "
                     f"{text} | |")
    report = "\n".join(lines) + "\n"
    if args.out:
        from brainlab.files import write_text

        write_text(args.out, report)
    else:
        sys.stdout.write(report)


if __name__ == "__main__":
    main()
