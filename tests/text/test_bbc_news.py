"""BBC News with the shipped MiniLM: the numbers the README claims, recomputed."""
import numpy as np
import pytest

from brainlab.text import TextClassifier, load_bbc_news, stratified_split
from brainlab.text.data import sample_per_class


@pytest.fixture(scope="module")
def bbc_split():
    return stratified_split(load_bbc_news(), 0.2, seed=0)


@pytest.mark.slow
def test_features_reach_97_5_percent_with_all_labels_and_92_with_8_per_class(bbc_split):
    """Articles read whole (8 windows): 0.984 and 0.934 measured. Reading the first 256
    tokens gave 0.971 with all labels, which fails here (and 0.922 at 8 per class)."""
    train, test = bbc_split
    full = TextClassifier(strategy="features", seed=0).fit(train.texts, train.labels)
    assert full.evaluate(test.texts, test.labels)["accuracy"] >= 0.975
    few = [TextClassifier(strategy="features", seed=seed).fit(
        *_texts_labels(sample_per_class(train, 8, seed))).evaluate(
        test.texts, test.labels)["accuracy"] for seed in range(3)]
    assert np.mean(few) >= 0.92, few


@pytest.mark.slow
def test_transfer_beats_scratch_with_one_label_per_class(bbc_split):
    """With 1 label per class the pretrained encoder is far ahead of TF-IDF from scratch."""
    train, test = bbc_split
    gaps = []
    for seed in range(3):
        subset = sample_per_class(train, 1, seed)
        scores = {strategy: TextClassifier(strategy=strategy, seed=seed).fit(
            *_texts_labels(subset)).evaluate(test.texts, test.labels)["accuracy"]
            for strategy in ("features", "scratch")}
        gaps.append(scores["features"] - scores["scratch"])
    assert np.mean(gaps) >= 0.05, gaps


def _texts_labels(dataset):
    return dataset.texts, dataset.labels
