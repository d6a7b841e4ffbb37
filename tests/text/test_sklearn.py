"""TextClassifier follows scikit-learn's conventions, and one text gives one answer."""
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from brainlab.text import TextClassifier
from brainlab.text.training import TrainingArguments


def test_get_params_set_params_and_clone():
    args = TrainingArguments(finetune_epochs=1)
    classifier = TextClassifier(strategy="scratch", seed=3, args=args)
    params = classifier.get_params()
    assert params["strategy"] == "scratch" and params["seed"] == 3 and params["args"] == args
    assert classifier.set_params(seed=5) is classifier and classifier.seed == 5
    with pytest.raises(ValueError, match="TextClassifier seed=-1: expected a non-negative"):
        classifier.set_params(seed=-1)
    copy = clone(TextClassifier(strategy="features", hidden_units=16))
    assert copy.get_params()["hidden_units"] == 16 and not hasattr(copy, "strategy_")
    assert repr(TextClassifier(strategy="contrastive", seed=1)) == \
        "TextClassifier(seed=1, strategy='contrastive')"


def test_score_and_cross_val_score(small_data):
    texts, labels = small_data
    classifier = TextClassifier(strategy="scratch").fit(texts, labels)
    assert classifier.score(texts, labels) == classifier.evaluate(texts, labels)["accuracy"]
    scores = cross_val_score(TextClassifier(strategy="features"), texts, labels, cv=3)
    assert scores.shape == (3,) and scores.min() >= 0.8, scores


def test_one_text_gives_one_label(small_data):
    texts, labels = small_data
    classifier = TextClassifier(strategy="features").fit(texts, labels)
    label = classifier.predict("the goalkeeper saved a penalty")
    assert label == "sport"
    probabilities = classifier.predict_proba("the goalkeeper saved a penalty")
    assert probabilities.shape == (3,)
    np.testing.assert_allclose(probabilities, classifier.predict_proba(
        ["the goalkeeper saved a penalty"])[0])


def test_numpy_labels_come_back_as_python_values(small_data):
    """Arrays of labels (as a data frame's column gives them) are learned as plain str and
    int, so that predictions print as the user wrote them, not as np.str_('sport')."""
    texts, labels = small_data
    named = TextClassifier(strategy="scratch").fit(np.array(texts), np.array(labels))
    assert all(type(c) is str for c in named.classes_)
    assert type(named.predict(["the goalkeeper saved a penalty"])[0]) is str
    numbered = TextClassifier(strategy="scratch").fit(texts, np.unique(labels,
                                                                      return_inverse=True)[1])
    assert named.classes_ == ["food", "sport", "tech"] and numbered.classes_ == [0, 1, 2]
    assert all(type(c) is int for c in numbered.classes_)
