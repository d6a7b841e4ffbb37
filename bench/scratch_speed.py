"""The scratch strategy's fit (TF-IDF rows into brainlab.nn's regularised head) on the
same rows as sparse CSR, as dense arrays (how the head took them before), and scikit-learn's
LogisticRegression() on the same sparse rows: seconds and test accuracy from one run.

    python bench/scratch_speed.py [--data tweets-sentiment,movie-sentences,bbc-news] [--dense]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from brainlab.text.data import load_data, stratified_split
from brainlab.text.head import TFIDF_ROWS, fit_head
from brainlab.text.tfidf import TfidfFeaturizer


def timed(fit):
    started = time.perf_counter()
    model = fit()
    return model, time.perf_counter() - started


def run(name, dense):
    dataset = load_data(name)
    train, test = stratified_split(dataset, 0.2, seed=0)   # compare's split
    classes = sorted(set(dataset.labels))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[c] for c in train.labels])
    y_test = np.array([index[c] for c in test.labels])
    featurizer, seconds = timed(lambda: TfidfFeaturizer().fit(train.texts))
    X, X_test = featurizer.transform(train.texts), featurizer.transform(test.texts)
    print(f"{name}: {X.shape[0]} training texts, {X.shape[1]} TF-IDF columns, "
          f"{X.nnz / X.shape[0]:.0f} nonzeros a row; vocabulary {seconds:.1f} s")
    rows = [("brainlab head, sparse rows", lambda: fit_head(X, y, len(classes),
                                                             prior=TFIDF_ROWS), X_test)]
    if dense:
        D, D_test = X.toarray(), X_test.toarray()
        rows.append(("brainlab head, dense rows (before)",
                     lambda: fit_head(D, y, len(classes), prior=TFIDF_ROWS), D_test))
    from sklearn.linear_model import LogisticRegression

    rows.append(("LogisticRegression(), sparse rows",
                 lambda: (LogisticRegression().fit(X, y), {}), X_test))
    print("| fit | seconds | test accuracy | C |\n|---|---:|---:|---:|")
    first = None
    for label, fit, rows_test in rows:
        (model, facts), seconds = timed(fit)
        first = first or seconds
        predicted = model.predict(rows_test)
        predicted = predicted.argmax(axis=1) if predicted.ndim == 2 else predicted
        accuracy = float(np.mean(predicted == y_test))
        print(f"| {label} | {seconds:.1f} ({seconds / first:.2f}x) | {accuracy:.4f} | "
              f"{facts.get('head_C', 1.0):g} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="tweets-sentiment,movie-sentences,bbc-news")
    parser.add_argument("--dense", action="store_true",
                        help="also fit the head on dense rows (minutes on the tweets)")
    args = parser.parse_args()
    for name in args.data.split(","):
        run(name, args.dense)


if __name__ == "__main__":
    main()
