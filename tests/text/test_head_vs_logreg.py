"""The features head is never more than 0.5 points below LogisticRegression() on the same
vectors, on BBC News and on two short English sentiment sets, at 8, 64 and 512 labels per
class (mean over seeds). bench/head_vs_logreg.py prints the full table."""
import warnings

import numpy as np
import pytest

from brainlab.text import TextClassifier, TrainingArguments
from brainlab.text.cache import EmbeddingCache
from brainlab.text.data import load_data, sample_per_class, stratified_split
from brainlab.text.encoders import make_encoder
from brainlab.text.strategies import DEFAULT_WINDOWS

SEEDS = {8: 3, 64: 3, 512: 1}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bbc-news", "movie-sentences", "tweets-sentiment"])
def test_head_is_never_below_logistic_regression(name):
    from sklearn.linear_model import LogisticRegression

    warnings.filterwarnings("ignore")
    train, test = stratified_split(load_data(name), 0.3, seed=0)
    test = sample_per_class(test, 1000, seed=0)
    encoder = make_encoder(None, windows=DEFAULT_WINDOWS)   # the head's vectors
    cache = EmbeddingCache(encoder.key)
    X_test = cache.encode(encoder, test.texts)
    truth = [str(label) for label in test.labels]
    for budget, seeds in SEEDS.items():
        ours, theirs = [], []
        for seed in range(seeds):
            subset = sample_per_class(train, budget, seed)
            # the head alone, on the rows LogisticRegression sees (no class-name sentences)
            classifier = TextClassifier(strategy="features", seed=seed,
                                        args=TrainingArguments(label_texts=False))
            classifier.fit(subset.texts, subset.labels)
            ours.append(classifier.evaluate(test.texts, test.labels)["accuracy"])
            baseline = LogisticRegression().fit(cache.encode(encoder, subset.texts),
                                                [str(label) for label in subset.labels])
            theirs.append(baseline.score(X_test, truth))
        print(f"{name} {budget}/class: head {np.mean(ours):.4f}, "
              f"LogisticRegression() {np.mean(theirs):.4f}")
        assert np.mean(ours) >= np.mean(theirs) - 0.005, (name, budget, ours, theirs)
