"""The features head against scikit-learn's LogisticRegression() on the same vectors.

For each data set: one stratified 70/30 split; at each budget (labels per class) and
seed a random subset of the training part; frozen MiniLM vectors (read from the
embedding cache, so both sides see exactly the same numbers); brainlab's `features`
strategy and `LogisticRegression()` with default settings fitted on them and scored
on the same test part. Target: the head is never below LogisticRegression(). The class
names' sentences (on by default, text/label_texts.py) are off here: both sides fit the
same rows.

    python bench/head_vs_logreg.py [--data bbc-news,movie-sentences,tweets-sentiment]
                                   [--budgets 8,64,512,all] [--seeds 3]
"""
import argparse
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def main():
    from sklearn.linear_model import LogisticRegression

    from brainlab.text import TextClassifier, TrainingArguments
    from brainlab.text.cache import EmbeddingCache
    from brainlab.text.compare import parse_budgets
    from brainlab.text.data import load_data, sample_per_class, stratified_split
    from brainlab.text.encoders import make_encoder
    from brainlab.text.strategies import DEFAULT_WINDOWS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="bbc-news,movie-sentences,tweets-sentiment")
    parser.add_argument("--budgets", default="8,64,512,all")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    encoder = make_encoder(None, windows=DEFAULT_WINDOWS)   # the head's vectors
    cache = EmbeddingCache(encoder.key)
    print("| data | labels per class | brainlab features | LogisticRegression() | "
          "difference (points) | head C | fit s (ours / LR) |")
    print("|---|---|---|---|---|---|---|")
    head_alone = TrainingArguments(label_texts=False)   # the same rows LogisticRegression sees
    for name in args.data.split(","):
        train, test = stratified_split(load_data(name), 0.3, seed=0)
        X_test = cache.encode(encoder, test.texts)
        for budget in parse_budgets(args.budgets):
            ours, theirs, strengths, seconds = [], [], [], [[], []]
            for seed in range(args.seeds if budget != "all" else 1):
                subset = train if budget == "all" else sample_per_class(train, budget, seed)
                started = time.perf_counter()
                classifier = TextClassifier(strategy="features", seed=seed,
                                            args=head_alone).fit(subset.texts, subset.labels)
                seconds[0].append(time.perf_counter() - started)
                ours.append(classifier.evaluate(test.texts, test.labels)["accuracy"])
                strengths.append(classifier.info["head_C"])
                X = cache.encode(encoder, subset.texts)
                started = time.perf_counter()
                baseline = LogisticRegression().fit(X, [str(label) for label in subset.labels])
                seconds[1].append(time.perf_counter() - started)
                theirs.append(baseline.score(X_test, [str(label) for label in test.labels]))
            print(f"| {name} | {budget} | {np.mean(ours):.4f} | {np.mean(theirs):.4f} | "
                  f"{100 * (np.mean(ours) - np.mean(theirs)):+.2f} | "
                  f"{', '.join(f'{c:g}' for c in strengths)} | "
                  f"{np.mean(seconds[0]):.1f} / {np.mean(seconds[1]):.2f} |", flush=True)


if __name__ == "__main__":
    main()
