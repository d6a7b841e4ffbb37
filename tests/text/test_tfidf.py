"""The scratch strategy's TF-IDF rows: sparse, of unit length, (1 + log tf) * idf."""
import numpy as np
from scipy import sparse

from brainlab.text.tfidf import TfidfFeaturizer, tokenize


def test_rows_are_sparse_unit_length_log_tf_idf():
    texts = ["the cat sat on the mat", "the dog sat", "a cat and a dog", "猫坐在垫子上"]
    featurizer = TfidfFeaturizer().fit(texts)
    rows = featurizer.transform(texts + ["nothing known here", ""])
    assert sparse.isspmatrix_csr(rows) and rows.dtype == np.float32
    dense = rows.toarray()
    np.testing.assert_allclose(np.linalg.norm(dense[:4], axis=1), 1.0, rtol=1e-5)   # float32 rows
    assert not dense[4:].any()   # no known word: an all-zero row, not NaN
    # the first text by hand: "the" twice -> (1 + log 2) * idf("the"), then unit length
    expected = np.zeros(featurizer.dimension)
    words = tokenize(texts[0])
    for term in set(words + [" ".join(pair) for pair in zip(words, words[1:])]):
        tf = (words + [" ".join(p) for p in zip(words, words[1:])]).count(term)
        column = featurizer.vocabulary[term]
        expected[column] = (1 + np.log(tf)) * featurizer.idf[column]
    np.testing.assert_allclose(dense[0], expected / np.linalg.norm(expected), rtol=1e-5)


def test_the_head_fits_sparse_rows_and_extra_sparse_rows_like_dense_ones():
    from brainlab.text.head import TFIDF_ROWS, fit_head

    texts = ["good film", "great fun", "bad plot", "awful acting", "good fun", "bad film"]
    y = np.array([1, 1, 0, 0, 1, 0])
    featurizer = TfidfFeaturizer().fit(texts)
    X, extra = featurizer.transform(texts[:4]), featurizer.transform(texts[4:])
    heads = [fit_head(rows, y[:4], 2, prior=TFIDF_ROWS, extra=(more, y[4:]))[0]
             for rows, more in ((X, extra), (X.toarray(), extra.toarray()))]
    np.testing.assert_allclose(heads[0].predict(X), heads[1].predict(X.toarray()), atol=1e-6)
