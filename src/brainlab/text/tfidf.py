"""The from-scratch baseline's features: TF-IDF of words and word bigrams.

No pretraining: every feature is learned from the user's own labelled texts.
Chinese has no spaces between words, so each CJK character counts as a word
(and bigrams of them approximate two-character words).
"""
from __future__ import annotations

import re

import numpy as np

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W\d_]+|\d+", re.UNICODE)


def tokenize(text):
    """Lower-cased words, numbers and single CJK characters."""
    return _TOKEN.findall(text.lower())


class TfidfFeaturizer:
    """x = l2_normalise((1 + log tf) * idf) over a vocabulary of the most frequent n-grams."""

    def __init__(self, max_features=20000, ngram_range=(1, 2)):
        self.max_features, self.ngram_range = int(max_features), tuple(ngram_range)
        self.vocabulary = self.idf = None

    def _counter(self, vocabulary=None, min_df=1):
        from sklearn.feature_extraction.text import CountVectorizer

        return CountVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False,
                               ngram_range=self.ngram_range, vocabulary=vocabulary,
                               max_features=None if vocabulary else self.max_features,
                               min_df=min_df, dtype=np.float32)

    def fit(self, texts):
        texts = list(texts)
        counter = self._counter(min_df=2 if len(texts) >= 200 else 1)
        try:
            counts = counter.fit_transform(texts)
        except ValueError:
            raise ValueError("the training texts contain no words to build features "
                             "from") from None
        self.vocabulary = {term: int(i) for term, i in counter.vocabulary_.items()}
        document_frequency = np.bincount(counts.indices, minlength=len(self.vocabulary))
        self.idf = (np.log((1 + len(texts)) / (1 + document_frequency)) + 1).astype(np.float32)
        return self

    def transform(self, texts):
        """Sparse (n, vocabulary) float32 CSR rows of unit length, which a brainlab.nn
        Dense layer takes as they are: a tweet has about 25 nonzeros in 20,000 columns, and
        30,000 tweets would be 2.4 GB dense."""
        if self.vocabulary is None:
            raise ValueError("the TF-IDF featurizer is not fitted")
        counts = self._counter(self.vocabulary).transform(list(texts)).tocsr()
        counts.data = (1 + np.log(counts.data)) * self.idf[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        counts.data /= np.repeat(norms, np.diff(counts.indptr))   # rows with no words: none
        return counts

    @property
    def dimension(self):
        return len(self.vocabulary)

    def get_state(self):
        """(JSON-able config, arrays) for saving without pickle."""
        terms = sorted(self.vocabulary, key=self.vocabulary.get)
        return ({"max_features": self.max_features, "ngram_range": list(self.ngram_range),
                 "terms": terms}, {"idf": self.idf})

    @classmethod
    def from_state(cls, config, arrays):
        featurizer = cls(config["max_features"], config["ngram_range"])
        featurizer.vocabulary = {term: i for i, term in enumerate(config["terms"])}
        featurizer.idf = arrays["idf"].astype(np.float32)
        if len(featurizer.idf) != len(featurizer.vocabulary):
            raise ValueError("TF-IDF state is inconsistent: idf and vocabulary differ in size")
        return featurizer
